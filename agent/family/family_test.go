package family_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/family"
	"github.com/kidtime/kidtime/agent/internal/testkit"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// now is the family's time in every test.
var now = time.Date(2025, 3, 5, 16, 0, 0, 0, time.UTC)

var year = now.Year()

func newUsers() *testkit.Users {
	return testkit.NewUsers(
		facts.Account{Name: "kid", UID: 50001},
		facts.Account{Name: "mum", UID: 50002},
		facts.Account{Name: "dad", UID: 50003, Admin: true},
		facts.Account{Name: "kid2", UID: 50004},
	)
}

type event struct {
	child, kind string
	detail      map[string]any
}

// events records what the family logs.
type events struct {
	mu  sync.Mutex
	got []event
}

func (e *events) Record(_ context.Context, child, kind string, detail map[string]any) {
	e.mu.Lock()
	e.got = append(e.got, event{child, kind, detail})
	e.mu.Unlock()
}

func (e *events) of(kind string) []event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []event
	for _, ev := range e.got {
		if ev.kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

type world struct {
	f     *family.Family
	st    *store.Store
	users *testkit.Users
	ev    *events
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func newWorld(t *testing.T) *world {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "kt.db"),
		store.WithNow(func() time.Time { return now }), store.WithLogger(discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	w := &world{st: st, users: newUsers(), ev: &events{}}
	w.f = family.New(st, w.users, w.ev, discard, func() time.Time { return now })
	return w
}

var (
	admin  = family.Actor{User: "dad", UID: 50003, Admin: true, Role: "admin"}
	parent = family.Actor{User: "mum", UID: 50002, Role: "parent"}
)

func ctxT() context.Context { return context.Background() }

// wantField checks err is a *family.FieldError naming field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *family.FieldError
	if !errors.As(err, &fe) || fe.Field != field {
		t.Errorf("error %v (%T); want a FieldError naming %q", err, err, field)
	}
}

func wantRefused(t *testing.T, err error, inMsg string) {
	t.Helper()
	var re *family.RefusedError
	if !errors.As(err, &re) || !strings.Contains(re.Msg, inMsg) {
		t.Errorf("error %v (%T); want a RefusedError mentioning %q", err, err, inMsg)
	}
}

func TestAddChild(t *testing.T) {
	cases := []struct {
		sentence string
		spec     rules.Child
		field    string // the FieldError's field; "" for none
		is       error  // or an error it must wrap
	}{
		{"a child on a standard account is added", rules.Child{Name: " An ", BirthYear: year - 11, Accounts: []string{"kid"}}, "", nil},
		{"a child of 0 is added", rules.Child{Name: "Baby", BirthYear: year, Accounts: []string{"mum"}}, "", nil},
		{"a child of 17 is added", rules.Child{Name: "Teen", BirthYear: year - 17, Accounts: []string{"mum"}}, "", nil},
		{"a child without a name is refused", rules.Child{Name: "", BirthYear: year - 11, Accounts: []string{"kid"}}, "name", nil},
		{"a name of spaces is no name", rules.Child{Name: "   ", BirthYear: year - 11, Accounts: []string{"kid"}}, "name", nil},
		{"a child without a birth year is refused", rules.Child{Name: "An", Accounts: []string{"kid"}}, "birthYear", nil},
		{"a child of 18 is refused", rules.Child{Name: "An", BirthYear: year - 18, Accounts: []string{"kid"}}, "birthYear", nil},
		{"a child born next year is refused", rules.Child{Name: "An", BirthYear: year + 1, Accounts: []string{"kid"}}, "birthYear", nil},
		{"a child without an account is refused", rules.Child{Name: "An", BirthYear: year - 11}, "accounts", nil},
		{"a child on an administrator's account is refused", rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"dad"}}, "accounts[0]", nil},
		{"a child on an account the computer does not have is refused", rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid", "ghost"}}, "accounts[1]", nil},
		{"a child with an unknown preset is refused", rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid"}, Profile: rules.Profile{Preset: "age:42"}}, "preset", nil},
		{"a child with the name of another is a conflict", rules.Child{Name: "binh", BirthYear: year - 11, Accounts: []string{"kid"}}, "", store.ErrConflict},
		{"a child on another child's account is a conflict", rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid2"}}, "", store.ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			if _, err := w.f.AddChild(ctxT(), admin, rules.Child{Name: "Binh", BirthYear: year - 8, Accounts: []string{"kid2"}}); err != nil {
				t.Fatal(err)
			}
			before := len(w.ev.of("child_added"))
			rec, err := w.f.AddChild(ctxT(), parent, tc.spec)
			switch {
			case tc.field != "":
				wantField(t, err, tc.field)
			case tc.is != nil:
				if !errors.Is(err, tc.is) {
					t.Errorf("error %v; want %v", err, tc.is)
				}
			case err != nil:
				t.Fatalf("AddChild: %v", err)
			default:
				want := strings.TrimSpace(tc.spec.Name)
				if rec.Name != want || rec.BirthYear != tc.spec.BirthYear || rec.ID == 0 {
					t.Errorf("record %+v; want %s born %d", rec, want, tc.spec.BirthYear)
				}
				if _, err := w.st.Policy(ctxT(), want); err != nil {
					t.Errorf("no policy kept: %v", err)
				}
				evs := w.ev.of("child_added")
				if len(evs) != before+1 || evs[len(evs)-1].child != want || evs[len(evs)-1].detail["by"] != "mum" {
					t.Errorf("child_added events %+v", evs)
				}
				return
			}
			if n := len(w.ev.of("child_added")); n != before {
				t.Errorf("a refused child was logged as added")
			}
			if cs, _ := w.st.Children(ctxT()); len(cs) != 1 {
				t.Errorf("children %+v after a refusal; want Binh only", cs)
			}
		})
	}
}

func TestCheckAccounts(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		sentence string
		accounts []string
		field    string
	}{
		{"standard accounts are fine", []string{"kid", "kid2"}, ""},
		{"no account is refused", nil, "acc"},
		{"an administrator's account is refused", []string{"kid", "dad"}, "acc[1]"},
		{"an unknown account is refused", []string{"nobody"}, "acc[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			err := w.f.CheckAccounts("acc", tc.accounts)
			if tc.field == "" {
				if err != nil {
					t.Errorf("CheckAccounts: %v", err)
				}
				return
			}
			wantField(t, err, tc.field)
		})
	}
}

// withDefault stores a default profile (preset age:10).
func (w *world) withDefault(t *testing.T) {
	t.Helper()
	if err := w.f.SetGlobal(ctxT(), rules.File{DefaultProfile: &rules.Profile{Preset: "age:10"}}, "dad"); err != nil {
		t.Fatal(err)
	}
}

func names(ss []family.Stored) []string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s:%v", s.Record.Name, s.ByDefault))
	}
	slices.Sort(out)
	return out
}

// TestChildrenAdoptUnclaimed: under a default profile, every non-admin
// account no child claims becomes a child held to it, once, and the parent
// is told; an administrator never does.
func TestChildrenAdoptUnclaimed(t *testing.T) {
	cases := []struct {
		sentence  string
		dflt      bool
		before    func(w *world)
		calls     int
		want      []string
		wantAdopt []string // the accounts of the new_account events
	}{
		{"without a default profile no account is adopted, but each is reported once", false, nil, 2,
			[]string{"An:false"}, []string{"kid2", "mum"}},
		{"with a default profile each unclaimed standard account is adopted once, never dad", true, nil, 3,
			[]string{"An:false", "kid2:true", "mum:true"}, []string{"kid2", "mum"}},
		{"an account made later is adopted at the next read", true, func(w *world) { w.users.Add("escape", 50010, false) }, 1,
			[]string{"An:false", "escape:true", "kid2:true", "mum:true"}, []string{"escape", "kid2", "mum"}},
		{"a new administrator account is not adopted", true, func(w *world) { w.users.Add("root2", 50011, true) }, 1,
			[]string{"An:false", "kid2:true", "mum:true"}, []string{"kid2", "mum"}},
		{"an account named like a child gets a name of its own", true, func(w *world) { w.users.Add("an", 50012, false) }, 1,
			[]string{"An:false", "an (account):true", "kid2:true", "mum:true"}, []string{"an", "kid2", "mum"}},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			if _, err := w.f.AddChild(ctxT(), admin, rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid"}}); err != nil {
				t.Fatal(err)
			}
			if tc.dflt {
				w.withDefault(t)
			}
			if tc.before != nil {
				tc.before(w)
			}
			var got []family.Stored
			for range tc.calls {
				var err error
				if got, _, err = w.f.Children(ctxT()); err != nil {
					t.Fatal(err)
				}
			}
			if n := names(got); !slices.Equal(n, tc.want) {
				t.Errorf("children %q; want %q", n, tc.want)
			}
			var adopted []string
			for _, e := range w.ev.told() {
				adopted = append(adopted, e.account)
				want := "none"
				if tc.dflt {
					want = "default"
				}
				if e.profile != want {
					t.Errorf("%s told with profile %s; want %s", e.account, e.profile, want)
				}
			}
			slices.Sort(adopted)
			if !slices.Equal(adopted, tc.wantAdopt) {
				t.Errorf("new_account events for %q; want %q (once each)", adopted, tc.wantAdopt)
			}
			for _, s := range got {
				if s.ByDefault && (s.Record.BirthYear != year-10 || s.Spec.Preset != "age:10") {
					t.Errorf("%s held by default: born %d preset %q; want the profile's age 10", s.Record.Name, s.Record.BirthYear, s.Spec.Preset)
				}
			}
			claimed := func(acc string) bool {
				for _, s := range got {
					if slices.Contains(s.Record.Accounts, acc) {
						return true
					}
				}
				return false
			}
			if tc.dflt && w.f.Unclaimed(ctxT(), claimed) {
				t.Error("Unclaimed after adoption")
			}
		})
	}
	t.Run("Unclaimed sees a standard account no child claims", func(t *testing.T) {
		w := newWorld(t)
		if !w.f.Unclaimed(ctxT(), func(acc string) bool { return acc == "kid" }) {
			t.Error("mum and kid2 are unclaimed")
		}
		if w.f.Unclaimed(ctxT(), func(acc string) bool { return acc != "dad" }) {
			t.Error("only dad is unclaimed, an administrator")
		}
	})
}

// TestAddChildClaimsDefaultAccount: adding a child on an account the
// default profile held turns that record into the child, history kept.
func TestAddChildClaimsDefaultAccount(t *testing.T) {
	w := newWorld(t)
	w.withDefault(t)
	got, _, err := w.f.Children(ctxT())
	if err != nil {
		t.Fatal(err)
	}
	var held store.Child
	for _, s := range got {
		if s.Record.Name == "kid2" {
			held = s.Record
		}
	}
	if held.ID == 0 {
		t.Fatalf("kid2 not held by the default profile: %q", names(got))
	}
	if err := w.st.AddGrant(ctxT(), "kid2", "2025-03-05", store.KindScreen, 10*time.Minute, "mum"); err != nil {
		t.Fatal(err)
	}
	rec, err := w.f.AddChild(ctxT(), parent, rules.Child{Name: "Binh", BirthYear: year - 8, Accounts: []string{"kid2"}})
	if err != nil {
		t.Fatalf("AddChild on a held account: %v", err)
	}
	if rec.ID != held.ID || rec.Name != "Binh" || rec.BirthYear != year-8 {
		t.Errorf("record %+v; want the held record %d renamed Binh", rec, held.ID)
	}
	got, _, _ = w.f.Children(ctxT())
	if n := names(got); !slices.Equal(n, []string{"Binh:false", "kid:true", "mum:true"}) {
		t.Errorf("children %q; want Binh on their own rules", n)
	}
	for _, s := range got {
		if s.Record.Name == "Binh" && s.Spec.Preset == "age:10" {
			t.Errorf("Binh still has the default profile: %+v", s.Spec)
		}
	}
	x, err := w.st.Export(ctxT(), "Binh")
	if err != nil || !bytes.Contains(x, []byte(`"by": "mum"`)) {
		t.Errorf("Binh's export lost the account's grant: %v\n%s", err, x)
	}
	if n := len(w.ev.told()); n != 3 {
		t.Errorf("%d new_account events; want 3 (kid, kid2, mum once each)", n)
	}
}

func TestSetRules(t *testing.T) {
	daily := func(d time.Duration) *rules.BudgetSpec {
		v := rules.Duration(d)
		return &rules.BudgetSpec{Daily: &v}
	}
	cases := []struct {
		sentence string
		spec     rules.Child
		field    string
		wantYear int
		wantAccs []string
	}{
		{"missing name, birth year and accounts are kept", rules.Child{Profile: rules.Profile{Screen: daily(time.Hour)}}, "", year - 11, []string{"kid"}},
		{"new accounts and birth year are taken", rules.Child{Name: "an", BirthYear: year - 12, Accounts: []string{"mum"}}, "", year - 12, []string{"mum"}},
		{"rules for another child are refused", rules.Child{Name: "Binh"}, "name", 0, nil},
		{"rules moving the child to an administrator's account are refused", rules.Child{Accounts: []string{"dad"}}, "accounts[0]", 0, nil},
		{"rules that do not resolve are refused", rules.Child{BirthYear: year + 3}, "", 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			old := rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid"}}
			if _, err := w.f.AddChild(ctxT(), admin, old); err != nil {
				t.Fatal(err)
			}
			err := w.f.SetRules(ctxT(), parent, old, tc.spec)
			if tc.wantYear == 0 {
				var fe *family.FieldError
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Errorf("error %v; want a FieldError naming %q", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rec, _ := w.st.Child(ctxT(), "An")
			if rec.Name != "An" || rec.BirthYear != tc.wantYear || !slices.Equal(rec.Accounts, tc.wantAccs) {
				t.Errorf("record %+v; want An born %d on %q", rec, tc.wantYear, tc.wantAccs)
			}
			if evs := w.ev.of("policy_changed"); len(evs) != 1 || evs[0].child != "An" {
				t.Errorf("policy_changed events %+v", evs)
			}
		})
	}
}

// --- policy files ---

func key(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func keyID(k ed25519.PrivateKey) string { return rules.KeyID(k.Public().(ed25519.PublicKey)) }

// policy is An's policy with a screen budget, signed by k at a date (plain
// when k is nil).
func policy(t *testing.T, screen string, k ed25519.PrivateKey, at time.Time) []byte {
	t.Helper()
	p := fmt.Appendf(nil, `{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],"screen":{"daily":%q}}],"help":[{"name":"Bà","number":"0901"}]}`, year-11, screen)
	if k == nil {
		return p
	}
	env, err := rules.Sign(p, k, at)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// screenOf is An's daily screen budget as stored.
func screenOf(t *testing.T, w *world) string {
	t.Helper()
	got, _, err := w.f.Children(ctxT())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if s.Record.Name == "An" && s.Spec.Screen != nil && s.Spec.Screen.Daily != nil {
			return s.Spec.Screen.Daily.String()
		}
	}
	return ""
}

func TestImportPlain(t *testing.T) {
	cases := []struct {
		sentence string
		data     string
		field    string
		screen   string
	}{
		{"a plain file adds its children and the help contacts", string(policy(t, "1h30m", nil, time.Time{})), "", "1h30m"},
		{"a file that is not JSON is refused", `screen=1h`, "", ""},
		{"a file of another version is refused naming version", `{"version":2}`, "version", ""},
		{"a file with a bad duration is refused naming it", fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"screen":{"daily":"lots"}}]}`, year-11), "children[0].screen.daily", ""},
		{"a file giving a child an administrator's account is refused", fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["dad"]}]}`, year-11), "children[0].accounts[0]", ""},
		{"a file with an adult is refused", fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"]}]}`, year-25), "children[0].birthYear", ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			err := w.f.Import(ctxT(), parent, []byte(tc.data), false)
			if tc.screen == "" {
				var fe *family.FieldError
				if !errors.As(err, &fe) || (tc.field != "" && fe.Field != tc.field) {
					t.Errorf("error %v; want a FieldError naming %q", err, tc.field)
				}
				if cs, _ := w.st.Children(ctxT()); len(cs) != 0 {
					t.Errorf("a refused file added %+v", cs)
				}
				return
			}
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if got := screenOf(t, w); got != tc.screen {
				t.Errorf("An's screen %q; want %q", got, tc.screen)
			}
			if g := w.f.Global(ctxT()); len(g.Help) != 1 || g.Help[0].Number != "0901" {
				t.Errorf("help contacts %+v", g.Help)
			}
			if evs := w.ev.of("policy_imported"); len(evs) != 1 || evs[0].detail["by"] != "mum" {
				t.Errorf("policy_imported events %+v", evs)
			}
			if w.f.SchoolKeyID(ctxT()) != "" || len(w.ev.of("policy_signed")) != 0 {
				t.Error("a plain file made a school key")
			}
			// Importing again updates, it does not duplicate.
			if err := w.f.Import(ctxT(), parent, policy(t, "2h", nil, time.Time{}), false); err != nil {
				t.Fatal(err)
			}
			if cs, _ := w.st.Children(ctxT()); len(cs) != 1 || screenOf(t, w) != "2h" {
				t.Errorf("after a second import: %+v, screen %q", cs, screenOf(t, w))
			}
		})
	}
}

// TestImportSigned walks a computer through a school key's life: each step
// on the state the previous ones left.
func TestImportSigned(t *testing.T) {
	w := newWorld(t)
	a, b := key(1), key(2)
	t1 := now.Add(-48 * time.Hour)
	t2 := t1.Add(24 * time.Hour)
	forged := bytes.Replace(policy(t, "1h", a, t2), []byte(t2.UTC().Format(time.RFC3339)), []byte(now.UTC().Format(time.RFC3339)), 1)
	steps := []struct {
		sentence string
		by       family.Actor
		data     []byte
		rekey    bool
		refused  string // in the RefusedError's message; "" when accepted
		field    string // a FieldError's field instead
		reason   string // the policy_refused event's reason, if one is logged
		screen   string // An's budget afterwards
		keyID    string // the school key afterwards
	}{
		{"a parent cannot put the computer under a school key", parent, policy(t, "1h", a, t1), false,
			"an administrator", "", "", "", ""},
		{"the administrator's first signed policy makes its key trusted", admin, policy(t, "1h", a, t1), false,
			"", "", "", "1h", keyID(a)},
		{"an unsigned policy is refused, even to the administrator", admin, policy(t, "5h", nil, t1), false,
			keyID(a), "", "unsigned", "1h", keyID(a)},
		{"a policy another key signed is refused", admin, policy(t, "5h", b, t2), false,
			"--rekey", "", "other-key", "1h", keyID(a)},
		{"a signature that does not verify is refused", admin, forged, false,
			"signature", "", "bad-signature", "1h", keyID(a)},
		{"a parent may apply the school's newer policy", parent, policy(t, "90m", a, t2), false,
			"", "", "", "1h30m", keyID(a)},
		{"a parent cannot replay an older policy", parent, policy(t, "5h", a, t1), false,
			"older policy", "", "older", "1h30m", keyID(a)},
		{"a parent cannot change the key", parent, policy(t, "2h", b, t2), true,
			"only an administrator", "", "rekey-not-admin", "1h30m", keyID(a)},
		{"a rekey needs a signed policy", admin, policy(t, "2h", nil, t2), true,
			"", "rekey", "", "1h30m", keyID(a)},
		{"the administrator may apply an older policy of the same key", admin, policy(t, "70m", a, t1), false,
			"", "", "", "1h10m", keyID(a)},
		{"the administrator's older policy does not lower the date in force", parent, policy(t, "5h", a, t1), false,
			"older policy", "", "older", "1h10m", keyID(a)},
		{"the administrator moves the computer to a new key with rekey", admin, policy(t, "2h", b, t1), true,
			"", "", "", "2h", keyID(b)},
		{"the old key is refused after the rekey", admin, policy(t, "5h", a, now), false,
			keyID(b), "", "other-key", "2h", keyID(b)},
	}
	for i, st := range steps {
		before := len(w.ev.of("policy_refused"))
		err := w.f.Import(ctxT(), st.by, st.data, st.rekey)
		switch {
		case st.refused != "":
			wantRefused(t, err, st.refused)
		case st.field != "":
			wantField(t, err, st.field)
		case err != nil:
			t.Errorf("step %d, %s: %v", i+1, st.sentence, err)
		}
		refused := w.ev.of("policy_refused")
		if st.reason != "" {
			if len(refused) != before+1 || refused[len(refused)-1].detail["reason"] != st.reason {
				t.Errorf("step %d, %s: policy_refused events %+v; want one more with reason %q", i+1, st.sentence, refused[before:], st.reason)
			}
		} else if len(refused) != before {
			t.Errorf("step %d, %s: logged policy_refused %+v", i+1, st.sentence, refused[before:])
		}
		if got := screenOf(t, w); got != st.screen {
			t.Errorf("step %d, %s: An's screen %q; want %q", i+1, st.sentence, got, st.screen)
		}
		if got := w.f.SchoolKeyID(ctxT()); got != st.keyID {
			t.Errorf("step %d, %s: school key %q; want %q", i+1, st.sentence, got, st.keyID)
		}
	}
	var trusted []string
	for _, e := range w.ev.of("policy_signed") {
		trusted = append(trusted, fmt.Sprint(e.detail["trusted"]))
	}
	if !slices.Equal(trusted, []string{"first", "<nil>", "<nil>", "rekey"}) {
		t.Errorf("policy_signed trusted %q; want first, two renewals, rekey", trusted)
	}

	// While a key is trusted, a parent's edits of a child are refused; an
	// administrator's are not.
	err := w.f.GuardEdit(ctxT(), parent, "child policy", "An")
	wantRefused(t, err, "ask the school's IT teacher")
	if _, err := w.f.AddChild(ctxT(), parent, rules.Child{Name: "Binh", BirthYear: year - 8, Accounts: []string{"kid2"}}); err == nil {
		t.Error("a parent added a child under a school key")
	}
	if _, err := w.f.AddChild(ctxT(), admin, rules.Child{Name: "Binh", BirthYear: year - 8, Accounts: []string{"kid2"}}); err != nil {
		t.Errorf("the administrator adding a child under a school key: %v", err)
	}
	if evs := w.ev.of("policy_refused"); evs[len(evs)-1].detail["reason"] != "parent-edit" || evs[len(evs)-1].detail["by"] != "mum" {
		t.Errorf("last policy_refused %+v; want the parent's edit", evs[len(evs)-1].detail)
	}
}

func TestSeed(t *testing.T) {
	signed := func(t *testing.T) []byte { return policy(t, "45m", key(3), now) }
	cases := []struct {
		sentence string
		data     func(t *testing.T) []byte // nil: no file
		stored   bool                      // a policy is stored already
		screen   string
		keyID    string
		rejected bool
	}{
		{"a plain preset is imported by the installer", func(t *testing.T) []byte { return policy(t, "45m", nil, time.Time{}) }, false, "45m", "", false},
		{"a signed preset makes its key the school key", signed, false, "45m", keyID(key(3)), false},
		{"a missing file is logged, not fatal", nil, false, "", "", true},
		{"a file that is not a policy is logged, not fatal", func(*testing.T) []byte { return []byte("{") }, false, "", "", true},
		{"a forged preset is logged and not applied", func(t *testing.T) []byte {
			return bytes.Replace(signed(t), []byte(now.Format(time.RFC3339)), []byte(now.Add(time.Hour).Format(time.RFC3339)), 1)
		}, false, "", "", true},
		{"a preset that cannot be applied is logged, nothing written", func(*testing.T) []byte {
			return fmt.Appendf(nil, `{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["dad"]}]}`, year-11)
		}, false, "", "", true},
		{"a preset is not applied over a stored policy", func(t *testing.T) []byte { return policy(t, "45m", nil, time.Time{}) }, true, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newWorld(t)
			if tc.stored {
				if err := w.f.SetGlobal(ctxT(), rules.File{}, ""); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(t.TempDir(), "policy.json")
			if tc.data != nil {
				if err := os.WriteFile(path, tc.data(t), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			w.f.Seed(ctxT(), path) // never fails the caller
			if got := screenOf(t, w); got != tc.screen {
				t.Errorf("An's screen %q; want %q", got, tc.screen)
			}
			if got := w.f.SchoolKeyID(ctxT()); got != tc.keyID {
				t.Errorf("school key %q; want %q", got, tc.keyID)
			}
			rej := w.ev.of("policy_rejected")
			if tc.rejected && (len(rej) != 1 || rej[0].detail["file"] != path || rej[0].detail["error"] == "") {
				t.Errorf("policy_rejected events %+v; want one naming the file and the error", rej)
			}
			imported := len(w.ev.of("policy_imported")) == 1
			if imported != (tc.screen != "") {
				t.Errorf("policy_imported logged = %v; want %v", imported, tc.screen != "")
			}
			if tc.keyID != "" {
				if evs := w.ev.of("policy_signed"); len(evs) != 1 || evs[0].detail["by"] != "installer" {
					t.Errorf("policy_signed %+v; want one by the installer", evs)
				}
			}
			if tc.screen == "" {
				if cs, _ := w.st.Children(ctxT()); len(cs) != 0 {
					t.Errorf("children %+v after a preset that was not applied", cs)
				}
			}
		})
	}
}

// Without a default profile, a login account no child claims is still
// reported to the parent, once, and then no longer counts as new.
func TestUnclaimedAccountsAreReportedOnce(t *testing.T) {
	w := newWorld(t)
	if _, err := w.f.AddChild(ctxT(), admin, rules.Child{Name: "An", BirthYear: year - 11, Accounts: []string{"kid"}}); err != nil {
		t.Fatal(err)
	}
	claimed := func(acc string) bool { return acc == "kid" }
	if !w.f.Unclaimed(ctxT(), claimed) {
		t.Fatal("mum and kid2 are new and unclaimed")
	}
	for range 2 {
		if _, _, err := w.f.Children(ctxT()); err != nil {
			t.Fatal(err)
		}
	}
	var reported []string
	for _, e := range w.ev.told() {
		reported = append(reported, e.account)
	}
	slices.Sort(reported)
	if !slices.Equal(reported, []string{"kid2", "mum"}) {
		t.Errorf("new_account events for %v; want kid2 and mum, once each (never dad, an administrator)", reported)
	}
	if w.f.Unclaimed(ctxT(), claimed) {
		t.Error("accounts already reported still count as new")
	}
}
