package family_test

import (
	"slices"
	"testing"

	"github.com/kidtime/kidtime/rules"
)

// defaultPreset is the default profile's preset ("" when there is none).
func defaultPreset(w *world) string {
	if g := w.f.Global(ctxT()); g.DefaultProfile != nil {
		return g.DefaultProfile.Preset
	}
	return "<none>"
}

// TestEnsureDefaultFollowsTheYoungestChild: setup leaves no account
// unmanaged; kidtime's own default profile follows the youngest child until
// a parent sets one, and is never removed.
func TestEnsureDefaultFollowsTheYoungestChild(t *testing.T) {
	cases := []struct {
		sentence string
		steps    func(t *testing.T, w *world)
		want     string
	}{
		{"with no child, setup's default profile is the age-8 preset", func(t *testing.T, w *world) {}, "age:8"},
		{"the youngest child's age preset is taken", func(t *testing.T, w *world) {
			mustAdd(t, w, rules.Child{Name: "Teen", BirthYear: year - 15, Accounts: []string{"kid"}})
			mustAdd(t, w, rules.Child{Name: "Small", BirthYear: year - 7, Accounts: []string{"kid2"}})
		}, "age:7"},
		{"an explicit preset of the youngest child is taken as it is", func(t *testing.T, w *world) {
			mustAdd(t, w, rules.Child{Name: "Small", BirthYear: year - 7, Accounts: []string{"kid2"}, Profile: rules.Profile{Preset: "age:5"}})
		}, "age:5"},
		{"a change of the youngest child's rules follows", func(t *testing.T, w *world) {
			mustAdd(t, w, rules.Child{Name: "Small", BirthYear: year - 7, Accounts: []string{"kid2"}})
			old := rules.Child{Name: "Small", BirthYear: year - 7, Accounts: []string{"kid2"}}
			if err := w.f.SetRules(ctxT(), admin, old, rules.Child{Name: "Small", Profile: rules.Profile{Preset: "age:12"}}); err != nil {
				t.Fatal(err)
			}
		}, "age:12"},
		{"a parent's own default profile is kept when children change", func(t *testing.T, w *world) {
			if err := w.f.SetGlobal(ctxT(), rules.File{DefaultProfile: &rules.Profile{Preset: "none"}}, "dad"); err != nil {
				t.Fatal(err)
			}
			mustAdd(t, w, rules.Child{Name: "Small", BirthYear: year - 7, Accounts: []string{"kid2"}})
		}, "none"},
		{"a file without a default profile does not remove it", func(t *testing.T, w *world) {
			if err := w.f.SetGlobal(ctxT(), rules.File{}, "dad"); err != nil {
				t.Fatal(err)
			}
		}, "age:8"},
		{"a child erased no longer sets it", func(t *testing.T, w *world) {
			mustAdd(t, w, rules.Child{Name: "Small", BirthYear: year - 7, Accounts: []string{"kid2"}})
			if err := w.st.Erase(ctxT(), "Small"); err != nil {
				t.Fatal(err)
			}
			if err := w.f.ChildrenChanged(ctxT(), "dad"); err != nil {
				t.Fatal(err)
			}
		}, "age:8"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			w := newWorld(t)
			if err := w.f.EnsureDefault(ctxT(), "dad"); err != nil {
				t.Fatal(err)
			}
			c.steps(t, w)
			if got := defaultPreset(w); got != c.want {
				t.Errorf("default profile preset %q, want %q", got, c.want)
			}
		})
	}
}

func mustAdd(t *testing.T, w *world, spec rules.Child) {
	t.Helper()
	if _, err := w.f.AddChild(ctxT(), admin, spec); err != nil {
		t.Fatalf("add %s: %v", spec.Name, err)
	}
}

// TestEnsureDefaultKeepsAParentsProfile: a default profile already there is
// not touched, and setup's is recorded once.
func TestEnsureDefaultKeepsAParentsProfile(t *testing.T) {
	w := newWorld(t)
	w.withDefault(t)
	if err := w.f.EnsureDefault(ctxT(), "dad"); err != nil {
		t.Fatal(err)
	}
	if got := defaultPreset(w); got != "age:10" {
		t.Errorf("preset %q, want the parent's age:10", got)
	}
	if n := len(w.ev.of("default_profile")); n != 0 {
		t.Errorf("%d default_profile events for a profile the parent set", n)
	}
	w = newWorld(t)
	for range 2 {
		if err := w.f.EnsureDefault(ctxT(), "dad"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.ev.of("default_profile")); n != 1 {
		t.Errorf("%d default_profile events, want 1", n)
	}
}

// TestReleaseParent: a grown-up's standard account, held by the default
// profile, is released for good by a PIN login; a named child's account is
// not.
func TestReleaseParent(t *testing.T) {
	w := newWorld(t)
	if err := w.f.EnsureDefault(ctxT(), "dad"); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, w, rules.Child{Name: "An", BirthYear: year - 10, Accounts: []string{"kid"}})
	ss, _, err := w.f.Children(ctxT())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ss); !slices.Equal(got, []string{"An:false", "kid2:true", "mum:true"}) {
		t.Fatalf("children %v before the release", got)
	}
	if !w.f.HeldByDefault(ctxT(), "mum") || w.f.HeldByDefault(ctxT(), "An") {
		t.Fatal("HeldByDefault: mum should be held, An not")
	}
	if err := w.f.ReleaseParent(ctxT(), "mum", "mum"); err != nil {
		t.Fatal(err)
	}
	err = w.f.ReleaseParent(ctxT(), "kid", "kid")
	wantField(t, err, "account")
	for range 2 {
		ss, _, err = w.f.Children(ctxT())
		if err != nil {
			t.Fatal(err)
		}
		if got := names(ss); !slices.Equal(got, []string{"An:false", "kid2:true"}) {
			t.Fatalf("children %v after mum's release; she must not be adopted again", got)
		}
	}
	if n := len(w.ev.of("parent_account")); n != 1 {
		t.Errorf("%d parent_account events, want 1", n)
	}
}
