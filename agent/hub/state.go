package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// The hub's registry: the PCs that joined, the invitations it handed out
// (by the hash of their secret only), and the keys it revoked. It is small
// (a school is a few hundred PCs), kept in memory, and written whole to
// hub.json (0600) through a rename at every change; the PCs' last-seen
// times are written with the next change or every minute.

const stateFile = "hub.json"

type invite struct {
	Hash    string    `json:"hash"`
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Used    time.Time `json:"used,omitzero"`
	UsedBy  string    `json:"usedBy,omitempty"` // the PC id that used it
}

type pcRecord struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Nkey     string    `json:"nkey"`
	OS       string    `json:"os"`
	Version  string    `json:"version"`
	Joined   time.Time `json:"joined"`
	LastSeen time.Time `json:"lastSeen,omitzero"`
}

type state struct {
	// Kind is wire.KindFamily or wire.KindSchool, as the last run said
	// ("" in a registry older than kinds).
	Kind    string     `json:"kind,omitempty"`
	Invites []invite   `json:"invites"`
	PCs     []pcRecord `json:"pcs"`
	// Revoked are the nkeys of removed PCs: the server refuses them.
	Revoked []string `json:"revoked"`
}

func loadState(path string) (state, error) {
	var st state
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read the hub's registry: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("the hub's registry %s is unreadable: %w", path, err)
	}
	return st, nil
}

func (st *state) save(path string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b, 0o600)
}

func (st *state) pcByNkey(nkey string) *pcRecord {
	for i := range st.PCs {
		if st.PCs[i].Nkey == nkey {
			return &st.PCs[i]
		}
	}
	return nil
}

func (st *state) pcByID(id string) *pcRecord {
	for i := range st.PCs {
		if st.PCs[i].ID == id {
			return &st.PCs[i]
		}
	}
	return nil
}

func (st *state) pcByName(name string) *pcRecord {
	for i := range st.PCs {
		if st.PCs[i].Name == name {
			return &st.PCs[i]
		}
	}
	return nil
}

func (st *state) revoked(nkey string) bool {
	for _, k := range st.Revoked {
		if k == nkey {
			return true
		}
	}
	return false
}

// prune drops invitations expired or used more than 30 days ago.
func (st *state) prune(now time.Time) {
	keep := st.Invites[:0]
	for _, in := range st.Invites {
		if now.Sub(in.Expires) < 30*24*time.Hour {
			keep = append(keep, in)
		}
	}
	st.Invites = keep
}
