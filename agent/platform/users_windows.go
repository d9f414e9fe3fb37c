package platform

import (
	"fmt"

	"github.com/kidtime/kidtime/agent/facts"
)

// Users are the machine's accounts: Lookup, IsAdmin and List.
type Users struct{}

// IsAdmin calls [UserIsAdmin].
func (Users) IsAdmin(uid uint32) (bool, error) { return UserIsAdmin(uid) }

// Lookup returns the uid (SIDToUID of the SID) of an account name:
// "alice" for a local account, "DOMAIN\bob" or "AzureAD\Carol" otherwise.
func (Users) Lookup(name string) (uint32, error) {
	uid, err := LookupAccount(name)
	if err != nil {
		return 0, fmt.Errorf("look up account %q: %w", name, err)
	}
	return uid, nil
}

// List returns the accounts people log in with: enabled local accounts and
// every person's account with a profile on the machine.
func (Users) List() ([]facts.Account, error) {
	accs, err := ListAccounts()
	out := make([]facts.Account, 0, len(accs))
	for _, a := range accs {
		full, _ := FullName(a.Name) // no full name: the login name is shown
		out = append(out, facts.Account{Name: a.Name, UID: a.UID, Admin: a.Admin, FullName: full})
	}
	return out, err
}
