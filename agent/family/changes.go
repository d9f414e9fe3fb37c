package family

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// AddChild adds a child with the rules of spec (an age preset, usually),
// after checking every field. An account the default profile held becomes
// the child's, with its history.
func (f *Family) AddChild(ctx context.Context, by Actor, spec rules.Child) (store.Child, error) {
	if err := f.GuardEdit(ctx, by, "add child", spec.Name); err != nil {
		return store.Child{}, err
	}
	now := f.now()
	spec.Name = strings.TrimSpace(spec.Name)
	if spec.Name == "" {
		return store.Child{}, keyedFieldErr("name", "err.child.name", nil, "the child's name is missing")
	}
	if age := rules.AgeIn(spec.BirthYear, now); spec.BirthYear == 0 || age < 0 || age > 17 {
		return store.Child{}, keyedFieldErr("birthYear", "err.child.age", map[string]string{"year": fmt.Sprint(spec.BirthYear), "age": fmt.Sprint(age)}, "%d gives an age of %d; kidtime is for children of 0 to 17", spec.BirthYear, age)
	}
	if err := f.CheckAccounts("accounts", spec.Accounts); err != nil {
		return store.Child{}, err
	}
	if _, err := spec.Policy(now); err != nil {
		return store.Child{}, rulesFieldErr("preset", err)
	}
	rec, adopted, err := f.claimDefault(ctx, spec)
	if err != nil {
		return store.Child{}, err
	}
	if !adopted {
		if rec, err = f.st.AddChild(ctx, store.Child{Name: spec.Name, BirthYear: spec.BirthYear, Accounts: spec.Accounts}); err != nil {
			return store.Child{}, err
		}
	}
	if err := f.savePolicy(ctx, spec, by.User); err != nil {
		return store.Child{}, err
	}
	f.rec.Record(ctx, rec.Name, "child_added", map[string]any{"by": by.User, "accounts": rec.Accounts})
	return rec, f.childrenChanged(ctx, by.User)
}

// SetRules replaces the rules of the child whose rules in force are old.
// Missing birth year and accounts are kept from old.
func (f *Family) SetRules(ctx context.Context, by Actor, old, spec rules.Child) error {
	if err := f.GuardEdit(ctx, by, "child policy", old.Name); err != nil {
		return err
	}
	if spec.Name == "" {
		spec.Name = old.Name
	}
	if !strings.EqualFold(spec.Name, old.Name) {
		return fieldErr("name", "the policy is for %q, not %q", spec.Name, old.Name)
	}
	if spec.BirthYear == 0 {
		spec.BirthYear = old.BirthYear
	}
	if len(spec.Accounts) == 0 {
		spec.Accounts = old.Accounts
	}
	if err := f.CheckAccounts("accounts", spec.Accounts); err != nil {
		return err
	}
	if _, err := spec.Policy(f.now()); err != nil {
		return rulesFieldErr("", err)
	}
	rec, err := f.st.Child(ctx, old.Name)
	if err != nil {
		return err
	}
	spec.Name = rec.Name
	if rec.BirthYear != spec.BirthYear || !slices.Equal(rec.Accounts, spec.Accounts) {
		rec.BirthYear, rec.Accounts = spec.BirthYear, spec.Accounts
		if err := f.st.UpdateChild(ctx, rec); err != nil {
			return err
		}
	}
	if err := f.savePolicy(ctx, spec, by.User); err != nil {
		return err
	}
	if def := f.defaultAccounts(ctx); def[rec.Name] {
		delete(def, rec.Name)
		if err := f.setDefaultAccounts(ctx, def); err != nil {
			return err
		}
	}
	f.rec.Record(ctx, rec.Name, "policy_changed", map[string]any{"by": by.User})
	return f.childrenChanged(ctx, by.User)
}

func (f *Family) savePolicy(ctx context.Context, spec rules.Child, by string) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode policy: %w", err)
	}
	if _, err := f.st.SavePolicy(ctx, spec.Name, b, by); err != nil {
		return err
	}
	return nil
}

// claimDefault turns the default-profile record of an account into the
// named child when a parent adds a child with that account, keeping the
// account's history.
func (f *Family) claimDefault(ctx context.Context, spec rules.Child) (store.Child, bool, error) {
	def := f.defaultAccounts(ctx)
	for _, acc := range spec.Accounts {
		rec, err := f.st.ChildByAccount(ctx, acc)
		if err != nil || !def[rec.Name] {
			continue
		}
		oldName := rec.Name
		rec.Name, rec.BirthYear, rec.Accounts = spec.Name, spec.BirthYear, spec.Accounts
		if err := f.st.UpdateChild(ctx, rec); err != nil {
			return store.Child{}, false, err
		}
		delete(def, oldName)
		if err := f.setDefaultAccounts(ctx, def); err != nil {
			return store.Child{}, false, err
		}
		return rec, true, nil
	}
	return store.Child{}, false, nil
}

// Import applies a policy file, plain or signed: while a school key is
// trusted, only a policy that key signed (or, for an administrator with
// rekey, a new key) replaces the one in force. Every child in the file is
// added or updated (children not in it are kept); the default profile and
// help contacts are replaced. Everything is checked before anything is
// written.
func (f *Family) Import(ctx context.Context, by Actor, data []byte, rekey bool) error {
	f.importMu.Lock()
	defer f.importMu.Unlock()
	body, sig, err := f.openPolicy(ctx, by, data)
	if err != nil {
		return err
	}
	if err := f.checkSigned(ctx, by, sig, rekey); err != nil {
		return err
	}
	pf, err := rules.ParseFile(body)
	if err != nil {
		return rulesFieldErr(FieldOf(err, ""), err)
	}
	return f.importFile(ctx, pf, by.User, sig)
}

// Seed imports a preset policy file at start when none is stored (a
// school's policy installed with the package). A preset that cannot be
// applied must not stop the agent (a restart loop would leave the PC
// unprotected): the agent runs on what it has and the parent is told.
func (f *Family) Seed(ctx context.Context, path string) {
	if _, err := f.st.Setting(ctx, settingGlobal); err == nil {
		return
	}
	fail := func(err error) {
		f.log.Error("family: preset policy not applied", "file", path, "err", err)
		f.rec.Record(ctx, "", "policy_rejected", map[string]any{"file": path, "error": err.Error()})
	}
	b, err := os.ReadFile(path)
	if err != nil {
		fail(fmt.Errorf("read preset policy: %w", err))
		return
	}
	// A signed preset makes its key the school key: trust on first install.
	s, signed, err := rules.OpenSignedPolicy(b)
	if err != nil {
		fail(fmt.Errorf("preset policy %s: %w", path, err))
		return
	}
	var sig *rules.Signed
	if signed {
		b, sig = s.Policy, &s
	}
	pf, err := rules.ParseFile(b)
	if err != nil {
		fail(fmt.Errorf("preset policy %s: %w", path, err))
		return
	}
	f.importMu.Lock()
	defer f.importMu.Unlock()
	if err := f.importFile(ctx, pf, "installer", sig); err != nil {
		fail(fmt.Errorf("import preset policy %s: %w", path, err))
	}
}

func (f *Family) importFile(ctx context.Context, pf *rules.File, by string, sig *rules.Signed) error {
	now := f.now()
	for i, ch := range pf.Children {
		if err := f.CheckAccounts(fmt.Sprintf("children[%d].accounts", i), ch.Accounts); err != nil {
			return err
		}
		if _, err := ch.Policy(now); err != nil {
			return rulesFieldErr(fmt.Sprintf("children[%d]", i), err)
		}
		if age := rules.AgeIn(ch.BirthYear, now); age > 17 {
			return keyedFieldErr(fmt.Sprintf("children[%d].birthYear", i), "err.child.age", map[string]string{"year": fmt.Sprint(ch.BirthYear), "age": fmt.Sprint(age)}, "%d gives an age of %d; kidtime is for children of 0 to 17", ch.BirthYear, age)
		}
	}
	if err := f.checkOwners(ctx, pf); err != nil {
		return err
	}
	for _, ch := range pf.Children {
		if _, adopted, err := f.claimDefault(ctx, ch); err != nil {
			return err
		} else if adopted {
			if err := f.savePolicy(ctx, ch, by); err != nil {
				return err
			}
			continue
		}
		rec, err := f.st.Child(ctx, ch.Name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if _, err := f.st.AddChild(ctx, store.Child{Name: ch.Name, BirthYear: ch.BirthYear, Accounts: ch.Accounts}); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			rec.BirthYear, rec.Accounts = ch.BirthYear, ch.Accounts
			if err := f.st.UpdateChild(ctx, rec); err != nil {
				return err
			}
		}
		if err := f.savePolicy(ctx, ch, by); err != nil {
			return err
		}
	}
	if err := f.SetGlobal(ctx, *pf, by); err != nil {
		return err
	}
	if err := f.childrenChanged(ctx, by); err != nil {
		return err
	}
	f.rec.Record(ctx, "", "policy_imported", map[string]any{"by": by, "children": len(pf.Children)})
	if sig != nil {
		if err := f.recordSigned(ctx, sig, by); err != nil {
			return err
		}
	}
	return nil
}

// checkOwners refuses, before anything is written, a file whose accounts
// clash: one account given to two of its children, or an account another
// stored child has (not one the default profile merely holds). Moving an
// account from one child to another is two steps: take it from the first.
func (f *Family) checkOwners(ctx context.Context, pf *rules.File) error {
	def := f.defaultAccounts(ctx)
	owner := map[string]string{}
	for i, ch := range pf.Children {
		for j, acc := range ch.Accounts {
			field := fmt.Sprintf("children[%d].accounts[%d]", i, j)
			key := strings.ToLower(acc)
			if other, ok := owner[key]; ok && !strings.EqualFold(other, ch.Name) {
				return fmt.Errorf("%s: %w: account %q is given to %q and %q", field, store.ErrConflict, acc, other, ch.Name)
			}
			owner[key] = ch.Name
			rec, err := f.st.ChildByAccount(ctx, acc)
			if err == nil && !strings.EqualFold(rec.Name, ch.Name) && !def[rec.Name] {
				return &Keyed{Key: "err.account.taken", Args: map[string]string{"account": acc, "child": rec.Name},
					Err: fmt.Errorf("%s: %w: account %q already belongs to %q (take it from %q first)", field, store.ErrConflict, acc, rec.Name, rec.Name)}
			}
		}
	}
	return nil
}

// FieldOf extracts the field path of a rules error, without prefix.
func FieldOf(err error, prefix string) string {
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 {
		return strings.TrimPrefix(msg[:i], prefix)
	}
	return ""
}
