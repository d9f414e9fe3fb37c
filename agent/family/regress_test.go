package family_test

// A failing test of a bug found while writing family_test.go (not
// committed: for review).

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// Was a bug (changes.go importFile): Import says "Everything is checked before
// anything is written", but an account that another stored child (not in
// the file) already has is found only by the store, when that child is
// written: the children before it in the file are already added or
// updated, the default profile and help are not, and no policy_imported
// is logged. Fix: before the write loop, check each file child's accounts
// against st.ChildByAccount (an owner that is neither the same child nor
// a default-profile record is a conflict), or do the writes in one store
// transaction.
func TestRegressionImportHalfWritten(t *testing.T) {
	w := newWorld(t)
	if _, err := w.f.AddChild(ctxT(), admin, rules.Child{Name: "Binh", BirthYear: year - 8, Accounts: []string{"kid2"}}); err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"]},{"name":"Cuc","birthYear":%d,"accounts":["kid2"]}]}`, year-11, year-9)
	err := w.f.Import(ctxT(), parent, []byte(file), false)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Import: %v; want a conflict on kid2", err)
	}
	if _, err := w.st.Child(ctxT(), "An"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused import added An (%v): half the file was written", err)
	}
}
