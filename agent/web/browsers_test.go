package web

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func readJSON(t *testing.T, p string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return m
}

func TestBrowserPolicies(t *testing.T) {
	t.Run("on a PC without policies: written, then removed to the last folder", func(t *testing.T) {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "etc"), 0o755)
		files, err := WriteBrowserPolicies(root)
		if err != nil || len(files) != 5 {
			t.Fatalf("wrote %v, %v", files, err)
		}
		ff := readJSON(t, filepath.Join(root, FirefoxPolicies))
		doh := ff["policies"].(map[string]any)["DNSOverHTTPS"].(map[string]any)
		if doh["Enabled"] != false || doh["Locked"] != true {
			t.Errorf("Firefox: %v", ff)
		}
		ch := readJSON(t, filepath.Join(root, "etc/opt/chrome/policies/managed", chromiumFile))
		if ch["DnsOverHttpsMode"] != "off" {
			t.Errorf("Chrome: %v", ch)
		}
		if _, err := WriteBrowserPolicies(root); err != nil { // again: the same
			t.Fatal(err)
		}
		if err := RemoveBrowserPolicies(root); err != nil {
			t.Fatal(err)
		}
		left, _ := os.ReadDir(filepath.Join(root, "etc"))
		if len(left) != 0 {
			t.Errorf("left in /etc: %v", left)
		}
	})
	t.Run("a school's own Firefox policies are kept, and only kidtime's entry goes", func(t *testing.T) {
		root := t.TempDir()
		p := filepath.Join(root, FirefoxPolicies)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(`{"policies":{"Homepage":{"URL":"https://school.edu.vn"}}}`), 0o644)
		if _, err := WriteBrowserPolicies(root); err != nil {
			t.Fatal(err)
		}
		pols := readJSON(t, p)["policies"].(map[string]any)
		if pols["Homepage"] == nil || pols["DNSOverHTTPS"] == nil {
			t.Errorf("merged: %v", pols)
		}
		if err := RemoveBrowserPolicies(root); err != nil {
			t.Fatal(err)
		}
		pols = readJSON(t, p)["policies"].(map[string]any)
		if pols["Homepage"] == nil || pols["DNSOverHTTPS"] != nil {
			t.Errorf("after removal: %v", pols)
		}
	})
	t.Run("a Firefox file that is not JSON is left alone, the others are written", func(t *testing.T) {
		root := t.TempDir()
		p := filepath.Join(root, FirefoxPolicies)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(`not json`), 0o644)
		files, err := WriteBrowserPolicies(root)
		if err == nil || len(files) != 4 {
			t.Errorf("files %v, err %v; want the 4 Chromium ones and an error naming Firefox's", files, err)
		}
		if b, _ := os.ReadFile(p); string(b) != "not json" {
			t.Errorf("Firefox's file was changed: %q", b)
		}
	})
}
