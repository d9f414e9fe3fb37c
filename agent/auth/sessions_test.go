package auth_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/auth"
)

func TestSessions(t *testing.T) {
	const parent, child = 1000, 1001
	tests := []struct {
		name  string
		steps []time.Duration // uses by the parent at these intervals, before the final check
		wait  time.Duration   // then this long
		uid   uint32
		want  bool
	}{
		{"A fresh token is valid for the uid that logged in.", nil, 0, parent, true},
		{"Another uid cannot use the token.", nil, 0, child, false},
		{"A token idle for 14 minutes is still valid.", nil, 14 * time.Minute, parent, true},
		{"A token idle for 15 minutes has expired.", nil, 15 * time.Minute, parent, false},
		{"Use keeps a token alive past 15 minutes.", []time.Duration{10 * time.Minute, 10 * time.Minute}, 10 * time.Minute, parent, true},
		{"Even in use, a token dies after 12 hours.", repeat(10*time.Minute, 71), 11 * time.Minute, parent, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s := auth.NewSessions(clk.Now, 15*time.Minute, 12*time.Hour)
			tok, exp := s.New(parent)
			if b, err := hex.DecodeString(tok); err != nil || len(b) != 32 {
				t.Fatalf("token %q is not 32 bytes of hex", tok)
			}
			if !exp.Equal(clk.Now().Add(15 * time.Minute)) {
				t.Errorf("expires %v, want 15 minutes from now", exp)
			}
			for i, d := range tt.steps {
				clk.Add(d)
				if !s.Check(tok, parent) {
					t.Fatalf("use %d after %v refused", i+1, d)
				}
			}
			clk.Add(tt.wait)
			if got := s.Check(tok, tt.uid); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestSessionsRevoke(t *testing.T) {
	clk := newClock()
	s := auth.NewSessions(clk.Now, 0, 0)
	a, _ := s.New(1000)
	b, _ := s.New(1000)
	if a == b {
		t.Fatal("two tokens are equal")
	}
	s.Revoke(a)
	if s.Check(a, 1000) {
		t.Error("a revoked token is valid")
	}
	if !s.Check(b, 1000) {
		t.Error("revoking one token ended another")
	}
	if s.Check(b, 1001) || s.Check(b, 1000) {
		t.Error("a token shown by another uid has leaked and must be revoked")
	}
	c, _ := s.New(1000)
	s.RevokeAll()
	if s.Check(c, 1000) {
		t.Error("RevokeAll left a token valid")
	}
	if s.Check("", 1000) || s.Check("zz", 1000) {
		t.Error("a made-up token is valid")
	}
}
