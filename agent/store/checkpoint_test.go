package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
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

// A checkpoint an earlier version left as JSON (an upgrade over an unclean
// stop) is still read, and the next save is in the binary form.
func TestCheckpointReadsTheJSONForm(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	want := Saved{Usage: []Interval{{Child: "An", AppID: 7, Kind: KindScreen, Day: "2026-12-01", Start: at, End: at.Add(3 * time.Second)}}, Mark: []byte(`{"m":1}`)}
	payload, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, checkpointHead+len(payload))
	copy(b, checkpointJSON)
	binary.LittleEndian.PutUint64(b[4:], 1)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[16:], crc32.ChecksumIEEE(payload))
	copy(b[checkpointHead:], payload)
	path := filepath.Join(t.TempDir(), "usage.checkpoint")
	if err := os.WriteFile(path, append(make([]byte, checkpointSlot), b...), 0o600); err != nil { // slot 1: sequence 1
		t.Fatal(err)
	}
	c, got, err := OpenCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSaved(got, want) {
		t.Errorf("read back %+v; want %+v", got, want)
	}
	if err := c.Save(Saved{}); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw[:4]) != checkpointMagic {
		t.Errorf("the save after the JSON one starts %q; want %q", raw[:4], checkpointMagic)
	}
}

// Every cut of a valid encoding, and one with bytes left over, is refused
// rather than read as something else.
func TestCheckpointDecodeRefusesCutPayloads(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := Saved{Usage: []Interval{
		{Child: "An", AppID: 3, Kind: KindGame, Session: "c1", Day: "2026-12-01", Start: at, End: at.Add(time.Second)},
		{Child: "Bình", Kind: KindScreen, Day: "2026-12-01", Start: at.Add(-time.Hour), End: at},
	}, Mark: []byte("mark")}
	full := encodeSaved(nil, s)
	got, err := decodeSaved(full)
	if err != nil || !sameSaved(got, s) {
		t.Fatalf("decode(encode(s)) = %+v, %v", got, err)
	}
	for n := range len(full) {
		if got, err := decodeSaved(full[:n]); err == nil {
			t.Errorf("the first %d of %d bytes decoded as %+v; want an error", n, len(full), got)
		}
	}
	if _, err := decodeSaved(append(full[:len(full):len(full)], 0)); err == nil {
		t.Error("a payload with a byte left over decoded; want an error")
	}
}

// BenchmarkCheckpointSave is a quiet tick's save of a child's running
// intervals: the binary form against the JSON form it replaced, in the
// same run.
func BenchmarkCheckpointSave(b *testing.B) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := Saved{Usage: []Interval{
		{Child: "An", AppID: 3, Kind: KindGame, Session: "c1", Day: "2026-12-01", Start: at, End: at.Add(time.Second)},
		{Child: "An", Kind: KindScreen, Session: "c1", Day: "2026-12-01", Start: at, End: at.Add(time.Second)},
	}, Mark: []byte(`{"wall":"2026-12-01T10:00:00Z","mono":123456789}`)}
	buf := make([]byte, checkpointSlot)
	b.Run("binary", func(b *testing.B) {
		for b.Loop() {
			buf = encodeSaved(buf[:checkpointHead], s)
			_ = crc32.ChecksumIEEE(buf[checkpointHead:])
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			p, _ := json.Marshal(s)
			_ = crc32.ChecksumIEEE(p)
		}
	})
}
