package family_test

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/rules"
)

// toldAccount is an account the parent was told of, by an accounts_found
// summary or a new_account event.
type toldAccount struct {
	account, profile, kind string
}

// told lists the accounts the parent was told of, in the order told.
func (e *events) told() []toldAccount {
	var out []toldAccount
	for _, ev := range append(e.of("accounts_found"), e.of("new_account")...) {
		profile := fmt.Sprint(ev.detail["profile"])
		switch accs := ev.detail["accounts"].(type) {
		case []string:
			for _, a := range accs {
				out = append(out, toldAccount{a, profile, ev.kind})
			}
		default:
			out = append(out, toldAccount{fmt.Sprint(ev.detail["account"]), profile, ev.kind})
		}
	}
	return out
}

// On the first start the accounts that were there before kidtime are one
// summary line (accounts_found, not a tamper event); an account made
// later is the tamper event new_account, once.
func TestFirstInstallSummarisesAccounts(t *testing.T) {
	for _, dflt := range []bool{false, true} {
		t.Run(fmt.Sprintf("default profile %v", dflt), func(t *testing.T) {
			w := newWorld(t)
			if dflt {
				w.withDefault(t)
			}
			if _, _, err := w.f.Children(ctxT()); err != nil {
				t.Fatal(err)
			}
			found := w.ev.of("accounts_found")
			if len(found) != 1 || len(w.ev.of("new_account")) != 0 {
				t.Fatalf("first start: %d accounts_found, %d new_account; want one summary and no flag", len(found), len(w.ev.of("new_account")))
			}
			if got := found[0].detail["accounts"]; !slices.Equal(got.([]string), []string{"kid", "kid2", "mum"}) || found[0].detail["count"] != 3 {
				t.Errorf("summary %+v; want kid, kid2 and mum (never dad, an administrator)", found[0].detail)
			}
			w.users.Add("escape", 50020, false)
			for range 2 {
				if _, _, err := w.f.Children(ctxT()); err != nil {
					t.Fatal(err)
				}
			}
			nw := w.ev.of("new_account")
			if len(nw) != 1 || nw[0].detail["account"] != "escape" || len(w.ev.of("accounts_found")) != 1 {
				t.Errorf("an account made later: new_account %+v; want escape, once", nw)
			}
		})
	}
}

// plainUsers are accounts on a system that cannot make one.
type plainUsers struct{ family.Users }

func TestCreateAccount(t *testing.T) {
	long := strings.Repeat("a", family.MaxLoginLen+1)
	cases := []struct {
		sentence string
		acc      facts.NewAccount
		makeErr  error
		field    string // "" when it is made
		key      string
	}{
		{"a plain login name is made", facts.NewAccount{Name: "be-an_2", FullName: "Nguyễn Bé An", Password: "1234"}, nil, "", ""},
		{"no name", facts.NewAccount{Password: "1234"}, nil, "name", "err.newAccount.nameEmpty"},
		{"too long", facts.NewAccount{Name: long, Password: "1234"}, nil, "name", "err.newAccount.nameLong"},
		{"a capital first", facts.NewAccount{Name: "An", Password: "1234"}, nil, "name", "err.newAccount.nameStart"},
		{"a digit first", facts.NewAccount{Name: "2an", Password: "1234"}, nil, "name", "err.newAccount.nameStart"},
		{"an accent", facts.NewAccount{Name: "bình", Password: "1234"}, nil, "name", "err.newAccount.nameChars"},
		{"a space", facts.NewAccount{Name: "be an", Password: "1234"}, nil, "name", "err.newAccount.nameChars"},
		{"an account that exists", facts.NewAccount{Name: "mum", Password: "1234"}, nil, "name", "err.newAccount.exists"},
		{"a full name with a colon", facts.NewAccount{Name: "bean", FullName: "An: the kid", Password: "1234"}, nil, "fullName", "err.newAccount.fullNameChars"},
		{"a short password", facts.NewAccount{Name: "bean", Password: "123"}, nil, "password", "err.newAccount.passwordShort"},
		{"a password on two lines", facts.NewAccount{Name: "bean", Password: "12\n34"}, nil, "password", "err.newAccount.passwordChars"},
		{"the system's policy refuses the password", facts.NewAccount{Name: "bean", Password: "1234"}, facts.ErrPasswordRefused, "password", "err.newAccount.passwordRefused"},
		{"the name was taken meanwhile", facts.NewAccount{Name: "bean", Password: "1234"}, fs.ErrExist, "name", "err.newAccount.exists"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			m := w.users
			m.CreateErr = tc.makeErr
			f := w.f
			got, err := f.CreateAccount(ctxT(), admin, tc.acc)
			if tc.field == "" {
				if err != nil || got.Name != tc.acc.Name || len(m.Made) != 1 {
					t.Fatalf("made %+v, %v (calls %d)", got, err, len(m.Made))
				}
				if ev := w.ev.of("account_created"); len(ev) != 1 || ev[0].detail["account"] != tc.acc.Name {
					t.Errorf("account_created events %+v", ev)
				}
				// made by a parent: never flagged as a new account
				if _, _, err := f.Children(ctxT()); err != nil {
					t.Fatal(err)
				}
				for _, e := range w.ev.told() {
					if e.account == tc.acc.Name {
						t.Errorf("the account the parent made was reported: %+v", e)
					}
				}
				// a child can then be given it
				if _, err := f.AddChild(ctxT(), admin, rules.Child{Name: "Bé An", BirthYear: year - 6, Accounts: []string{tc.acc.Name}}); err != nil {
					t.Errorf("add a child on the new account: %v", err)
				}
				return
			}
			var fe *family.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.Key != tc.key {
				t.Fatalf("error %v (%+v); want field %s key %s", err, fe, tc.field, tc.key)
			}
			if tc.makeErr == nil && len(m.Made) != 0 {
				t.Error("an account was made from a refused form")
			}
		})
	}
	t.Run("a system that cannot make accounts says so", func(t *testing.T) {
		w := newWorld(t)
		f := family.New(w.st, plainUsers{w.users}, w.ev, discard, func() time.Time { return now })
		_, err := f.CreateAccount(ctxT(), admin, facts.NewAccount{Name: "bean", Password: "1234"})
		var k *family.Keyed
		if !errors.As(err, &k) || k.Key != "err.newAccount.unsupported" {
			t.Errorf("error %v; want err.newAccount.unsupported", err)
		}
	})
}
