package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/auth"
)

// memSettings keeps settings in memory.
type memSettings struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memSettings) Setting(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.m[k]; ok {
		return b, nil
	}
	return nil, errors.New("not found")
}

func (s *memSettings) SetSetting(_ context.Context, k string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, string, string, map[string]any) {}

// guessesUntilWait counts how many wrong parent codes who can try before
// being told to wait.
func guessesUntilWait(t *testing.T, g *auth.Guard, who auth.Who) int {
	t.Helper()
	for n := 0; n < 100; n++ {
		err := g.CheckCode(context.Background(), who, "000000")
		var we *auth.WaitError
		if errors.As(err, &we) {
			return n
		}
		if !errors.Is(err, auth.ErrWrongCode) {
			t.Fatalf("guess %d: %v", n, err)
		}
	}
	return 100
}

// The guessing budget does not grow with the number of accounts: every
// child's account shares one, and other accounts share a second one beside
// their own, while a parent's own budget stays theirs.
func TestGuessingBudgetIsMachineWide(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	newGuard := func() *auth.Guard {
		st := &memSettings{m: map[string][]byte{}}
		g := auth.NewGuard(context.Background(), st, nopRecorder{}, slog.New(slog.NewTextHandler(io.Discard, nil)), clock)
		if _, _, err := g.NewCode(context.Background()); err != nil {
			t.Fatal(err)
		}
		return g
	}
	kid := auth.Who{UID: 1001, User: "kid", Child: "An"}
	kid2 := auth.Who{UID: 1002, User: "kid2", Child: "An"}
	sister := auth.Who{UID: 1003, User: "binh", Child: "Bình"}
	mum := auth.Who{UID: 1000, User: "mum"}

	g := newGuard()
	first := guessesUntilWait(t, g, kid)
	if first != auth.FreeFailures {
		t.Fatalf("a child's first account guessed %d times before waiting; want %d", first, auth.FreeFailures)
	}
	cases := []struct {
		sentence string
		who      auth.Who
		want     int
	}{
		{"a second account of the same child has no fresh budget", kid2, 0},
		{"another child's account shares the children's budget", sister, 0},
	}
	for _, tc := range cases {
		if got := guessesUntilWait(t, g, tc.who); got != tc.want {
			t.Errorf("%s: %d guesses before waiting; want %d", tc.sentence, got, tc.want)
		}
	}
	// Accounts nobody manages each get their first guesses, but all of them
	// together no more than OthersFreeFailures: more accounts, no more
	// guesses.
	total := 0
	for i := range 20 {
		total += guessesUntilWait(t, g, auth.Who{UID: uint32(2000 + i), User: fmt.Sprintf("guest%d", i)})
	}
	if total != auth.OthersFreeFailures {
		t.Errorf("20 unmanaged accounts guessed %d times before all waited; want %d", total, auth.OthersFreeFailures)
	}
	// The parent is slowed only by the others' shared budget, never by the
	// children's; after the wait, the parent's right code frees it.
	g2 := newGuard()
	guessesUntilWait(t, g2, kid)
	guessesUntilWait(t, g2, kid2)
	if got := guessesUntilWait(t, g2, mum); got != auth.FreeFailures {
		t.Errorf("the parent, after the children guessed: %d guesses before waiting; want %d", got, auth.FreeFailures)
	}
}
