package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
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
	checkpointSlot  = 4096
	checkpointMagic = "KTC1"
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
	if err != nil && !errors.Is(err, io.EOF) || n < checkpointHead || string(b[:4]) != checkpointMagic {
		return 0, Saved{}, false
	}
	seq = binary.LittleEndian.Uint64(b[4:])
	size := int(binary.LittleEndian.Uint32(b[12:]))
	sum := binary.LittleEndian.Uint32(b[16:])
	if size > n-checkpointHead {
		return 0, Saved{}, false
	}
	payload := b[checkpointHead : checkpointHead+size]
	if crc32.ChecksumIEEE(payload) != sum || json.Unmarshal(payload, &s) != nil {
		return 0, Saved{}, false
	}
	return seq, s, true
}

// Save writes s into the older slot with one pwrite (no fsync: it is there
// for a killed daemon, not for a lost power supply, like the database's
// own synchronous=NORMAL).
func (c *Checkpoint) Save(s Saved) error {
	payload, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	if checkpointHead+len(payload) > checkpointSlot {
		return ErrCheckpointFull
	}
	seq := c.seq + 1
	b := c.buf[:checkpointHead+len(payload)]
	copy(b, checkpointMagic)
	binary.LittleEndian.PutUint64(b[4:], seq)
	binary.LittleEndian.PutUint32(b[12:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[16:], crc32.ChecksumIEEE(payload))
	copy(b[checkpointHead:], payload)
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
