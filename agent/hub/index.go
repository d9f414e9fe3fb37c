package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/nats-io/nats.go/jetstream"
)

// The usage index (h.usage) is what the report and `hub pcs` read: the
// last rollup of each PC, child and day, filled from KT_USAGE. A school
// year of 200 PCs is 78,000 rollups: reading them all again from the
// stream at each start (a JSON each) took 2–12 s before the first report.
// The hub keeps a snapshot of the index instead (indexFile: gob, with a
// SHA-256 of it at its end; 0600, written through a rename) and the
// stream sequence it holds up to; at start it loads it and reads the
// stream from the next sequence only. The stream keeps the last message
// per subject, so what is read then is at most one message per subject
// changed since the snapshot, however old it is.
//
// A snapshot is only taken when it cannot make a report wrong: another
// version, another hub's, rollups of another shape (wire.Rollup changed),
// a stream made again, a sequence past the stream's last, or a stream
// whose first sequence is past the snapshot's (purged, or aged out) make
// the hub read the whole stream, and say why. Each rollup keeps the
// sequence it came at, and one older than the stream's first (aged out
// since) is left out. A snapshot older than the stream (a kill -9 after
// it was written) is right: the stream gives the rest, and a rollup that
// replaces one of the same subject replaces it in the index as it does
// live (onRollup).

// indexFile is the snapshot's name in the data folder.
const indexFile = "usage-index.gob"

// indexVersion is the snapshot's format.
const indexVersion = 1

// The snapshot is written at a clean stop, and at the minute's tick when
// the index changed and the last one is an hour old or 20,000 messages
// behind (after a start that read the whole stream again, say).
const (
	indexEvery = time.Hour
	indexAfter = 20_000
)

// indexed is a rollup in the index with the usage stream's sequence it
// came at. The index holds pointers: a rollup is replaced whole, never
// changed, so a snapshot copies the pointers under the lock and encodes
// them outside it.
type indexed struct {
	Seq uint64
	wire.Rollup
}

// indexHeader says whose snapshot it is and how far it holds.
type indexHeader struct {
	Version int
	Hub     string
	Shape   string    // rollupShape
	Stream  time.Time // KT_USAGE's creation
	Seq     uint64    // the last stream sequence read into the index
	Count   int
}

// rollupShape is a hash of wire.Rollup's fields (names, types, nested):
// a snapshot of rollups of another shape is not read back.
var rollupShape = func() string {
	h := sha256.Sum256([]byte(typeShape(reflect.TypeOf(indexed{}))))
	return fmt.Sprintf("%x", h[:8])
}()

func typeShape(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(time.Time{}):
		return "time"
	case t.Kind() == reflect.Struct:
		var b strings.Builder
		b.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(&b, "%s %s;", f.Name, typeShape(f.Type))
		}
		b.WriteString("}")
		return b.String()
	case t.Kind() == reflect.Map:
		return "map[" + typeShape(t.Key()) + "]" + typeShape(t.Elem())
	case t.Kind() == reflect.Slice:
		return "[]" + typeShape(t.Elem())
	case t.Kind() == reflect.Pointer:
		return "*" + typeShape(t.Elem())
	}
	return t.Kind().String()
}

// putRollup puts e in the index unless it holds a later revision of the
// same PC, child and day (the same subject). Under h.mu.
func (h *Hub) putRollup(e *indexed) bool {
	days := h.usage[e.PC]
	if days == nil {
		days = map[string]map[string]*indexed{}
		h.usage[e.PC] = days
	}
	kids := days[e.Day]
	if kids == nil {
		kids = map[string]*indexed{}
		days[e.Day] = kids
	}
	if old, ok := kids[e.Child]; ok && old.Rev > e.Rev {
		return false
	}
	kids[e.Child] = e
	return true
}

// usableIndex says why a snapshot must not be used, nil when it may.
func usableIndex(hdr indexHeader, hubID string, created time.Time, st jetstream.StreamState) error {
	switch {
	case hdr.Version != indexVersion:
		return fmt.Errorf("format %d, not %d", hdr.Version, indexVersion)
	case hdr.Hub != hubID:
		return fmt.Errorf("another hub's (%s)", hdr.Hub)
	case hdr.Shape != rollupShape:
		return errors.New("rollups of another shape (another version of the hub)")
	case !hdr.Stream.Equal(created):
		return fmt.Errorf("the usage stream was made again (%s, the snapshot's %s)", created.UTC().Format(time.RFC3339Nano), hdr.Stream.UTC().Format(time.RFC3339Nano))
	case hdr.Seq > st.LastSeq:
		return fmt.Errorf("it holds up to message %d, past the stream's last (%d)", hdr.Seq, st.LastSeq)
	case st.FirstSeq > hdr.Seq+1:
		return fmt.Errorf("the stream starts at message %d, past the snapshot's %d (purged, or aged out)", st.FirstSeq, hdr.Seq)
	}
	return nil
}

// readIndex reads a snapshot: its header and rollups.
func readIndex(path string) (indexHeader, []*indexed, error) {
	var hdr indexHeader
	b, err := os.ReadFile(path)
	if err != nil {
		return hdr, nil, err
	}
	if len(b) < sha256.Size {
		return hdr, nil, errors.New("too short")
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return hdr, nil, errors.New("its checksum does not match (a partial or damaged file)")
	}
	dec := gob.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&hdr); err != nil {
		return hdr, nil, fmt.Errorf("header: %w", err)
	}
	var es []*indexed
	if hdr.Version == indexVersion {
		if err := dec.Decode(&es); err != nil {
			return hdr, nil, fmt.Errorf("rollups: %w", err)
		}
		if len(es) != hdr.Count {
			return hdr, nil, fmt.Errorf("%d rollups, the header says %d", len(es), hdr.Count)
		}
	}
	return hdr, es, nil
}

// snapshotRead is a snapshot read from its file (readSnapshot).
type snapshotRead struct {
	hdr  indexHeader
	es   []*indexed
	err  error
	took time.Duration
}

// readSnapshot reads the snapshot in the background (Open), while the
// server starts: on the 2 cores of a school's PC the two overlap.
func (h *Hub) readSnapshot() {
	h.snapshot = make(chan snapshotRead, 1)
	go func() {
		start := time.Now()
		// A snapshot half-written when the hub was killed: its
		// temporary file (writeFileAtomic) is left over.
		if left, _ := filepath.Glob(filepath.Join(h.cfg.DataDir, "."+indexFile+".*")); len(left) > 0 {
			for _, f := range left {
				_ = os.Remove(f)
			}
		}
		hdr, es, err := readIndex(filepath.Join(h.cfg.DataDir, indexFile))
		h.snapshot <- snapshotRead{hdr, es, err, time.Since(start)}
	}()
}

// loadIndex fills the index from the snapshot when it may be used, and
// returns the stream sequence to read from next (1: all of it).
func (h *Hub) loadIndex(ctx context.Context) (uint64, error) {
	st, err := h.js.Stream(ctx, wire.StreamUsage)
	if err != nil {
		return 0, fmt.Errorf("hub: the usage stream: %w", err)
	}
	info := st.CachedInfo()
	h.usageCreated = info.Created
	path := filepath.Join(h.cfg.DataDir, indexFile)
	var snap snapshotRead
	select {
	case snap = <-h.snapshot:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	start := time.Now()
	hdr, es, err := snap.hdr, snap.es, snap.err
	if err == nil {
		err = usableIndex(hdr, h.id, info.Created, info.State)
	}
	if err == nil {
		for _, e := range es {
			if e == nil || e.Seq > hdr.Seq || e.PC == "" || e.Day == "" || e.Child == "" {
				err = errors.New("a rollup in it is damaged")
				break
			}
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		h.log.Info("hub: no snapshot of the usage index; reading the whole usage stream", "messages", info.State.Msgs)
		return 1, nil
	case err != nil:
		h.log.Warn("hub: the snapshot of the usage index is not used; reading the whole usage stream", "file", path, "why", err.Error(), "messages", info.State.Msgs)
		return 1, nil
	}
	h.mu.Lock()
	gone := 0
	for _, e := range es {
		if e.Seq < info.State.FirstSeq {
			gone++ // no longer in the stream (aged out since)
			continue
		}
		h.putRollup(e)
	}
	h.indexed.Store(hdr.Seq)
	h.savedSeq, h.savedAt = hdr.Seq, time.Now()
	h.mu.Unlock()
	h.log.Info("hub: the usage index was read from its snapshot", "rollups", len(es)-gone, "gone", gone,
		"upTo", hdr.Seq, "streamLast", info.State.LastSeq, "read", snap.took.Round(time.Millisecond), "indexed", time.Since(start).Round(time.Millisecond))
	return hdr.Seq + 1, nil
}

// saveIndex writes the snapshot when the index changed since the last
// one and force is set or the cadence says so (indexEvery, indexAfter).
func (h *Hub) saveIndex(force bool) error {
	h.mu.Lock()
	seq := h.indexed.Load()
	due := seq != h.savedSeq && (force || time.Since(h.savedAt) >= indexEvery || seq-h.savedSeq >= indexAfter)
	if !due || h.usageCreated.IsZero() {
		h.mu.Unlock()
		return nil
	}
	var es []*indexed
	for _, days := range h.usage {
		for _, kids := range days {
			for _, e := range kids {
				es = append(es, e)
			}
		}
	}
	hdr := indexHeader{Version: indexVersion, Hub: h.id, Shape: rollupShape, Stream: h.usageCreated, Seq: seq, Count: len(es)}
	h.mu.Unlock()

	start := time.Now()
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	if err := enc.Encode(hdr); err != nil {
		return fmt.Errorf("hub: the usage index's snapshot: %w", err)
	}
	if err := enc.Encode(es); err != nil {
		return fmt.Errorf("hub: the usage index's snapshot: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	if err := writeFileAtomic(filepath.Join(h.cfg.DataDir, indexFile), buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("hub: the usage index's snapshot: %w", err)
	}
	h.mu.Lock()
	h.savedSeq, h.savedAt = seq, time.Now()
	h.mu.Unlock()
	h.log.Info("hub: the usage index was saved", "rollups", len(es), "upTo", seq, "bytes", buf.Len(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}
