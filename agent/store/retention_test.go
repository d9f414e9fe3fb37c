package store

import (
	"path/filepath"
	"testing"
	"time"
)

func TestSetRetention(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "kidtime.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		sentence        string
		detail, rollups time.Duration
		wantD, wantR    time.Duration
	}{
		{"the defaults are 90 days and 2 years", 0, 0, DefaultDetailRetention, DefaultRollupRetention},
		{"a parent's setting replaces both", 30 * 24 * time.Hour, 365 * 24 * time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour},
		{"zero keeps what was set", 0, 0, 30 * 24 * time.Hour, 365 * 24 * time.Hour},
	}
	for _, c := range cases {
		s.SetRetention(c.detail, c.rollups)
		if d, r := s.Retention(); d != c.wantD || r != c.wantR {
			t.Errorf("%s: got %v and %v, want %v and %v", c.sentence, d, r, c.wantD, c.wantR)
		}
	}
}
