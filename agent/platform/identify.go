package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ident"
)

// idCache keeps files' identities (agent/ident) by file identity and stamp,
// like the Hasher's sums: a file is parsed once until it changes. Its zero
// value is ready.
type idCache struct {
	mu sync.Mutex
	m  map[fileKey]idEntry
}

type idEntry struct {
	stamp fileStamp
	id    string
}

// maxIDs bounds the identities kept; past it the cache starts again.
const maxIDs = 4096

func (c *idCache) get(key fileKey, stamp fileStamp) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e.id, ok && e.stamp == stamp
}

func (c *idCache) put(key fileKey, stamp fileStamp, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxIDs {
		c.m = map[fileKey]idEntry{}
	}
	c.m[key] = idEntry{stamp, id}
}

// IdentifyFile identifies the program file at path: its content hash and
// its identity (agent/ident), both cached by device, inode, size, mtime and
// ctime. It does not follow hosts: the file is the program.
func (h *Hasher) IdentifyFile(path string) (facts.Program, error) {
	f, err := os.Open(path)
	if err != nil {
		return facts.Program{}, fmt.Errorf("platform: identify %s: %w", path, err)
	}
	defer f.Close()
	p, err := h.identifyOpen(f, path)
	if err != nil {
		return facts.Program{}, fmt.Errorf("platform: identify %s: %w", path, err)
	}
	return p, nil
}

// identifyOpen identifies an open regular file shown as path.
func (h *Hasher) identifyOpen(f *os.File, path string) (facts.Program, error) {
	st, err := statOpen(f)
	if err != nil {
		return facts.Program{}, err
	}
	if !st.regular() {
		return facts.Program{}, fmt.Errorf("not a regular file (%s)", st.mode)
	}
	key, stamp := st.key, st.stamp
	if st.size() > maxWholeHash {
		// A file this big (a sparse one costs nothing to make) would hold
		// the exec path for seconds: it is known by its size and its head.
		id, ok := h.ids.get(key, stamp)
		if !ok {
			if id, err = headID(f, st.size()); err != nil {
				return facts.Program{Path: path}, err
			}
			h.ids.put(key, stamp, id)
		}
		return facts.Program{Path: path, ID: id}, nil
	}
	sum, err := h.hashKnown(f, key, stamp)
	if err != nil {
		return facts.Program{Path: path}, err
	}
	p := facts.Program{Path: path, SHA256: sum}
	if id, ok := h.ids.get(key, stamp); ok {
		p.ID = id
		return p, nil
	}
	id, err := ident.Of(f, st.size())
	if err != nil {
		// A malformed ELF or PE file: its content hash is its identity.
		slog.Debug("platform: no identity", "path", path, "err", err)
	}
	h.ids.put(key, stamp, id)
	p.ID = id
	return p, nil
}

// maxWholeHash is the largest file identified by its whole content;
// headBytes is what is hashed of a bigger one.
const (
	maxWholeHash = 512 << 20
	headBytes    = 16 << 20
)

// headID is the identity of a file too big to hash whole: its size and a
// hash of its first headBytes.
func headID(f *os.File, size int64) (string, error) {
	d := sha256.New()
	fmt.Fprintf(d, "%d\x00", size)
	if _, err := io.Copy(d, io.NewSectionReader(f, 0, headBytes)); err != nil {
		return "", fmt.Errorf("hash the head: %w", err)
	}
	return "head:" + hex.EncodeToString(d.Sum(nil)), nil
}
