package web

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestBrowserRegistry writes the browsers' DoH policies under a test root
// of HKLM, keeps a value someone else set, and removes only its own.
func TestBrowserRegistry(t *testing.T) {
	root := fmt.Sprintf(`SOFTWARE\kidtime_browsers_%d`, os.Getpid())
	defer deleteTree(t, root)
	// An administrator's own Edge policy: "secure" DoH to their resolver.
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, root+`\Policies\Microsoft\Edge`, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	k.SetStringValue("DnsOverHttpsMode", "secure")
	k.Close()
	value := func(key, name string) (string, error) {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, root+`\`+key, registry.QUERY_VALUE)
		if err != nil {
			return "", err
		}
		defer k.Close()
		if s, _, err := k.GetStringValue(name); err == nil {
			return s, nil
		}
		d, _, err := k.GetIntegerValue(name)
		return fmt.Sprint(d), err
	}
	written, err := WriteBrowserRegistry(root)
	if err != nil || len(written) != 5 {
		t.Fatalf("write: %v, %v; want 5 values written (Edge's kept)", written, err)
	}
	if _, err := WriteBrowserRegistry(root); err != nil {
		t.Fatalf("a second write: %v", err)
	}
	cases := []struct {
		sentence, key, name, want string
	}{
		{"Chrome's DoH off", `Policies\Google\Chrome`, "DnsOverHttpsMode", "off"},
		{"Brave's too", `Policies\BraveSoftware\Brave`, "DnsOverHttpsMode", "off"},
		{"Firefox's DoH off", `Policies\Mozilla\Firefox\DNSOverHTTPS`, "Enabled", "0"},
		{"and locked", `Policies\Mozilla\Firefox\DNSOverHTTPS`, "Locked", "1"},
		{"an administrator's own value is kept", `Policies\Microsoft\Edge`, "DnsOverHttpsMode", "secure"},
	}
	for _, c := range cases {
		if got, err := value(c.key, c.name); err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.sentence, got, err, c.want)
		}
	}
	if err := RemoveBrowserRegistry(root); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, err := value(`Policies\Google\Chrome`, "DnsOverHttpsMode"); !errors.Is(err, registry.ErrNotExist) {
		t.Errorf("Chrome's policy after removal: %v; want gone", err)
	}
	if got, err := value(`Policies\Microsoft\Edge`, "DnsOverHttpsMode"); err != nil || got != "secure" {
		t.Errorf("the administrator's Edge policy after removal: %q, %v; want kept", got, err)
	}
}
