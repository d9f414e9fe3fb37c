package family

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kidtime/kidtime/agent/facts"
)

// AccountMaker makes a standard OS account (useradd, NetUserAdd):
// fs.ErrExist when the name is taken, facts.ErrPasswordRefused when the
// system's policy refuses the password.
type AccountMaker interface {
	Create(ctx context.Context, a facts.NewAccount) error
}

// Limits of a new account's fields.
const (
	// MaxLoginLen is the longest login name: Windows keeps 20 characters,
	// so one rule serves both systems.
	MaxLoginLen    = 20
	MaxFullNameLen = 64
	MinPasswordLen = 4
)

// CheckNewAccount checks the fields of an account to make: a login name of
// lowercase letters without accents, digits, - and _, starting with a
// letter (the rule useradd and Windows both take); a full name without the
// characters /etc/passwd uses as separators; a password of at least
// MinPasswordLen characters on one line. Each refusal names its field and
// has a sentence (err.newAccount.*).
func CheckNewAccount(a facts.NewAccount) error {
	name := a.Name
	switch {
	case name == "":
		return keyedFieldErr("name", "err.newAccount.nameEmpty", nil, "type a login name for the account")
	case utf8.RuneCountInString(name) > MaxLoginLen:
		return keyedFieldErr("name", "err.newAccount.nameLong", map[string]string{"max": strconv.Itoa(MaxLoginLen)}, "a login name has at most %d characters", MaxLoginLen)
	}
	first, _ := utf8.DecodeRuneInString(name)
	if first < 'a' || first > 'z' {
		return keyedFieldErr("name", "err.newAccount.nameStart", map[string]string{"char": string(first)}, "a login name starts with a lowercase letter a-z without accent, not %q", first)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return keyedFieldErr("name", "err.newAccount.nameChars", map[string]string{"char": string(r)}, "a login name holds only lowercase letters without accents, digits, - and _; not %q", r)
		}
	}
	if utf8.RuneCountInString(a.FullName) > MaxFullNameLen {
		return keyedFieldErr("fullName", "err.newAccount.fullNameLong", map[string]string{"max": strconv.Itoa(MaxFullNameLen)}, "a full name has at most %d characters", MaxFullNameLen)
	}
	if i := strings.IndexFunc(a.FullName, func(r rune) bool { return r == ':' || r == ',' || unicode.IsControl(r) }); i >= 0 {
		r, _ := utf8.DecodeRuneInString(a.FullName[i:])
		return keyedFieldErr("fullName", "err.newAccount.fullNameChars", map[string]string{"char": strconv.QuoteRune(r)}, "a full name may not hold %q", r)
	}
	switch {
	case utf8.RuneCountInString(a.Password) < MinPasswordLen:
		return keyedFieldErr("password", "err.newAccount.passwordShort", map[string]string{"min": strconv.Itoa(MinPasswordLen)}, "the password needs at least %d characters", MinPasswordLen)
	case strings.ContainsAny(a.Password, "\r\n\x00"):
		return keyedFieldErr("password", "err.newAccount.passwordChars", nil, "the password must be on one line")
	}
	return nil
}

// CreateAccount makes a standard OS account for a child, after the checks
// of CheckNewAccount, and returns it as the system now lists it. The
// account is never reported as a new one (a parent made it): it is
// recorded as account_created.
func (f *Family) CreateAccount(ctx context.Context, by Actor, a facts.NewAccount) (facts.Account, error) {
	a.FullName = strings.TrimSpace(a.FullName)
	if err := CheckNewAccount(a); err != nil {
		return facts.Account{}, err
	}
	maker, ok := f.users.(AccountMaker)
	if !ok {
		return facts.Account{}, &Keyed{Key: "err.newAccount.unsupported", Err: fmt.Errorf("this system cannot make accounts: %w", errors.ErrUnsupported)}
	}
	if _, err := f.users.Lookup(a.Name); err == nil {
		return facts.Account{}, keyedFieldErr("name", "err.newAccount.exists", map[string]string{"account": a.Name}, "an account %q already exists", a.Name)
	}
	// Marked as seen first: the tick's look for new accounts must not flag
	// it while it is being made.
	if err := f.markSeen(ctx, a.Name); err != nil {
		return facts.Account{}, err
	}
	if err := maker.Create(ctx, a); err != nil {
		switch {
		case errors.Is(err, fs.ErrExist):
			return facts.Account{}, keyedFieldErr("name", "err.newAccount.exists", map[string]string{"account": a.Name}, "an account %q already exists", a.Name)
		case errors.Is(err, facts.ErrPasswordRefused):
			return facts.Account{}, keyedFieldErr("password", "err.newAccount.passwordRefused", nil, "the system refused this password (too short or too simple)")
		case errors.Is(err, errors.ErrUnsupported):
			return facts.Account{}, &Keyed{Key: "err.newAccount.unsupported", Err: err}
		}
		return facts.Account{}, fmt.Errorf("create account %s: %w", a.Name, err)
	}
	f.rec.Record(ctx, "", "account_created", map[string]any{"account": a.Name, "by": by.User})
	f.log.Info("family: made a standard account for a child", "account", a.Name, "by", by.User)
	accs, err := f.users.List()
	if err != nil {
		return facts.Account{}, fmt.Errorf("list accounts: %w", err)
	}
	for _, acc := range accs {
		if acc.Name == a.Name {
			return acc, nil
		}
	}
	return facts.Account{}, fmt.Errorf("the new account %s is not among the login accounts", a.Name)
}

// markSeen adds accounts to the ones the parent already knows of.
func (f *Family) markSeen(ctx context.Context, accounts ...string) error {
	seen := f.seenAccounts(ctx)
	for _, a := range accounts {
		seen[strings.ToLower(a)] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	b, _ := json.Marshal(names)
	if err := f.st.SetSetting(ctx, settingSeenAccounts, b); err != nil {
		return fmt.Errorf("keep the reported accounts: %w", err)
	}
	return nil
}

// firstLook reports whether kidtime has never told the parent of an
// account nor held one to the default profile: the accounts found now were
// there before kidtime (its first install), not made to escape it.
func (f *Family) firstLook(ctx context.Context) bool {
	_, errSeen := f.st.Setting(ctx, settingSeenAccounts)
	_, errDefault := f.st.Setting(ctx, settingDefaultAccounts)
	return errSeen != nil && errDefault != nil
}

// tellFound tells the parent of accounts found: on the first look one
// accounts_found event lists them all (they were there before kidtime);
// later each is the tamper event new_account. profile is "default" when
// the default profile now holds them, "none" otherwise; child maps an
// account to the record holding it.
func (f *Family) tellFound(ctx context.Context, first bool, accs []facts.Account, profile string, child map[string]string) {
	if len(accs) == 0 {
		return
	}
	if first {
		names := make([]string, len(accs))
		for i, a := range accs {
			names[i] = a.Name
		}
		// names: the list as the sentence says it (the console and the CLI
		// fill {{.Names}})
		f.rec.Record(ctx, "", "accounts_found", map[string]any{"accounts": names, "names": strings.Join(names, ", "), "count": len(names), "profile": profile})
		f.log.Info("family: login accounts found at the first start", "accounts", names, "profile", profile)
		return
	}
	for _, acc := range accs {
		f.rec.Record(ctx, child[acc.Name], "new_account", map[string]any{"account": acc.Name, "uid": acc.UID, "profile": profile})
		f.log.Warn("family: a new login account", "account", acc.Name, "profile", profile)
	}
}
