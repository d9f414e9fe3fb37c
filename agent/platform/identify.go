package platform

import (
	"fmt"
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
	fi, err := f.Stat()
	if err != nil {
		return facts.Program{}, err
	}
	if !fi.Mode().IsRegular() {
		return facts.Program{}, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	sum, err := h.hashFile(f)
	if err != nil {
		return facts.Program{Path: path}, err
	}
	p := facts.Program{Path: path, SHA256: sum}
	key, stamp := fileIdentity(f, fi)
	if id, ok := h.ids.get(key, stamp); ok {
		p.ID = id
		return p, nil
	}
	id, err := ident.Of(f, fi.Size())
	if err != nil {
		// A malformed ELF or PE file: its content hash is its identity.
		slog.Debug("platform: no identity", "path", path, "err", err)
	}
	h.ids.put(key, stamp, id)
	p.ID = id
	return p, nil
}
