//go:build e2e && linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/assets"
)

// A parent makes the child's account from the first run (issue 12, §4):
// the real daemon, as root, runs useradd and chpasswd after the parent
// confirmed; a standard account cannot ask for one; bad login names are
// refused with a sentence in both languages, and nothing is made. The new
// account is listed with its full name, is never flagged as a new account
// (the parent made it), and can be given to a child at once.
func TestParentMakesTheChildsAccount(t *testing.T) {
	ostest.NeedRoot(t)
	d := startDaemon(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, errs, code := d.cliIn(nil, "246810\n", "setup", "--pin-stdin"); code != 0 {
		t.Fatalf("setup: exit %d %s", code, errs)
	}
	d.allDayForOthers()
	root := &client.Client{Socket: d.socket}
	name := ostest.UniqueName("kte2e-")[:12] // kte2e- and six hex digits
	t.Cleanup(func() {
		if _, err := user.Lookup(name); err != nil {
			return // never made
		}
		if err := ostest.DeleteUser(name); err != nil {
			t.Error(err)
		}
		_ = os.RemoveAll("/home/" + name)
	})

	// A standard account (a child, or a parent without sudo) is refused
	// before anything runs.
	dad := env.users["kte2e-dad"]
	out, errs, code := ostest.RunAs(t, dad.uid, dad.gid, helperBinary(t), newAccountEnv+"="+d.socket, newAccountEnv+"_NAME="+name)
	if got := strings.TrimSpace(string(out)); code != 0 || got != apitype.CodeNotAllowed {
		t.Fatalf("a standard account asked for a new account: %q (exit %d, %s); want not_allowed", got, code, errs)
	}
	if _, err := user.Lookup(name); err == nil {
		t.Fatalf("the account %s was made for a standard account's call", name)
	}

	// Bad login names: the field, a sentence in Vietnamese, nothing made.
	for _, bad := range []struct{ name, key string }{
		{"Bé An", "err.newAccount.nameStart"},
		{"bean!", "err.newAccount.nameChars"},
		{"root", "err.newAccount.exists"},
		{strings.Repeat("a", 21), "err.newAccount.nameLong"},
	} {
		_, err := root.CreateAccount(ctx, apitype.NewAccountRequest{Name: bad.name, Password: "an-2016"})
		ae, ok := client.AsAPIError(err)
		if !ok || ae.Key != bad.key || ae.Field != "name" {
			t.Errorf("login name %q: %v; want field name, key %s", bad.name, err, bad.key)
			continue
		}
		vi, ok := assets.ErrorText("vi", ae.Key, ae.Args)
		if !ok || vi == "" {
			t.Errorf("login name %q: no Vietnamese sentence for %s", bad.name, ae.Key)
		}
		t.Logf("%q → %s", bad.name, vi)
	}

	acc, err := root.CreateAccount(ctx, apitype.NewAccountRequest{Name: name, FullName: "Nguyễn Bé An", Password: "an-2016"})
	if err != nil {
		t.Fatalf("make %s: %v\n%s", name, err, d.log.String())
	}
	if acc.Name != name || acc.Admin || acc.FullName != "Nguyễn Bé An" {
		t.Errorf("the new account %+v; want %s, standard, with its full name", acc, name)
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("the system does not know %s: %v", name, err)
	}
	if st, err := os.Stat(u.HomeDir); err != nil || !st.IsDir() {
		t.Errorf("no home folder %s: %v", u.HomeDir, err)
	}
	shadow, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(shadow), "\n") {
		if f := strings.Split(line, ":"); f[0] == name && (len(f) < 2 || !strings.HasPrefix(f[1], "$")) {
			t.Errorf("the account has no password hash: %q", line)
		}
	}
	accs, err := root.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(accs, func(a apitype.Account) bool { return a.Name == name && a.FullName == "Nguyễn Bé An" && !a.Admin }) {
		t.Errorf("the accounts listed for a child do not hold %s with its full name: %+v", name, accs)
	}
	if evs := d.events("account_created"); !slices.ContainsFunc(evs, func(e apitype.Event) bool { return e.Detail["account"] == name }) {
		t.Errorf("no account_created event for %s: %+v", name, evs)
	}
	// Made a second time: refused, the first one kept.
	if _, err := root.CreateAccount(ctx, apitype.NewAccountRequest{Name: name, Password: "an-2016"}); !client.IsCode(err, apitype.CodeBadRequest) {
		t.Errorf("the same account again: %v; want bad_request (exists)", err)
	}

	if _, err := root.AddChild(ctx, apitype.AddChildRequest{Name: "Bé An", BirthYear: time.Now().Year() - 7, Accounts: []string{name}, Preset: "auto"}); err != nil {
		t.Fatalf("add a child on the new account: %v", err)
	}
	if c := d.child("Bé An"); !slices.Equal(c.Accounts, []string{name}) || c.DefaultProfile {
		t.Errorf("the child on the new account: %+v", c)
	}
	time.Sleep(2 * time.Second) // a tick's look for new accounts
	for _, e := range append(d.events("new_account"), d.events("accounts_found")...) {
		if e.Detail["account"] == name || strings.Contains(strings.Join(anyStrings(e.Detail["accounts"]), ","), name) {
			t.Errorf("the account the parent made was flagged: %+v", e)
		}
	}
}

// newAccountEnv, set to a socket path, makes the test binary ask the
// daemon for a new account (as whichever account runs it) and print the
// error code it got ("ok" when it was made).
const newAccountEnv = "KIDTIME_E2E_NEWACCOUNT"

func newAccountAs(socket string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := &client.Client{Socket: socket}
	_, err := c.CreateAccount(ctx, apitype.NewAccountRequest{Name: os.Getenv(newAccountEnv + "_NAME"), Password: "an-2016"})
	if ae, ok := client.AsAPIError(err); ok {
		fmt.Println(ae.Code)
		return 0
	}
	if err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("ok")
	return 0
}

func anyStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
