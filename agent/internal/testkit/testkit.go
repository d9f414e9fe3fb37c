// Package testkit holds the fakes the agent's tests share: the machine's
// accounts (family.Users) and an in-memory listener whose connections
// declare their caller's identity (ipc.DeclaredPeer). Under agent/internal,
// no command can link it.
package testkit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ipc"
)

// Users are a machine's accounts (family.Users).
type Users struct {
	mu sync.Mutex
	m  map[string]facts.Account
	// CreateErr, when set, is what Create returns (the system refusing).
	CreateErr error
	// Made are the accounts Create made.
	Made []facts.NewAccount
}

// Create makes a standard account (useradd), with the next free uid from
// 52000 (family.AccountMaker).
func (u *Users) Create(_ context.Context, a facts.NewAccount) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.CreateErr != nil {
		return u.CreateErr
	}
	if _, ok := u.m[a.Name]; ok {
		return fmt.Errorf("useradd %s: %w", a.Name, fs.ErrExist)
	}
	uid := uint32(52000)
	for _, x := range u.m {
		if x.UID >= uid {
			uid = x.UID + 1
		}
	}
	u.m[a.Name] = facts.Account{Name: a.Name, UID: uid, FullName: a.FullName}
	u.Made = append(u.Made, a)
	return nil
}

// SetFullName gives an account a person's name (GECOS).
func (u *Users) SetFullName(name, full string) {
	u.mu.Lock()
	a := u.m[name]
	a.FullName = full
	u.m[name] = a
	u.mu.Unlock()
}

// Add adds an account (useradd while the agent runs).
func (u *Users) Add(name string, uid uint32, admin bool) {
	u.mu.Lock()
	u.m[name] = facts.Account{Name: name, UID: uid, Admin: admin}
	u.mu.Unlock()
}

// Lookup returns an account's uid.
func (u *Users) Lookup(name string) (uint32, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if a, ok := u.m[name]; ok {
		return a.UID, nil
	}
	return 0, fmt.Errorf("no account %q", name)
}

// IsAdmin reports whether uid is an administrator's (root always is).
func (u *Users) IsAdmin(uid uint32) (bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, a := range u.m {
		if a.UID == uid {
			return a.Admin, nil
		}
	}
	return uid == 0, nil
}

// List lists the accounts by name.
func (u *Users) List() ([]facts.Account, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]facts.Account, 0, len(u.m))
	for _, a := range u.m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b facts.Account) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// NewUsers returns the accounts given.
func NewUsers(accs ...facts.Account) *Users {
	u := &Users{m: map[string]facts.Account{}}
	for _, a := range accs {
		u.m[a.Name] = a
	}
	return u
}

// Listener is an in-memory listener whose connections declare their
// caller's identity (ipc.DeclaredPeer).
type Listener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// NewListener returns an open listener.
func NewListener() *Listener {
	return &Listener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// ErrClosed is returned by Accept and Dial once the listener is closed.
var ErrClosed = errors.New("agenttest: listener closed")

// Accept waits for the next connection.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, ErrClosed
	}
}

// Close stops accepting.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr names the listener.
func (l *Listener) Addr() net.Addr { return addr{} }

// Dial connects as peer.
func (l *Listener) Dial(ctx context.Context, peer ipc.Peer) (net.Conn, error) {
	c, s := net.Pipe()
	select {
	case l.conns <- declared{Conn: s, peer: peer}:
		return c, nil
	case <-l.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type declared struct {
	net.Conn
	peer ipc.Peer
}

func (d declared) DeclaredPeer() ipc.Peer { return d.peer }

type addr struct{}

func (addr) Network() string { return "agenttest" }
func (addr) String() string  { return "agenttest" }
