package ipc

import (
	"os/user"
	"slices"
	"strconv"
	"testing"
)

// The name-service fallback must agree with os/user for a local account.
func TestLookupAccountNSS(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	name, groups, err := lookupAccountNSS(uint32(uid))
	if err != nil {
		t.Skipf("no getent/id here: %v", err)
	}
	wantName, wantGroups, err := lookupAccount(uint32(uid), uint32(gid))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(groups)
	slices.Sort(wantGroups)
	if name != wantName || !slices.Equal(groups, wantGroups) {
		t.Errorf("NSS says %q %v, os/user says %q %v", name, groups, wantName, wantGroups)
	}
	if _, _, err := lookupAccountNSS(4_000_000_000); err == nil {
		t.Error("an unknown uid was found")
	}
}
