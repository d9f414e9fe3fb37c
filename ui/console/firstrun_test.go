package console_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
)

// enter presses Enter in a field, as a parent does to move on.
func enter(f fyne.Focusable) {
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// Enter moves the wizard on; Back goes to the step before with what was
// typed there, and nothing is sent twice; changed fields after Back
// replace the child added; the preset's numbers are chosen in the wizard
// and kept.
func TestFirstRunBackEnterAndPresetPickers(t *testing.T) {
	w := fresh(t)
	dad := w.Client(agenttest.Dad)
	wire := agenttest.Watch(dad)
	c := open(t, dad)
	fr := c.FirstRun
	if !fr.Back.Disabled() {
		t.Error("the first step has nothing to go back to")
	}
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	enter(fr.PIN2)
	if fr.Step != 2 || wire.Count("POST", apitype.RouteSetup) != 1 {
		t.Fatalf("Enter on the PIN: step %d, Setup calls %d", fr.Step, wire.Count("POST", apitype.RouteSetup))
	}
	test.Tap(fr.Back)
	if fr.Step != 1 || fr.PIN != nil || !fr.Back.Disabled() {
		t.Fatalf("Back to the first step: step %d, PIN asked again %v", fr.Step, fr.PIN != nil)
	}
	test.Tap(fr.Next)
	if fr.Step != 2 || wire.Count("POST", apitype.RouteSetup) != 1 {
		t.Fatalf("the PIN is not set twice: step %d, Setup calls %d", fr.Step, wire.Count("POST", apitype.RouteSetup))
	}

	test.Type(fr.Name, "An")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-9))
	fr.Account.SetSelected("an")
	enter(fr.BirthYear)
	if fr.Step != 3 || wire.Count("POST", apitype.RouteChildren) != 1 {
		t.Fatalf("Enter on the child: step %d, AddChild calls %d, error %q", fr.Step, wire.Count("POST", apitype.RouteChildren), fr.Error.Text)
	}
	test.Tap(fr.Back)
	if fr.Step != 2 || fr.Name.Text != "An" || fr.Account.Selected != "an" {
		t.Fatalf("Back to the child: step %d, name %q, account %q", fr.Step, fr.Name.Text, fr.Account.Selected)
	}
	test.Tap(fr.Next)
	if fr.Step != 3 || wire.Count("POST", apitype.RouteChildren) != 1 {
		t.Fatalf("the same child again is not added twice: step %d, AddChild calls %d", fr.Step, wire.Count("POST", apitype.RouteChildren))
	}
	// Back, a birth year corrected: the child is replaced, not doubled
	test.Tap(fr.Back)
	fr.BirthYear.SetText(strconv.Itoa(now.Year() - 12))
	test.Tap(fr.Next)
	if kids, err := named(w.Client(agenttest.Root).Children(ctxT(t))); fr.Step != 3 || err != nil || len(kids) != 1 || kids[0].Age != 12 {
		t.Fatalf("a corrected birth year: step %d, children %+v (%v), error %q", fr.Step, kids, err, fr.Error.Text)
	}

	// the preset's numbers are pickers: 2 h chosen down to 1 h 30 min,
	// the evening moved to 20:00
	p := fr.Preset
	if p.Screen.Selected != "2 h" || p.From == nil || p.To.Selected != "20:30" {
		t.Fatalf("pickers start on the preset: screen %q, hours %v", p.Screen.Selected, p.To)
	}
	p.Screen.SetSelected("1 h 30 min")
	p.To.SetSelected("20:00")
	// no field takes Enter here: the window's handler moves on
	c.Window().Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if fr.Step != 4 {
		t.Fatalf("Enter on the preset: step %d, error %q", fr.Step, fr.Error.Text)
	}
	if sum := strings.Join(fr.SummaryLines, "\n"); !strings.Contains(sum, "1 h 30 min") || !strings.Contains(sum, "06:00–20:00") {
		t.Errorf("the summary should say the numbers chosen:\n%s", sum)
	}
	pol := rulesOf(t, w, "An")
	if pol.Screen[time.Wednesday] != 90*time.Minute || pol.Allowed[time.Wednesday][0].End.String() != "20:00" {
		t.Errorf("the agent's rules: screen %v, hours %v", pol.Screen[time.Wednesday], pol.Allowed[time.Wednesday])
	}
	test.Tap(fr.Back)
	if fr.Step != 3 || fr.Preset.Screen.Selected != "1 h 30 min" {
		t.Errorf("Back to the preset shows the numbers chosen: step %d, %q", fr.Step, fr.Preset.Screen.Selected)
	}
	test.Tap(fr.Next)
	test.Tap(fr.Next)
	if c.Screen != "main" {
		t.Fatalf("done: screen %q", c.Screen)
	}
}

// The language is chosen on the first screen: the wizard speaks it at
// once, what was typed is kept, and it is the console's language setting
// once the PIN is set.
func TestFirstRunLanguageChoice(t *testing.T) {
	w := fresh(t)
	c := open(t, w.Client(agenttest.Dad))
	t.Cleanup(func() { _ = i18n.Setup("en") })
	fr := c.FirstRun
	if fr.Language.Selected != "English" || !slices.Equal(fr.Language.Options, []string{"Tiếng Việt", "English"}) {
		t.Fatalf("the choice: %q of %q", fr.Language.Selected, fr.Language.Options)
	}
	test.Type(fr.PIN, "246810")
	fr.Language.SetSelected("Tiếng Việt")
	fr = c.FirstRun
	if i18n.Current() != "vi" || fr.Next.Text == "Next" || fr.PIN.Text != "246810" {
		t.Fatalf("after picking Vietnamese: language %s, Next %q, PIN kept %v", i18n.Current(), fr.Next.Text, fr.PIN.Text == "246810")
	}
	test.Type(fr.PIN2, "2468")
	enter(fr.PIN2)
	if fr.Step != 1 || fr.PINError.Text != lang.L("pin.mismatch") || !strings.Contains(fr.PINError.Text, " ") {
		t.Fatalf("a Vietnamese error under the PIN: %q", fr.PINError.Text)
	}
	fr.PIN2.SetText("246810")
	test.Tap(fr.Next)
	set, err := w.Client(agenttest.Root).Settings(ctxT(t))
	if fr.Step != 2 || err != nil || set.Language != "vi" {
		t.Errorf("the language is kept as the console's: step %d, setting %q (%v)", fr.Step, set.Language, err)
	}
}

// The account list shows people's accounts with their full names; a
// standard account can be made for the child right there once the parent
// confirms (an administrator only), each error under its field.
func TestMakeTheChildsAccountInTheWizard(t *testing.T) {
	w := fresh(t)
	w.Users.SetFullName("guest", "Khách")
	c := open(t, w.Client(agenttest.Dad))
	fr := c.FirstRun
	test.Type(fr.PIN, "246810")
	test.Type(fr.PIN2, "246810")
	test.Tap(fr.Next)
	if got := strings.Join(fr.Account.Options, ","); got != "an,binh,Khách (guest),kid,mum" {
		t.Errorf("accounts offered = %q, want full names where the system has them", got)
	}
	test.Type(fr.Name, "Bé Đức")
	test.Type(fr.BirthYear, strconv.Itoa(now.Year()-7))
	test.Tap(fr.MakeAccount)
	f := fr.NewAccount
	if f == nil || f.Login.Text != "beduc" || f.FullName.Text != "Bé Đức" {
		t.Fatalf("the form should suggest a login from the name: %+v", f)
	}
	test.Type(f.Password, "duc2019")
	test.Type(f.Password2, "duc2018")
	test.Tap(f.Create)
	if f.PasswordError.Text != lang.L("newaccount.mismatch") || f.Confirm != nil {
		t.Fatalf("two passwords that differ: %q", f.PasswordError.Text)
	}
	f.Password2.SetText("duc2019")
	f.Login.SetText("Duc")
	test.Tap(f.Create)
	f.Confirm.Confirm()
	if !strings.Contains(f.LoginError.Text, "lowercase letter") || len(w.Users.Made) != 0 {
		t.Fatalf("a login with a capital: the agent's reason under the login, got %q (made %v)", f.LoginError.Text, w.Users.Made)
	}
	f.Login.SetText("beduc")
	test.Tap(f.Create)
	if said := overlayTexts(c.Window()); !strings.Contains(said, "Bé Đức (beduc)") {
		t.Errorf("the parent is asked first, naming the account:\n%s", said)
	}
	if len(w.Users.Made) != 0 {
		t.Fatal("made before the parent confirmed")
	}
	f.Confirm.Confirm()
	if len(w.Users.Made) != 1 || w.Users.Made[0].Name != "beduc" || w.Users.Made[0].Password != "duc2019" {
		t.Fatalf("made %+v; want beduc with its password", w.Users.Made)
	}
	if fr.NewAccount != nil || fr.Account.Selected != "Bé Đức (beduc)" {
		t.Fatalf("the new account should be picked: %q", fr.Account.Selected)
	}
	test.Tap(fr.Next)
	if k := spec(t, w, "Bé Đức"); fr.Step != 3 || !slices.Equal(k.Accounts, []string{"beduc"}) {
		t.Errorf("the child on the new account: step %d, %+v, error %q", fr.Step, k, fr.Error.Text)
	}
}

// A parent with the PIN but no administrator's rights is told why the
// account cannot be made here, and nothing is made.
func TestOnlyAnAdministratorMakesAccounts(t *testing.T) {
	_, mum, _ := family(t)
	c := open(t, mum)
	test.Tap(c.Main.Today.AddChild)
	a := c.AddChild
	test.Type(a.Name, "Chi")
	test.Tap(a.MakeAccount)
	f := a.NewAccount
	test.Type(f.Password, "chi2019")
	test.Type(f.Password2, "chi2019")
	test.Tap(f.Create)
	f.Confirm.Confirm()
	if f.LoginError.Text != lang.L("newaccount.notAdmin") || c.Screen != "addchild" {
		t.Errorf("a parent without admin rights: screen %q, %q", c.Screen, f.LoginError.Text)
	}
}

// The first install's accounts are one sentence in the console's events
// too, naming them.
func TestFirstInstallSentence(t *testing.T) {
	test.NewTempApp(t)
	for _, c := range []struct{ lang, want string }{
		{"en", "(administrators aside): kid, mum."},
		{"vi", "(ngoài tài khoản quản trị): kid, mum."},
	} {
		if err := i18n.Setup(c.lang); err != nil {
			t.Fatal(err)
		}
		ev := apitype.Event{Kind: "accounts_found", Detail: map[string]any{"accounts": []any{"kid", "mum"}, "names": "kid, mum", "count": 2.0, "profile": "default"}}
		if got := console.EventSentence(ev); !strings.HasSuffix(got, c.want) {
			t.Errorf("%s: %q, want it to end %q", c.lang, got, c.want)
		}
	}
	_ = i18n.Setup("en")
}
