package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestAddChild(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string // what the case shows
		child   Child
		wantErr error  // errors.Is target, nil = success
		field   string // ValidationError field, "" = not a validation error
	}{
		{"a child with a name, a birth year and two accounts is stored", Child{Name: "An", BirthYear: 2016, Accounts: []string{"an", "an-school"}}, nil, ""},
		{"a child without accounts is stored", Child{Name: "Binh", BirthYear: 2012}, nil, ""},
		{"a name already taken, in another case, is a conflict", Child{Name: "AN", BirthYear: 2014}, ErrConflict, ""},
		{"an account that belongs to another child is a conflict", Child{Name: "Chi", BirthYear: 2014, Accounts: []string{"an"}}, ErrConflict, ""},
		{"an empty name is refused", Child{Name: "  ", BirthYear: 2014}, nil, "name"},
		{"a name with a control character is refused", Child{Name: "Du\tng", BirthYear: 2014}, nil, "name"},
		{"a birth year in the future is refused", Child{Name: "Em", BirthYear: 2030}, nil, "birth_year"},
		{"a birth year of zero is refused", Child{Name: "Em"}, nil, "birth_year"},
		{"an empty account is refused", Child{Name: "Em", BirthYear: 2014, Accounts: []string{""}}, nil, "accounts[0]"},
		{"an account listed twice is refused", Child{Name: "Em", BirthYear: 2014, Accounts: []string{"em", "em"}}, nil, "accounts[1]"},
	}
	s, _ := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fail := tt.wantErr != nil || tt.field != ""
			if !fail {
				got, err := s.AddChild(ctx, tt.child)
				if err != nil {
					t.Fatalf("AddChild: %v", err)
				}
				if got.ID == 0 || got.CreatedAt.IsZero() || got.Name != tt.child.Name {
					t.Errorf("AddChild returned %+v", got)
				}
				back, err := s.Child(ctx, tt.child.Name)
				if err != nil || !reflect.DeepEqual(back, got) {
					t.Errorf("Child = %+v, %v; want %+v", back, err, got)
				}
				return
			}
			unchanged(t, s, func() {
				_, err := s.AddChild(ctx, tt.child)
				checkErr(t, err, tt.wantErr, tt.field)
			})
		})
	}
}

// checkErr checks err against an errors.Is target and/or a ValidationError
// field.
func checkErr(t *testing.T, err, want error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %v %s", want, field)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("error %v; want errors.Is %v", err, want)
	}
	if field != "" {
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != field {
			t.Errorf("error %v; want a ValidationError on %q", err, field)
		}
	}
}

func TestChildLookupsAndUpdate(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	an := addChild(t, s, "An", "an")
	binh := addChild(t, s, "Binh", "binh")

	t.Run("ChildByAccount finds the owner of an account", func(t *testing.T) {
		c, err := s.ChildByAccount(ctx, "binh")
		if err != nil || c.ID != binh.ID {
			t.Fatalf("ChildByAccount = %+v, %v", c, err)
		}
	})
	t.Run("an unknown account or name is ErrNotFound", func(t *testing.T) {
		if _, err := s.ChildByAccount(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ChildByAccount: %v", err)
		}
		if _, err := s.Child(ctx, "Nobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Child: %v", err)
		}
	})
	t.Run("Children lists everyone by name with their accounts", func(t *testing.T) {
		cs, err := s.Children(ctx)
		if err != nil || len(cs) != 2 || cs[0].Name != "An" || cs[1].Name != "Binh" || !reflect.DeepEqual(cs[0].Accounts, []string{"an"}) {
			t.Fatalf("Children = %+v, %v", cs, err)
		}
	})
	t.Run("UpdateChild renames and replaces the accounts", func(t *testing.T) {
		an.Name, an.BirthYear, an.Accounts = "An Nguyen", 2013, []string{"an2", "an"}
		if err := s.UpdateChild(ctx, an); err != nil {
			t.Fatal(err)
		}
		c, err := s.ChildByAccount(ctx, "an2")
		if err != nil || c.Name != "An Nguyen" || c.BirthYear != 2013 || !reflect.DeepEqual(c.Accounts, []string{"an", "an2"}) {
			t.Fatalf("after update: %+v, %v", c, err)
		}
	})
	bad := []struct {
		name  string
		c     Child
		want  error
		field string
	}{
		{"taking another child's account is a conflict", Child{ID: an.ID, Name: "An Nguyen", BirthYear: 2013, Accounts: []string{"binh"}}, ErrConflict, ""},
		{"taking another child's name is a conflict", Child{ID: an.ID, Name: "binh", BirthYear: 2013}, ErrConflict, ""},
		{"an unknown id is ErrNotFound", Child{ID: 999, Name: "Zed", BirthYear: 2013}, ErrNotFound, ""},
		{"a zero id is refused", Child{Name: "Zed", BirthYear: 2013}, nil, "id"},
		{"a bad birth year is refused", Child{ID: an.ID, Name: "An", BirthYear: 1800}, nil, "birth_year"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() { checkErr(t, s.UpdateChild(ctx, tt.c), tt.want, tt.field) })
		})
	}
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	s, c := newStore(t)
	addChild(t, s, "An")

	t.Run("no policy saved yet is ErrNotFound", func(t *testing.T) {
		if _, err := s.Policy(ctx, "An"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Policy: %v", err)
		}
	})
	t.Run("every version is kept and the newest is current", func(t *testing.T) {
		for i, body := range []string{`{"screen":"2h"}`, `{"screen":"1h"}`, `{"screen":"3h"}`} {
			c.set(t0.Add(timeMinutes(i)))
			pv, err := s.SavePolicy(ctx, "An", []byte(body), "parent")
			if err != nil || pv.Version != int64(i+1) {
				t.Fatalf("SavePolicy %d = %+v, %v", i, pv, err)
			}
		}
		cur, err := s.Policy(ctx, "An")
		if err != nil || string(cur.JSON) != `{"screen":"3h"}` || cur.Version != 3 || cur.By != "parent" || !cur.At.Equal(t0.Add(timeMinutes(2))) {
			t.Fatalf("Policy = %+v, %v", cur, err)
		}
		h, err := s.PolicyHistory(ctx, "An")
		if err != nil || len(h) != 3 || h[0].Version != 3 || h[2].Version != 1 || string(h[2].JSON) != `{"screen":"2h"}` {
			t.Fatalf("PolicyHistory = %+v, %v", h, err)
		}
	})
	t.Run("the default profile (child \"\") has its own versions", func(t *testing.T) {
		pv, err := s.SavePolicy(ctx, "", []byte(`{"default":true}`), "installer")
		if err != nil || pv.Version != 1 || pv.Child != "" {
			t.Fatalf("SavePolicy default = %+v, %v", pv, err)
		}
		got, err := s.Policy(ctx, "")
		if err != nil || string(got.JSON) != `{"default":true}` {
			t.Fatalf("Policy default = %+v, %v", got, err)
		}
	})
	bad := []struct {
		name, child, body, by string
		want                  error
		field                 string
	}{
		{"an unknown child is refused and is ErrNotFound", "Nobody", `{}`, "parent", ErrNotFound, "child"},
		{"invalid JSON is refused", "An", `{"screen":`, "parent", nil, "policy"},
		{"an empty policy is refused", "An", ``, "parent", nil, "policy"},
		{"a policy without an author is refused", "An", `{}`, "", nil, "by"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() {
				_, err := s.SavePolicy(ctx, tt.child, []byte(tt.body), tt.by)
				checkErr(t, err, tt.want, tt.field)
			})
		})
	}
}

func TestApps(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	mc, err := s.UpsertApp(ctx, App{Path: "/opt/mc/minecraft", SHA256: sha("mc"), Category: "game", Rating: "12+"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a new app gets an id and its file name as display name", func(t *testing.T) {
		if mc.ID <= 0 || mc.Name != "minecraft" {
			t.Fatalf("UpsertApp = %+v", mc)
		}
	})
	t.Run("the same content seen at another path keeps its id and classification", func(t *testing.T) {
		again, err := s.UpsertApp(ctx, App{Path: "/home/an/copy-of-mc", SHA256: sha("mc"), Name: "renamed"})
		if err != nil || again.ID != mc.ID || again.Category != "game" || again.Rating != "12+" || again.Path != "/home/an/copy-of-mc" {
			t.Fatalf("UpsertApp again = %+v, %v", again, err)
		}
		got, err := s.App(ctx, mc.ID)
		if err != nil || !reflect.DeepEqual(got, again) {
			t.Fatalf("App = %+v, %v; want %+v", got, err, again)
		}
	})
	t.Run("Apps lists known apps but not the 'no app' row", func(t *testing.T) {
		as, err := s.Apps(ctx)
		if err != nil || len(as) != 1 || as[0].ID != mc.ID {
			t.Fatalf("Apps = %+v, %v", as, err)
		}
		if _, err := s.App(ctx, 0); !errors.Is(err, ErrNotFound) {
			t.Fatalf("App(0): %v", err)
		}
	})
	bad := []struct {
		name  string
		app   App
		field string
	}{
		{"a hash that is not 64 hex digits is refused", App{Path: "/x", SHA256: "abc"}, "sha256"},
		{"a hash with non-hex characters is refused", App{Path: "/x", SHA256: sha("zz")[:63] + "g"}, "sha256"},
		{"an empty path is refused", App{SHA256: sha("x")}, "path"},
		{"an over-long rating is refused", App{Path: "/x", SHA256: sha("x"), Rating: "this is far too long"}, "rating"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, s, func() {
				_, err := s.UpsertApp(ctx, tt.app)
				checkErr(t, err, nil, tt.field)
			})
		})
	}
}
