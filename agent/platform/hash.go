package platform

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
)

// Hasher computes SHA-256 sums of executables and caches them by file
// identity: device and inode (the path on Windows), validated by size,
// modification time and change time. Renaming or copying a file cannot
// escape its hash, and rewriting it in place (even with the old mtime put
// back, which does not restore ctime) invalidates the entry. It is safe for
// concurrent use; concurrent requests for the same file hash it once.
type Hasher struct {
	max int

	mu       sync.Mutex
	lru      *list.List // of *hashEntry, most recent first
	byKey    map[fileKey]*list.Element
	inflight map[fileKey]*hashCall

	ids idCache // identities (identify.go)
}

// fileKey identifies a file. path is set only where no inode exists (on
// Windows, when the handle's file index cannot be read).
type fileKey struct {
	dev, ino uint64
	//lint:ignore U1000 set on Windows only (fileid_windows.go)
	path string
}

// fileStamp changes whenever the content may have changed.
type fileStamp struct {
	size         int64
	mtime, ctime int64
}

// fileStat is what identifying an open file needs of its metadata
// (statOpen, one per platform).
type fileStat struct {
	mode  fs.FileMode // the type bits only: 0 for a regular file
	key   fileKey
	stamp fileStamp
}

func (s fileStat) regular() bool { return s.mode&fs.ModeType == 0 }
func (s fileStat) size() int64   { return s.stamp.size }

type hashEntry struct {
	key   fileKey
	stamp fileStamp
	sum   string
}

type hashCall struct {
	done  chan struct{}
	stamp fileStamp
	sum   string
	err   error
}

// NewHasher returns a Hasher that keeps at most max sums (least recently
// used dropped first). max <= 0 disables the cache.
func NewHasher(max int) *Hasher {
	return &Hasher{
		max:      max,
		lru:      list.New(),
		byKey:    map[fileKey]*list.Element{},
		inflight: map[fileKey]*hashCall{},
	}
}

// Hash returns the hex SHA-256 of the file at path.
func (h *Hasher) Hash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("platform: hash %s: %w", path, err)
	}
	defer f.Close()
	sum, err := h.hashFile(f)
	if err != nil {
		return "", fmt.Errorf("platform: hash %s: %w", path, err)
	}
	return sum, nil
}

// Len returns the number of cached sums.
func (h *Hasher) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lru.Len()
}

// hashFile hashes an open file, from the cache when its identity and stamp
// match.
func (h *Hasher) hashFile(f *os.File) (string, error) {
	st, err := statOpen(f)
	if err != nil {
		return "", err
	}
	return h.hashKnown(f, st.key, st.stamp)
}

// hashKnown is hashFile for a file whose identity and stamp the caller
// already read (identifyOpen: one stat a process, not two).
func (h *Hasher) hashKnown(f *os.File, key fileKey, stamp fileStamp) (string, error) {
	h.mu.Lock()
	if el, ok := h.byKey[key]; ok {
		e := el.Value.(*hashEntry)
		if e.stamp == stamp {
			h.lru.MoveToFront(el)
			h.mu.Unlock()
			return e.sum, nil
		}
	}
	if c, ok := h.inflight[key]; ok {
		h.mu.Unlock()
		<-c.done
		if c.err == nil && c.stamp == stamp {
			return c.sum, nil
		}
		// The other hash saw another version or failed: hash ourselves.
		return h.compute(f, stamp)
	}
	c := &hashCall{done: make(chan struct{}), stamp: stamp}
	h.inflight[key] = c
	h.mu.Unlock()

	c.sum, c.err = h.compute(f, stamp)
	h.mu.Lock()
	delete(h.inflight, key)
	if c.err == nil {
		h.store(key, stamp, c.sum)
	}
	h.mu.Unlock()
	close(c.done)
	return c.sum, c.err
}

// compute hashes f and checks it did not change while being read.
func (h *Hasher) compute(f *os.File, stamp fileStamp) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	d := sha256.New()
	if _, err := io.Copy(d, f); err != nil {
		return "", err
	}
	after, err := statOpen(f)
	if err != nil {
		return "", err
	}
	if after.stamp != stamp {
		return "", fmt.Errorf("file changed while it was hashed")
	}
	return hex.EncodeToString(d.Sum(nil)), nil
}

// store caches a sum; h.mu must be held.
func (h *Hasher) store(key fileKey, stamp fileStamp, sum string) {
	if h.max <= 0 {
		return
	}
	if el, ok := h.byKey[key]; ok {
		el.Value = &hashEntry{key, stamp, sum}
		h.lru.MoveToFront(el)
		return
	}
	h.byKey[key] = h.lru.PushFront(&hashEntry{key, stamp, sum})
	for h.lru.Len() > h.max {
		old := h.lru.Back()
		h.lru.Remove(old)
		delete(h.byKey, old.Value.(*hashEntry).key)
	}
}
