package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestProgramsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kidtime.db")
	c := &clock{t: t0}
	s, err := Open(ctx, path, WithNow(c.now), WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	game := Program{Ident: "elf-build-id:e310", Path: "/usr/games/supertuxkart", SHA256: sha("stk"), Name: "SuperTuxKart", Category: "game", MinAge: 3, Source: "catalog"}
	script := Program{Ident: "sha256:" + sha("play.sh"), Path: "/home/an/play.sh", SHA256: sha("play.sh"), Name: "play.sh", MinAge: -1}
	if err := s.SavePrograms(ctx, []Program{game, script}); err != nil {
		t.Fatal(err)
	}
	c.set(t0.Add(time.Minute))
	moved := game
	moved.Path = "/usr/local/games/supertuxkart"
	if err := s.SavePrograms(ctx, []Program{moved}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, WithNow(c.now), WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ps, err := s.Programs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 {
		t.Fatalf("%d programs after reopening; want 2: %+v", len(ps), ps)
	}
	got := ps[0]
	got.Seen = time.Time{}
	if got != moved {
		t.Errorf("most recent program = %+v; want %+v (replaced by its identity)", got, moved)
	}
}

func TestSaveProgramsRejects(t *testing.T) {
	s, _ := newStore(t)
	cases := []struct {
		sentence string
		p        Program
	}{
		{"a program without an identity", Program{Path: "/x"}},
		{"a program without a path", Program{Ident: "sha256:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			if err := s.SavePrograms(context.Background(), []Program{tc.p}); err == nil {
				t.Error("saved; want a validation error")
			}
		})
	}
}
