package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"
)

// Checkpoint is a small file beside the database that holds what was
// counted since the last write to SQLite: the agent saves it every few
// seconds with one pwrite (the page cache is the kernel's, so a kill -9 of
// the daemon loses nothing written), and writes SQLite far less often. At
// the next start the saved usage is added to the store (adding an interval
// the store already has adds nothing: intervals merge).
//
// The file has two slots of checkpointSlot bytes, written in turn: a write
// cut short leaves the other slot, one save older, to read.
type Checkpoint struct {
	f   *os.File
	seq uint64
	buf []byte
}

// Saved is what a checkpoint holds.
type Saved struct {
	Usage []Interval `json:"usage,omitempty"`
	// Mark is the trusted clock's mark (agent/clock), newer than the
	// store's setting.
	Mark []byte `json:"mark,omitempty"`
}

// ErrCheckpointFull is returned by Save when what is to be saved does not
// fit a slot: the caller writes the store instead.
var ErrCheckpointFull = errors.New("store: checkpoint full")

const (
	checkpointSlot = 4096
	// checkpointMagic marks a slot in the binary form (encodeSaved);
	// checkpointJSON one an earlier version wrote as JSON (still read, so
	// an upgrade over an unclean stop loses nothing).
	checkpointMagic = "KTC2"
	checkpointJSON  = "KTC1"
	checkpointHead  = 4 + 8 + 4 + 4 // magic, sequence, length, CRC-32
)

// OpenCheckpoint opens (or makes, 0600) the checkpoint file at path and
// returns what its newest whole slot holds.
func OpenCheckpoint(path string) (*Checkpoint, Saved, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, Saved{}, fmt.Errorf("store: open checkpoint: %w", err)
	}
	c := &Checkpoint{f: f, buf: make([]byte, checkpointSlot)}
	var best Saved
	found := false
	for slot := range 2 {
		seq, s, ok := c.readSlot(slot)
		if ok && (!found || seq > c.seq) {
			c.seq, best, found = seq, s, true
		}
	}
	return c, best, nil
}

// readSlot reads one slot; ok is false for an empty, cut or unknown one.
func (c *Checkpoint) readSlot(slot int) (seq uint64, s Saved, ok bool) {
	b := c.buf
	n, err := c.f.ReadAt(b, int64(slot*checkpointSlot))
	if err != nil && !errors.Is(err, io.EOF) || n < checkpointHead {
		return 0, Saved{}, false
	}
	magic := string(b[:4])
	if magic != checkpointMagic && magic != checkpointJSON {
		return 0, Saved{}, false
	}
	seq = binary.LittleEndian.Uint64(b[4:])
	size := int(binary.LittleEndian.Uint32(b[12:]))
	sum := binary.LittleEndian.Uint32(b[16:])
	if size > n-checkpointHead {
		return 0, Saved{}, false
	}
	payload := b[checkpointHead : checkpointHead+size]
	if crc32.ChecksumIEEE(payload) != sum {
		return 0, Saved{}, false
	}
	if magic == checkpointJSON {
		if json.Unmarshal(payload, &s) != nil {
			return 0, Saved{}, false
		}
		return seq, s, true
	}
	s, err = decodeSaved(payload)
	if err != nil {
		return 0, Saved{}, false
	}
	return seq, s, true
}

// encodeSaved appends s to b: the number of intervals, each one's fields
// (strings as length and bytes, times as Unix nanoseconds, the end as its
// distance from the start), then the clock's mark. JSON cost four times
// the CPU of the rest of a quiet tick's save (issue 9).
func encodeSaved(b []byte, s Saved) []byte {
	str := func(b []byte, v string) []byte { return append(binary.AppendUvarint(b, uint64(len(v))), v...) }
	b = binary.AppendUvarint(b, uint64(len(s.Usage)))
	for _, iv := range s.Usage {
		b = str(b, iv.Child)
		b = binary.AppendVarint(b, iv.AppID)
		b = str(b, string(iv.Kind))
		b = str(b, iv.Session)
		b = str(b, iv.Day)
		b = binary.AppendVarint(b, iv.Start.UnixNano())
		b = binary.AppendVarint(b, iv.End.UnixNano()-iv.Start.UnixNano())
	}
	b = binary.AppendUvarint(b, uint64(len(s.Mark)))
	return append(b, s.Mark...)
}

var errCheckpointShape = errors.New("store: checkpoint: cut or malformed")

// savedReader reads what encodeSaved wrote; its first failure sticks.
type savedReader struct {
	b  []byte
	ok bool
}

func (r *savedReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.ok = false
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *savedReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.ok = false
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *savedReader) str() string {
	l := r.uvarint()
	if !r.ok || l > uint64(len(r.b)) {
		r.ok = false
		return ""
	}
	v := string(r.b[:l])
	r.b = r.b[l:]
	return v
}

// decodeSaved reads what encodeSaved wrote; anything cut short or left
// over is an error (the slot is then not taken).
func decodeSaved(b []byte) (Saved, error) {
	r := &savedReader{b: b, ok: true}
	count := r.uvarint()
	if !r.ok || count > checkpointSlot {
		return Saved{}, errCheckpointShape
	}
	var s Saved
	for range count {
		x := Interval{Child: r.str(), AppID: r.varint(), Kind: Kind(r.str()), Session: r.str(), Day: r.str()}
		start := r.varint()
		end := start + r.varint()
		if !r.ok {
			return Saved{}, errCheckpointShape
		}
		x.Start, x.End = time.Unix(0, start), time.Unix(0, end)
		s.Usage = append(s.Usage, x)
	}
	if mark := r.str(); mark != "" {
		s.Mark = []byte(mark)
	}
	if !r.ok || len(r.b) != 0 {
		return Saved{}, errCheckpointShape
	}
	return s, nil
}

// Save writes s into the older slot with one pwrite (no fsync: it is there
// for a killed daemon, not for a lost power supply, like the database's
// own synchronous=NORMAL).
func (c *Checkpoint) Save(s Saved) error {
	// Encoded in place, after the head: no allocation on the idle path.
	b := encodeSaved(c.buf[:checkpointHead], s)
	if len(b) > checkpointSlot {
		return ErrCheckpointFull
	}
	payload := b[checkpointHead:]
	seq := c.seq + 1
	copy(b, checkpointMagic)
	binary.LittleEndian.PutUint64(b[4:], seq)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[16:], crc32.ChecksumIEEE(payload))
	if err := pwrite(c.f, b, int64(seq%2)*checkpointSlot); err != nil {
		return fmt.Errorf("store: write checkpoint: %w", err)
	}
	c.seq = seq
	return nil
}

// Close closes the file.
func (c *Checkpoint) Close() error {
	if err := c.f.Close(); err != nil {
		return fmt.Errorf("store: close checkpoint: %w", err)
	}
	return nil
}
