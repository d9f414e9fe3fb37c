package family

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// Settings keys of the default profile kidtime keeps by itself and of the
// accounts a parent released from it.
const (
	// settingDefaultAuto marks a default profile kidtime made (at setup, or
	// kept when an imported file had none): it follows the youngest child's
	// rules until a parent sets one.
	settingDefaultAuto = "policy.default-auto"
	// settingParentAccounts lists the non-administrator accounts that are a
	// parent's: a PIN login from an account the default profile held.
	settingParentAccounts = "policy.parent-accounts"
)

// NoChildAge is the age whose preset the default profile has while the
// family has no child yet: strict, since nobody has said who uses the other
// accounts.
const NoChildAge = 8

// EnsureDefault gives the family a default profile when it has none, so that
// no login account is ever left unmanaged after setup (a second account
// made to escape the rules lands in it). It follows the youngest child's
// rules (the age-NoChildAge preset while there is no child) until a parent
// sets one.
func (f *Family) EnsureDefault(ctx context.Context, by string) error {
	if f.Global(ctx).DefaultProfile != nil {
		return nil
	}
	if err := f.st.SetSetting(ctx, settingDefaultAuto, []byte("1")); err != nil {
		return fmt.Errorf("mark the default profile as kidtime's: %w", err)
	}
	if err := f.followYoungest(ctx, f.Global(ctx), by); err != nil {
		return err
	}
	f.rec.Record(ctx, "", "default_profile", map[string]any{"by": by, "preset": f.Global(ctx).DefaultProfile.Preset})
	return nil
}

// defaultAuto reports whether the default profile is kidtime's own.
func (f *Family) defaultAuto(ctx context.Context) bool {
	b, err := f.st.Setting(ctx, settingDefaultAuto)
	return err == nil && string(b) == "1"
}

// followYoungest stores g with the youngest child's rules as its default
// profile.
func (f *Family) followYoungest(ctx context.Context, g rules.File, by string) error {
	prof, err := f.youngestProfile(ctx)
	if err != nil {
		return err
	}
	g.DefaultProfile = &prof
	return f.setGlobal(ctx, g, by)
}

// youngestProfile is the youngest child's profile with "auto" made their
// age (a child the default profile holds does not count).
func (f *Family) youngestProfile(ctx context.Context) (rules.Profile, error) {
	recs, err := f.st.Children(ctx)
	if err != nil {
		return rules.Profile{}, fmt.Errorf("children: %w", err)
	}
	byDefault := f.defaultAccounts(ctx)
	var young *store.Child
	for i, r := range recs {
		if byDefault[r.Name] {
			continue
		}
		if young == nil || r.BirthYear > young.BirthYear {
			young = &recs[i]
		}
	}
	if young == nil {
		return rules.Profile{Preset: "age:" + strconv.Itoa(NoChildAge)}, nil
	}
	prof := rules.Profile{Preset: "auto"}
	if pv, err := f.st.Policy(ctx, young.Name); err == nil {
		var spec rules.Child
		if err := json.Unmarshal(pv.JSON, &spec); err == nil {
			prof = spec.Profile
		}
	}
	if prof.Preset == "" || prof.Preset == "auto" {
		age := min(max(rules.AgeIn(young.BirthYear, f.now()), 0), 17)
		prof.Preset = "age:" + strconv.Itoa(age)
	}
	return prof, nil
}

// ChildrenChanged keeps kidtime's own default profile on the youngest
// child's rules after a change to the children (made here, or a child
// erased through the store).
func (f *Family) ChildrenChanged(ctx context.Context, by string) error {
	return f.childrenChanged(ctx, by)
}

func (f *Family) childrenChanged(ctx context.Context, by string) error {
	if !f.defaultAuto(ctx) {
		return nil
	}
	return f.followYoungest(ctx, f.Global(ctx), by)
}

// parentAccounts are the accounts released as a parent's, lower-cased.
func (f *Family) parentAccounts(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	if b, err := f.st.Setting(ctx, settingParentAccounts); err == nil {
		var names []string
		if err := json.Unmarshal(b, &names); err != nil {
			f.log.Error("family: parent account list unreadable", "err", err)
		}
		for _, n := range names {
			out[strings.ToLower(n)] = true
		}
	}
	return out
}

// HeldByDefault reports whether the child record is one the default profile
// holds (an account no parent named as a child), not a child a parent added.
func (f *Family) HeldByDefault(ctx context.Context, child string) bool {
	return child != "" && f.defaultAccounts(ctx)[child]
}

// ReleaseParent makes account a parent's: a person who proved the PIN from
// an account the default profile held is not a child. The account's
// default-profile record and its data go (it was an adult's), and it is
// never adopted again. A child a parent named is never released this way.
func (f *Family) ReleaseParent(ctx context.Context, account, by string) error {
	rec, err := f.st.ChildByAccount(ctx, account)
	if err != nil {
		return fmt.Errorf("account %s: %w", account, err)
	}
	byDefault := f.defaultAccounts(ctx)
	if !byDefault[rec.Name] {
		return fieldErr("account", "%s is %s's account, a child a parent added; remove it from the child first", account, rec.Name)
	}
	parents := f.parentAccounts(ctx)
	parents[strings.ToLower(account)] = true
	names := make([]string, 0, len(parents))
	for n := range parents {
		names = append(names, n)
	}
	slices.Sort(names)
	b, _ := json.Marshal(names)
	if err := f.st.SetSetting(ctx, settingParentAccounts, b); err != nil {
		return fmt.Errorf("keep the parent accounts: %w", err)
	}
	if err := f.st.Erase(ctx, rec.Name); err != nil {
		return fmt.Errorf("release %s from the default profile: %w", account, err)
	}
	delete(byDefault, rec.Name)
	if err := f.setDefaultAccounts(ctx, byDefault); err != nil {
		return err
	}
	f.rec.Record(ctx, "", "parent_account", map[string]any{"account": account, "by": by})
	f.log.Info("family: an account the default profile held is a parent's", "account", account)
	return nil
}
