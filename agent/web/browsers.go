package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Managed browser policies that turn off browsers' own DNS over HTTPS, so
// that their lookups go through the system's DNS, which the firewall sends
// to kidtime. They are for every account of the PC (browsers read them
// machine-wide).
//
// Firefox reads /etc/firefox/policies/policies.json ("DNSOverHTTPS":
// {"Enabled": false, "Locked": true}; mozilla.github.io/policy-templates);
// Chromium, Chrome, Edge and Brave read every file of their managed
// policies folder ("DnsOverHttpsMode": "off";
// chromeenterprise.google/policies/#DnsOverHttpsMode). Windows reads these
// from the registry: browsers_windows.go.

// FirefoxPolicies is where Firefox reads its policies on Linux.
const FirefoxPolicies = "etc/firefox/policies/policies.json"

// chromiumManaged are the managed-policy folders of the Chromium family.
var chromiumManaged = []string{
	"etc/chromium/policies/managed",
	"etc/opt/chrome/policies/managed",
	"etc/opt/edge/policies/managed",
	"etc/brave/policies/managed",
}

// chromiumFile is kidtime's own file in each managed folder.
const chromiumFile = "kidtime-dns.json"

// firefoxMark beside policies.json says what kidtime did to it: "created"
// (the file is kidtime's) or "merged" (kidtime added DNSOverHTTPS to a
// file someone else wrote).
const firefoxMark = ".kidtime"

var chromiumPolicy = []byte("{\n  \"DnsOverHttpsMode\": \"off\"\n}\n")

// WriteBrowserPolicies writes the policies under root ("/" on a real
// system) and returns the files it wrote. Another policy in Firefox's file
// is kept.
func WriteBrowserPolicies(root string) ([]string, error) {
	var written []string
	var errs []error
	for _, dir := range chromiumManaged {
		p := filepath.Join(root, dir, chromiumFile)
		if err := writeFile(p, chromiumPolicy); err != nil {
			errs = append(errs, err)
			continue
		}
		written = append(written, p)
	}
	p := filepath.Join(root, FirefoxPolicies)
	if err := writeFirefox(p); err != nil {
		errs = append(errs, err)
	} else {
		written = append(written, p)
	}
	return written, errors.Join(errs...)
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("browser policy: %w", err)
	}
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("browser policy: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("browser policy: %w", err)
	}
	return nil
}

func writeFirefox(p string) error {
	mark := filepath.Join(filepath.Dir(p), firefoxMark)
	doc := map[string]any{}
	how := "created"
	old, err := os.ReadFile(p)
	switch {
	case err == nil:
		if err := json.Unmarshal(old, &doc); err != nil {
			return fmt.Errorf("browser policy: %s is not JSON; left as it is: %w", p, err)
		}
		if m, err := os.ReadFile(mark); err == nil {
			how = string(bytes.TrimSpace(m))
		} else {
			how = "merged"
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("browser policy: %w", err)
	}
	pols, _ := doc["policies"].(map[string]any)
	if pols == nil {
		pols = map[string]any{}
		doc["policies"] = pols
	}
	pols["DNSOverHTTPS"] = map[string]any{"Enabled": false, "Locked": true}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("browser policy: %w", err)
	}
	if err := writeFile(p, append(b, '\n')); err != nil {
		return err
	}
	return writeFile(mark, []byte(how+"\n"))
}

// RemoveBrowserPolicies takes away what WriteBrowserPolicies wrote under
// root: kidtime's files, Firefox's file if kidtime made it, else only its
// DNSOverHTTPS entry.
func RemoveBrowserPolicies(root string) error {
	var errs []error
	for _, dir := range chromiumManaged {
		p := filepath.Join(root, dir, chromiumFile)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		// The folders go when kidtime's file was all they held.
		for d := filepath.Join(root, dir); d != root && filepath.Base(d) != "etc"; d = filepath.Dir(d) { // empty folders only: os.Remove refuses others
			if os.Remove(d) != nil {
				break
			}
		}
	}
	p := filepath.Join(root, FirefoxPolicies)
	mark := filepath.Join(filepath.Dir(p), firefoxMark)
	m, err := os.ReadFile(mark)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.Join(errs...) // kidtime never wrote it
	}
	switch string(bytes.TrimSpace(m)) {
	case "created":
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	default:
		if b, err := os.ReadFile(p); err == nil {
			doc := map[string]any{}
			if json.Unmarshal(b, &doc) == nil {
				if pols, ok := doc["policies"].(map[string]any); ok {
					delete(pols, "DNSOverHTTPS")
				}
				out, _ := json.MarshalIndent(doc, "", "  ")
				if err := writeFile(p, append(out, '\n')); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := os.Remove(mark); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, err)
	}
	for d := filepath.Dir(p); d != root && filepath.Base(d) != "etc"; d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return errors.Join(errs...)
}
