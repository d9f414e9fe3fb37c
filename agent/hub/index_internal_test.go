package hub

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A snapshot of the usage index is used only when it cannot make a report
// wrong; each refusal says why.
func TestUsableIndex(t *testing.T) {
	made := time.Date(2026, 9, 1, 7, 0, 0, 0, time.UTC)
	good := indexHeader{Version: indexVersion, Hub: "abc123def456", Shape: rollupShape, Stream: made, Seq: 500}
	state := jetstream.StreamState{FirstSeq: 10, LastSeq: 900, Msgs: 400}
	for _, c := range []struct {
		sentence string
		change   func(*indexHeader, *jetstream.StreamState)
		want     string // "" = usable
	}{
		{"a snapshot of this hub, behind the stream: usable", nil, ""},
		{"as far as the stream: usable", func(h *indexHeader, s *jetstream.StreamState) { h.Seq = s.LastSeq }, ""},
		{"the stream's first message right after it: usable", func(h *indexHeader, s *jetstream.StreamState) { s.FirstSeq = h.Seq + 1 }, ""},
		{"another format", func(h *indexHeader, _ *jetstream.StreamState) { h.Version = 99 }, "format"},
		{"another hub's", func(h *indexHeader, _ *jetstream.StreamState) { h.Hub = "000000000000" }, "another hub's"},
		{"rollups of another shape", func(h *indexHeader, _ *jetstream.StreamState) { h.Shape = "0123" }, "another shape"},
		{"the stream made again", func(h *indexHeader, _ *jetstream.StreamState) { h.Stream = made.Add(time.Hour) }, "made again"},
		{"past the stream's last message", func(h *indexHeader, s *jetstream.StreamState) { h.Seq = s.LastSeq + 1 }, "past the stream's last"},
		{"the stream purged or aged out past it", func(h *indexHeader, s *jetstream.StreamState) { s.FirstSeq = h.Seq + 2 }, "purged"},
	} {
		h, s := good, state
		if c.change != nil {
			c.change(&h, &s)
		}
		err := usableIndex(h, "abc123def456", made, s)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.sentence, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v; want refused with %q", c.sentence, err, c.want)
		}
	}
}

// The shape of the rollups changes with any field: a snapshot written by
// a hub whose wire.Rollup differs is not read back into this one.
func TestRollupShape(t *testing.T) {
	type a struct {
		X int64
		M map[string]int
	}
	type b struct {
		X int64
		M map[string]int
		Y string
	}
	type c struct {
		X int64
		M map[string]int64
	}
	sa := typeShape(reflectOf[a]())
	if sa == typeShape(reflectOf[b]()) || sa == typeShape(reflectOf[c]()) {
		t.Error("a field added or a type changed leaves the shape the same")
	}
	if !strings.Contains(typeShape(reflectOf[indexed]()), "PerGame") || !strings.Contains(typeShape(reflectOf[indexed]()), "LateSec") {
		t.Error("the shape leaves out the rollup's fields, embedded ones included")
	}
}

func TestReadIndexDamaged(t *testing.T) {
	dir := t.TempDir()
	for name, b := range map[string][]byte{"empty": {}, "short": []byte("abc"), "no checksum": make([]byte, 100)} {
		p := filepath.Join(dir, "x")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := readIndex(p); err == nil {
			t.Errorf("%s: read with no error", name)
		}
	}
}

func reflectOf[T any]() reflect.Type { return reflect.TypeFor[T]() }
