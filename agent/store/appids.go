package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// AppIDs maps app identities to the store's app ids and back, in memory:
// the agent counts usage by identity (a content hash, or a hash of a path)
// and asks for an id only when it writes usage.
type AppIDs struct {
	st  *Store
	mu  sync.Mutex
	ids map[string]int64
	key map[int64]string
}

// NewAppIDs loads the ids of every app the store knows.
func NewAppIDs(ctx context.Context, st *Store) (*AppIDs, error) {
	c := &AppIDs{st: st, ids: map[string]int64{}, key: map[int64]string{}}
	apps, err := st.Apps(ctx)
	if err != nil {
		return c, fmt.Errorf("load apps: %w", err)
	}
	for _, ap := range apps {
		c.ids[ap.SHA256], c.key[ap.ID] = ap.ID, ap.SHA256
	}
	return c, nil
}

// Keyed turns per-app-id times (Today's PerApp) into per-identity ones.
func (c *AppIDs) Keyed(byID map[int64]time.Duration) map[string]time.Duration {
	out := make(map[string]time.Duration, len(byID))
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, d := range byID {
		if k, ok := c.key[id]; ok {
			out[k] += d
		}
	}
	return out
}

// ID returns the id of the app with identity key, registering app (its
// path, name, category, rating) the first time.
func (c *AppIDs) ID(ctx context.Context, key string, app App) (int64, error) {
	c.mu.Lock()
	id, ok := c.ids[key]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	app.SHA256 = key
	if !isHex64(key) {
		// A made-up identity (tests): the store keeps hex digests only.
		s := sha256.Sum256([]byte("key:" + key))
		app.SHA256 = hex.EncodeToString(s[:])
	}
	got, err := c.st.UpsertApp(ctx, app)
	if err != nil {
		return 0, fmt.Errorf("register app %s: %w", app.Name, err)
	}
	c.mu.Lock()
	c.ids[key], c.key[got.ID] = got.ID, key
	c.mu.Unlock()
	return got.ID, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}
