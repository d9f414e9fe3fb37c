// Package hubsync is the PC's side of a kidtime hub (agent/hub): it enrols
// with a one-time token over TLS pinned to the hub's certificate authority,
// keeps the PC's own credentials (an nkey seed that never leaves the PC,
// root-only), and then keeps a connection: it says hello, publishes the
// children's daily rollups with idempotent message ids, forwards a signed
// policy, and hands every signed policy the hub publishes to the daemon,
// the newest one again at each (re)connect.
package hubsync

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
)

// CredsFile is the credentials' file name in the daemon's data folder.
const CredsFile = "hub-creds.json"

// Creds are what a joined PC keeps (0600 in the daemon's data folder).
type Creds struct {
	Hub         string    `json:"hub"`         // HOST:PORT
	Fingerprint string    `json:"fingerprint"` // of the hub's CA: the TLS pin
	HubID       string    `json:"hubId"`
	PC          string    `json:"pc"`   // this PC's id on the hub
	Name        string    `json:"name"` // this PC's name on the hub
	Seed        string    `json:"seed"` // the nkey seed (secret)
	Joined      time.Time `json:"joined"`
	// Kind is the hub's kind as the PC last learnt it (the enrolment's
	// reply, then each connect): wire.KindFamily or wire.KindSchool ("" in
	// older credentials: a school until the hub says otherwise).
	Kind string `json:"kind,omitempty"`
}

// Family reports whether the hub is a family's.
func (c Creds) Family() bool { return c.Kind == wire.KindFamily }

// URL is the hub's NATS URL.
func (c Creds) URL() string { return "tls://" + c.Hub }

// LoadCreds reads the credentials in dir; ok is false when the PC has not
// joined.
func LoadCreds(dir string) (c Creds, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, CredsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("read the hub credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Seed == "" || c.Hub == "" {
		return c, false, fmt.Errorf("the hub credentials %s are unreadable; leave and join again", filepath.Join(dir, CredsFile))
	}
	return c, true, nil
}

// SaveCreds writes the credentials, readable by root (the daemon) only.
func SaveCreds(dir string, c Creds) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, CredsFile)
	tmp, err := os.CreateTemp(dir, "."+CredsFile+".*")
	if err != nil {
		return fmt.Errorf("keep the hub credentials: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("keep the hub credentials: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("keep the hub credentials: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keep the hub credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keep the hub credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("keep the hub credentials: %w", err)
	}
	return nil
}

// RemoveCreds forgets the hub.
func RemoveCreds(dir string) error {
	err := os.Remove(filepath.Join(dir, CredsFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("forget the hub credentials: %w", err)
	}
	return nil
}
