// Package family owns who the children are and what rules they live by, as
// stored: adding a child or changing their rules (checked first, then
// written), importing a whole policy file (plain, or signed by a school's
// key), the school key itself, and the default profile that holds every
// login account no child claims.
//
// It writes through agent/store and knows nothing of what runs now: the
// agent reloads its children after each change.
package family

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// Users looks up OS accounts.
type Users interface {
	Lookup(name string) (uid uint32, err error)
	IsAdmin(uid uint32) (bool, error)
	List() ([]facts.Account, error)
}

// Recorder logs an event.
type Recorder interface {
	Record(ctx context.Context, child, kind string, detail map[string]any)
}

// Actor is who asks for a change: their OS account and whether they
// administer the machine (a parent with the PIN does not).
type Actor struct {
	User  string
	UID   uint32
	Admin bool
	Role  string // for the tamper events (apitype.Role*)
}

// FieldError is input that cannot be taken, naming the field at fault; Key
// and Args name its sentence in the translations (apitype.Error), when it
// has one.
type FieldError struct {
	Field, Reason string
	Key           string
	Args          map[string]string
}

// MessageKey is the sentence the apps say: Key with Args and the field, or
// "err.field" with the English reason.
func (e *FieldError) MessageKey() (string, map[string]string) {
	args := map[string]string{"field": e.Field, "reason": e.Reason}
	for k, v := range e.Args {
		args[k] = v
	}
	if e.Key == "" {
		return "err.field", args
	}
	return e.Key, args
}

// keyedFieldErr is fieldErr with its sentence's key and arguments.
func keyedFieldErr(field, key string, args map[string]string, format string, a ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, a...), Key: key, Args: args}
}

// rulesFieldErr is a policy's problems as a FieldError at field, with the
// first problem's sentence.
func rulesFieldErr(field string, err error) error {
	fe := &FieldError{Field: field, Reason: err.Error()}
	var re *rules.FieldError
	if errors.As(err, &re) {
		fe.Key, fe.Args = re.MessageKey()
	}
	return fe
}

// Keyed is an error with the sentence the apps say for it (apitype.Error's
// key and arguments); it wraps the error it explains.
type Keyed struct {
	Key  string
	Args map[string]string
	Err  error
}

func (e *Keyed) Error() string { return e.Err.Error() }

// Unwrap gives the explained error to errors.Is and errors.As.
func (e *Keyed) Unwrap() error { return e.Err }

// MessageKey is the sentence's key and arguments.
func (e *Keyed) MessageKey() (string, map[string]string) { return e.Key, e.Args }

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// RefusedError is a change a school's key forbids. A refusal of a policy
// that would weaken the one in force is also recorded as the tamper event
// policy_refused; a parent's first signed import (which only an
// administrator may make) is refused without one.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// Settings keys.
const (
	settingGlobal          = "policy.global"
	settingDefaultAccounts = "policy.default-accounts"
	settingSchoolKey       = "policy.school-key"
)

// Family is the stored family.
type Family struct {
	st    *store.Store
	users Users
	rec   Recorder
	log   *slog.Logger
	now   func() time.Time

	importMu sync.Mutex // one import at a time: the key checked is the key in force
}

// New returns the family kept in st.
func New(st *store.Store, users Users, rec Recorder, log *slog.Logger, now func() time.Time) *Family {
	return &Family{st: st, users: users, rec: rec, log: log, now: now}
}

// Global is the policy file's part that is not a child: the default
// profile and the help contacts (zero when none is stored or it is
// unreadable, which is logged).
func (f *Family) Global(ctx context.Context) rules.File {
	var g rules.File
	if b, err := f.st.Setting(ctx, settingGlobal); err == nil {
		if p, err := rules.ParseFile(b); err == nil {
			g = *p
		} else {
			f.log.Error("family: stored global policy unreadable; using defaults", "err", err)
		}
	}
	return g
}

// SetGlobal replaces the default profile and help contacts. A default
// profile is never removed once there: without one in g, kidtime keeps its
// own, which follows the youngest child's rules (see EnsureDefault). A
// parent's own default profile stops that.
func (f *Family) SetGlobal(ctx context.Context, g rules.File, by string) error {
	old := f.Global(ctx)
	if g.DefaultProfile == nil && old.DefaultProfile != nil {
		if err := f.st.SetSetting(ctx, settingDefaultAuto, []byte("1")); err != nil {
			return fmt.Errorf("mark the default profile as kidtime's: %w", err)
		}
		return f.followYoungest(ctx, g, by)
	}
	if g.DefaultProfile != nil && !sameProfile(old.DefaultProfile, g.DefaultProfile) {
		if err := f.st.SetSetting(ctx, settingDefaultAuto, []byte("0")); err != nil {
			return fmt.Errorf("mark the default profile as the parent's: %w", err)
		}
	}
	return f.setGlobal(ctx, g, by)
}

func sameProfile(a, b *rules.Profile) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func (f *Family) setGlobal(ctx context.Context, g rules.File, by string) error {
	g = rules.File{Version: rules.FileVersion, DefaultProfile: g.DefaultProfile, Help: g.Help}
	b, err := rules.EncodeFile(&g)
	if err != nil {
		return fmt.Errorf("encode the global policy: %w", err)
	}
	if err := f.st.SetSetting(ctx, settingGlobal, b); err != nil {
		return fmt.Errorf("keep the global policy: %w", err)
	}
	if by != "" {
		if _, err := f.st.SavePolicy(ctx, "", b, by); err != nil {
			f.log.Debug("family: global policy version not kept", "err", err)
		}
	}
	return nil
}

// Stored is a child as stored: the record, the rules in force (their own,
// the default profile's, or their age preset when none is stored), whether
// the default profile holds them, and the uids of their accounts that are
// enforced (an account that does not exist yet, or an administrator's, is
// not: it is logged).
type Stored struct {
	Record    store.Child
	Spec      rules.Child
	ByDefault bool
	UIDs      []uint32
}

// Children reads every child with their rules. When a default profile
// exists, login accounts no child claims are first added under it (and the
// parent told).
func (f *Family) Children(ctx context.Context) ([]Stored, rules.File, error) {
	recs, err := f.st.Children(ctx)
	if err != nil {
		return nil, rules.File{}, fmt.Errorf("children: %w", err)
	}
	global := f.Global(ctx)
	if global.DefaultProfile != nil {
		added, err := f.adoptUnclaimed(ctx, recs, global)
		if err != nil {
			f.log.Error("family: default profile: adding new accounts failed", "err", err)
		}
		recs = append(recs, added...)
	} else if err := f.reportUnclaimed(ctx, recs); err != nil {
		f.log.Error("family: reporting new accounts failed", "err", err)
	}
	byDefault := f.defaultAccounts(ctx)
	out := make([]Stored, 0, len(recs))
	for _, r := range recs {
		c := Stored{Record: r, Spec: rules.Child{Name: r.Name, BirthYear: r.BirthYear, Accounts: r.Accounts}}
		if byDefault[r.Name] && global.DefaultProfile != nil {
			c.Spec.Profile = *global.DefaultProfile
			c.ByDefault = true
		} else if pv, err := f.st.Policy(ctx, r.Name); err == nil {
			var spec rules.Child
			if err := json.Unmarshal(pv.JSON, &spec); err != nil {
				f.log.Error("family: stored policy unreadable; using the age preset", "child", r.Name, "err", err)
			} else {
				c.Spec = spec
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, rules.File{}, fmt.Errorf("policy of %s: %w", r.Name, err)
		}
		c.Spec.Name, c.Spec.BirthYear, c.Spec.Accounts = r.Name, r.BirthYear, r.Accounts
		c.UIDs = f.enforced(r)
		out = append(out, c)
	}
	return out, global, nil
}

// enforced are the uids of a child's accounts that exist and are not
// administrators'.
func (f *Family) enforced(r store.Child) []uint32 {
	var uids []uint32
	for _, acc := range r.Accounts {
		uid, err := f.users.Lookup(acc)
		if err != nil {
			f.log.Warn("family: a child's account does not exist (yet)", "child", r.Name, "account", acc, "err", err)
			continue
		}
		if admin, _ := f.users.IsAdmin(uid); admin {
			f.log.Warn("family: a child's account is an administrator; it is not enforced", "child", r.Name, "account", acc)
			continue
		}
		uids = append(uids, uid)
	}
	return uids
}

// EnforcedChanged reports whether a child's accounts would now be
// enforced as other uids than have: an account named before it existed and
// made since, one deleted and made again, or given another uid (usermod
// -u). Quiet: it is asked every 30 s.
func (f *Family) EnforcedChanged(r store.Child, have []uint32) bool {
	var now []uint32
	for _, acc := range r.Accounts {
		uid, err := f.users.Lookup(acc)
		if err != nil {
			continue
		}
		if admin, _ := f.users.IsAdmin(uid); admin {
			continue
		}
		now = append(now, uid)
	}
	return !slices.Equal(now, have)
}

// Unclaimed reports whether a login account exists that no child claims
// and that is new: not yet held by the default profile nor reported to the
// parent (useradd while the agent runs).
func (f *Family) Unclaimed(ctx context.Context, claimed func(account string) bool) bool {
	accs, err := f.users.List()
	if err != nil {
		return false
	}
	seen := f.seenAccounts(ctx)
	parents := f.parentAccounts(ctx)
	for _, acc := range accs {
		if !acc.Admin && !claimed(acc.Name) && !seen[strings.ToLower(acc.Name)] && !parents[strings.ToLower(acc.Name)] {
			return true
		}
	}
	return false
}

// settingSeenAccounts lists the unclaimed accounts already reported while
// no default profile holds them.
const settingSeenAccounts = "policy.seen-accounts"

func (f *Family) seenAccounts(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	if b, err := f.st.Setting(ctx, settingSeenAccounts); err == nil {
		var names []string
		if json.Unmarshal(b, &names) == nil {
			for _, n := range names {
				out[n] = true
			}
		}
	}
	return out
}

// reportUnclaimed tells the parent, once per account, of a login account no
// child claims while no default profile holds such accounts: a second
// account made to escape the rules does not go unseen.
func (f *Family) reportUnclaimed(ctx context.Context, recs []store.Child) error {
	accs, err := f.users.List()
	if err != nil {
		return fmt.Errorf("list accounts: %w", err)
	}
	claimed := map[string]bool{}
	for _, r := range recs {
		for _, acc := range r.Accounts {
			claimed[strings.ToLower(acc)] = true
		}
	}
	seen := f.seenAccounts(ctx)
	parents := f.parentAccounts(ctx)
	var found []facts.Account
	var names []string
	for _, acc := range accs {
		key := strings.ToLower(acc.Name)
		if acc.Admin || claimed[key] || seen[key] || parents[key] {
			continue
		}
		found, names = append(found, acc), append(names, acc.Name)
	}
	if len(found) == 0 {
		return nil
	}
	first := f.firstLook(ctx)
	if err := f.markSeen(ctx, names...); err != nil {
		return err
	}
	f.tellFound(ctx, first, found, "none", nil)
	return nil
}

func (f *Family) defaultAccounts(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	b, err := f.st.Setting(ctx, settingDefaultAccounts)
	if err != nil {
		return out
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		f.log.Error("family: default-profile account list unreadable", "err", err)
		return out
	}
	for _, n := range names {
		out[n] = true
	}
	return out
}

func (f *Family) setDefaultAccounts(ctx context.Context, m map[string]bool) error {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	b, _ := json.Marshal(names)
	if err := f.st.SetSetting(ctx, settingDefaultAccounts, b); err != nil {
		return fmt.Errorf("keep the default profile's accounts: %w", err)
	}
	return nil
}

// adoptUnclaimed adds every non-admin login account that no child claims
// as a child record held to the default profile, and tells the parent.
func (f *Family) adoptUnclaimed(ctx context.Context, recs []store.Child, global rules.File) ([]store.Child, error) {
	accs, err := f.users.List()
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	claimed := map[string]bool{}
	names := map[string]bool{}
	for _, r := range recs {
		names[strings.ToLower(r.Name)] = true
		for _, acc := range r.Accounts {
			claimed[strings.ToLower(acc)] = true
		}
	}
	age := 17
	if n, ok := strings.CutPrefix(global.DefaultProfile.Preset, "age:"); ok {
		if v, err := strconv.Atoi(n); err == nil && v >= 0 && v <= 17 {
			age = v
		}
	}
	byDefault := f.defaultAccounts(ctx)
	parents := f.parentAccounts(ctx)
	seen := f.seenAccounts(ctx)
	first := f.firstLook(ctx)
	var added []store.Child
	var found []facts.Account // adopted and not yet told
	child := map[string]string{}
	defer func() { f.tellFound(ctx, first, found, "default", child) }()
	for _, acc := range accs {
		if acc.Admin || claimed[strings.ToLower(acc.Name)] || parents[strings.ToLower(acc.Name)] {
			continue
		}
		name := acc.Name
		if names[strings.ToLower(name)] {
			// A child already has this name: the account must not escape
			// the default profile because of it.
			name = acc.Name + " (account)"
		}
		rec, err := f.st.AddChild(ctx, store.Child{Name: name, BirthYear: f.now().Year() - age, Accounts: []string{acc.Name}})
		if err != nil {
			return added, fmt.Errorf("add account %s: %w", acc.Name, err)
		}
		byDefault[rec.Name] = true
		if err := f.setDefaultAccounts(ctx, byDefault); err != nil {
			return added, err
		}
		f.log.Info("family: an account is held to the default profile", "account", acc.Name)
		if !seen[strings.ToLower(acc.Name)] {
			found = append(found, acc)
			child[acc.Name] = rec.Name
		}
		added = append(added, rec)
	}
	return added, nil
}

// CheckAccounts refuses admin accounts and unknown accounts for a child.
func (f *Family) CheckAccounts(field string, accounts []string) error {
	if len(accounts) == 0 {
		return keyedFieldErr(field, "err.child.accounts", nil, "a child needs at least one OS account")
	}
	for i, acc := range accounts {
		uid, err := f.users.Lookup(acc)
		if err != nil {
			return keyedFieldErr(fmt.Sprintf("%s[%d]", field, i), "err.account.unknown", map[string]string{"account": acc}, "no OS account %q on this computer", acc)
		}
		if admin, _ := f.users.IsAdmin(uid); admin {
			return keyedFieldErr(fmt.Sprintf("%s[%d]", field, i), "err.account.admin", map[string]string{"account": acc}, "%q is an administrator account; a child needs a standard account", acc)
		}
	}
	return nil
}

// Accounts lists the login accounts of the machine.
func (f *Family) Accounts() ([]facts.Account, error) { return f.users.List() }
