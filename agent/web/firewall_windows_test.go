package web

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"golang.org/x/sys/windows/registry"
)

// TestSystemResolver points test interfaces' DNS at loopback and gives
// them back (keys of its own under HKLM\SOFTWARE, not the machine's
// interfaces). Under Wine there is no Windows PowerShell (a stand-in that
// does nothing and exits 0): the firewall rules' error must say so, and
// wrap ErrEncryptedDNSOpen; on Windows the rules are written and checked.
func TestSystemResolver(t *testing.T) {
	root := fmt.Sprintf(`SOFTWARE\kidtime_test_%d`, os.Getpid())
	f := &Firewall{V4: root + `\v4`, V6: root + `\v6`, Backup: root + `\backup`, Group: fmt.Sprintf("kidtime_test_%d", os.Getpid()),
		SIDOf: func(uid uint32) (string, error) { return fmt.Sprintf("S-1-5-21-1-2-3-%d", uid), nil }}
	defer deleteTree(t, root)
	defer f.Remove()
	ifaces := []struct {
		key, value string // "" value: none
	}{
		{`\v4\{11111111-1111-1111-1111-111111111111}`, "10.0.0.1,10.0.0.2"},
		{`\v4\{22222222-2222-2222-2222-222222222222}`, ""},
		{`\v6\{33333333-3333-3333-3333-333333333333}`, "fd00::53"},
	}
	for _, i := range ifaces {
		k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, root+i.key, registry.ALL_ACCESS)
		if err != nil {
			t.Fatalf("make HKLM\\%s%s: %v", root, i.key, err)
		}
		if i.value != "" {
			k.SetStringValue("NameServer", i.value)
		}
		k.Close()
	}
	server := func(key string) string {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, root+key, registry.QUERY_VALUE)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		v, _, err := k.GetStringValue("NameServer")
		if errors.Is(err, registry.ErrNotExist) {
			return "(none)"
		}
		return v
	}
	check := func(t *testing.T, want ...string) {
		t.Helper()
		for n, i := range ifaces {
			if got := server(i.key); got != want[n] {
				t.Errorf("%s: NameServer %q; want %q", i.key, got, want[n])
			}
		}
	}
	apply := func(t *testing.T, r Rules) {
		t.Helper()
		err := f.Apply(r)
		if err != nil && !(errors.Is(err, ErrEncryptedDNSOpen) && strings.Contains(strings.ToLower(err.Error()), "powershell")) {
			t.Fatalf("apply: %v; want nil, or encrypted DNS left open for want of PowerShell", err)
		}
		if err == nil && ostest.Wine() != "" && len(r.Children)+len(r.Closed) > 0 {
			t.Fatal("apply said the firewall rules are written; Wine has no Windows Firewall to write them in")
		}
		if err != nil {
			t.Logf("as expected where there is no PowerShell: %v", err)
		}
	}
	cases := []struct {
		sentence string
		rules    Rules
		want     []string
		held     bool
	}{
		{"a child at the console: every interface asks kidtime", Rules{Children: []Redirect{{UID: 1001, Port: 53}}}, []string{"127.0.0.1", "127.0.0.1", "::1"}, true},
		{"again: the first backup is kept, not loopback", Rules{Children: []Redirect{{UID: 1001, Port: 53}}}, []string{"127.0.0.1", "127.0.0.1", "::1"}, true},
		{"a child with no resolver: loopback too (their DNS fails, closed)", Rules{Closed: []uint32{1002}}, []string{"127.0.0.1", "127.0.0.1", "::1"}, true},
		{"nobody to filter: the interfaces get their own servers back", Rules{}, []string{"10.0.0.1,10.0.0.2", "(none)", "fd00::53"}, false},
		{"a child again", Rules{Children: []Redirect{{UID: 1001, Port: 53}}}, []string{"127.0.0.1", "127.0.0.1", "::1"}, true},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			apply(t, c.rules)
			check(t, c.want...)
			if held, err := (&Firewall{Backup: f.Backup}).saved(); err != nil || (len(held) > 0) != c.held {
				t.Errorf("backup %v (%v); want held %v", held, err, c.held)
			}
		})
	}
	t.Run("the resolver forwards to the interfaces' own servers, never to itself", func(t *testing.T) {
		got, err := f.Upstream()
		if err != nil || strings.Join(got, " ") != "10.0.0.1:53 10.0.0.2:53 [fd00::53]:53" {
			t.Errorf("upstream while kidtime holds the interfaces: %v, %v", got, err)
		}
	})
	t.Run("uninstall gives every interface its servers back", func(t *testing.T) {
		if err := f.Remove(); err != nil {
			t.Fatalf("remove: %v", err)
		}
		check(t, "10.0.0.1,10.0.0.2", "(none)", "fd00::53")
		if _, err := registry.OpenKey(registry.LOCAL_MACHINE, f.Backup, registry.QUERY_VALUE); !errors.Is(err, registry.ErrNotExist) {
			t.Errorf("the backup key is still there: %v", err)
		}
	})
}

func deleteTree(t *testing.T, path string) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return
	}
	subs, _ := k.ReadSubKeyNames(-1)
	k.Close()
	for _, s := range subs {
		deleteTree(t, path+`\`+s)
	}
	if err := registry.DeleteKey(registry.LOCAL_MACHINE, path); err != nil {
		t.Logf("delete HKLM\\%s: %v", path, err)
	}
}
