package platform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

// A standard account made for a child: NetUserAdd, its full name, the Users
// group; not an administrator; made twice, it exists. The account is
// removed at the end. Under Wine this shows what Wine's netapi32 does, not
// Windows.
func TestCreateStandardAccount(t *testing.T) {
	name := fmt.Sprintf("ktnew%d", os.Getpid()%100000)
	full := "Bé An"
	if ostest.Wine() != "" {
		// Wine 8 has no NetUserSetInfo: a call aborts the process. The
		// full name is left out there (unrun under Wine).
		full = ""
		t.Log("under Wine: NetUserSetInfo (the full name) is not implemented; made without one")
	}
	err := Users{}.Create(context.Background(), facts.NewAccount{Name: name, FullName: full, Password: "Kt-2019-an!"})
	if err != nil {
		t.Fatalf("Create %s: %v", name, err)
	}
	t.Cleanup(func() {
		n, _ := windows.UTF16PtrFromString(name)
		if r, _, _ := procNetUserDel.Call(0, uintptr(unsafe.Pointer(n))); r != 0 {
			t.Errorf("NetUserDel %s: %v", name, windows.Errno(r))
		}
	})
	if ostest.Wine() != "" {
		// Wine keeps NetUserAdd's accounts in netapi32's memory: LSA
		// (LookupAccountName) never hears of them.
		t.Log("under Wine: the new account cannot be looked up (LookupAccountName does not know NetUserAdd's accounts)")
	} else {
		uid, err := Users{}.Lookup(name)
		if err != nil {
			t.Fatalf("the new account is not found: %v", err)
		}
		if admin, err := (Users{}).IsAdmin(uid); err != nil || admin {
			t.Errorf("the new account: admin %v (%v); want a standard account", admin, err)
		}
		if got, err := FullName(name); err != nil || got != full {
			t.Errorf("the new account's full name: %q (%v); want %q", got, err, full)
		}
	}
	if ostest.Wine() != "" {
		t.Log("under Wine: NetUserAdd is a stub that never says an account exists; the second try is not checked")
		return
	}
	err = Users{}.Create(context.Background(), facts.NewAccount{Name: name, Password: "Kt-2019-an!"})
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("the same account again: %v; want fs.ErrExist", err)
	}
}
