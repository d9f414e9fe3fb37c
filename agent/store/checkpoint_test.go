package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckpoint(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	iv := func(sec int) Interval {
		return Interval{Child: "An", AppID: 3, Kind: KindGame, Session: "c1", Day: "2026-12-01", Start: at, End: at.Add(time.Duration(sec) * time.Second)}
	}
	saved := func(sec int) Saved { return Saved{Usage: []Interval{iv(sec)}, Mark: []byte(`{"wall":"x"}`)} }
	// spoil flips a byte in the payload of the slot the nth save wrote.
	spoil := func(t *testing.T, path string, nth int) {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		off := int64(nth%2)*checkpointSlot + checkpointHead + 5
		b := make([]byte, 1)
		if _, err := f.ReadAt(b, off); err != nil {
			t.Fatal(err)
		}
		b[0] ^= 0xff
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		saves []Saved
		after func(t *testing.T, path string)
		want  Saved
	}{
		{name: "a new file holds nothing", want: Saved{}},
		{name: "the last save is read back", saves: []Saved{saved(2), saved(4)}, want: saved(4)},
		{name: "a cut last save leaves the one before", saves: []Saved{saved(2), saved(4)},
			after: func(t *testing.T, p string) { spoil(t, p, 2) }, want: saved(2)},
		{name: "both slots spoilt: nothing", saves: []Saved{saved(2), saved(4)},
			after: func(t *testing.T, p string) { spoil(t, p, 1); spoil(t, p, 2) }, want: Saved{}},
		{name: "an empty save clears", saves: []Saved{saved(2), {}}, want: Saved{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "usage.checkpoint")
			c, got, err := OpenCheckpoint(path)
			if err != nil || len(got.Usage) != 0 {
				t.Fatalf("OpenCheckpoint of a new file = %+v, %v", got, err)
			}
			for _, s := range tc.saves {
				if err := c.Save(s); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				tc.after(t, path)
			}
			c, got, err = OpenCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if !sameSaved(got, tc.want) {
				t.Errorf("read back %+v; want %+v", got, tc.want)
			}
			// A save after the reopening goes over the older slot: the
			// newest stays readable.
			if err := c.Save(saved(9)); err != nil {
				t.Fatal(err)
			}
			if again := reopen(t, path); !sameSaved(again, saved(9)) {
				t.Errorf("after one more save, read back %+v", again)
			}
		})
	}
	t.Run("too much to save is refused, the last save kept", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "usage.checkpoint")
		c, _, err := OpenCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Save(saved(2)); err != nil {
			t.Fatal(err)
		}
		big := Saved{Usage: []Interval{{Child: strings.Repeat("x", checkpointSlot), Day: "2026-12-01", Start: at, End: at}}}
		if err := c.Save(big); !errors.Is(err, ErrCheckpointFull) {
			t.Errorf("Save of %d bytes = %v; want ErrCheckpointFull", checkpointSlot, err)
		}
		if got := reopen(t, path); !sameSaved(got, saved(2)) {
			t.Errorf("after a refused save, read back %+v", got)
		}
	})
}

// reopen reads a checkpoint as a restart would, and closes it (Windows
// keeps an open file from being removed).
func reopen(t *testing.T, path string) Saved {
	t.Helper()
	c, s, err := OpenCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

func sameSaved(a, b Saved) bool {
	if len(a.Usage) != len(b.Usage) || string(a.Mark) != string(b.Mark) {
		return false
	}
	for i := range a.Usage {
		x, y := a.Usage[i], b.Usage[i]
		if x.Child != y.Child || x.AppID != y.AppID || x.Kind != y.Kind || x.Session != y.Session || x.Day != y.Day ||
			!x.Start.Equal(y.Start) || !x.End.Equal(y.End) {
			return false
		}
	}
	return true
}
