// Package ipc is the local transport between kidtimed and its clients (the
// CLI, the parents' console and the child's companion), and the source of
// each caller's identity.
//
// On Unix the transport is a stream socket (DefaultPath, normally
// /run/kidtime/kidtimed.sock) whose file mode is 0666: anyone on the machine
// may connect, because the gate is not the file mode but the identity the
// kernel attaches to every connection (SO_PEERCRED on Linux, LOCAL_PEERCRED
// on macOS). PeerOf reads that identity; the API decides what the caller may
// do with it.
//
// On Windows the transport is the named pipe \\.\pipe\kidtimed, whose
// security descriptor lets authenticated users connect, and the identity is
// the pipe client's token (the client dials at the Identification
// impersonation level so that the server can read it, never act as it).
//
// Beside it, the administrators' socket or pipe (AdminPath:
// kidtimed-admin.sock, \\.\pipe\kidtimed-admin) admits administrators only,
// and DialAny tries it first, so that a flood of connections to the shared
// one keeps no administrator out.
package ipc

import (
	"net"
	"os"
	"slices"
)

// EnvSocket names the environment variable that overrides DefaultPath, for
// development (`make run` as an ordinary user) and tests.
const EnvSocket = "KIDTIME_SOCKET"

// AdminGroup is the group whose members administer kidtime without being
// root or a general administrator of the machine.
const AdminGroup = "kidtime-admin"

// Peer is the identity of the process at the other end of a connection, as
// the operating system reports it. Nothing in it comes from the caller's own
// words.
type Peer struct {
	// UID is the caller's user id. On Windows, which has no uids, it is a
	// stable 32-bit hash of SID (see SIDToUID); SID is the authority there.
	UID uint32
	// GID is the caller's primary group id (0 on Windows).
	GID uint32
	// PID is the caller's process id at connect time (0 where unknown).
	PID int
	// Username is the account name, empty if the account database does not
	// know the uid.
	Username string
	// Groups are the names of the account's groups (supplementary and
	// primary) as the account database lists them; on Windows, the groups in
	// the client's token.
	Groups []string
	// SID is the caller's security identifier (Windows only).
	SID string
	// IsAdmin reports an administrator of the machine: root, a member of
	// sudo/wheel/admin/kidtime-admin, or on Windows LocalSystem, an elevated
	// token, a member of the local Administrators group or of kidtime-admin.
	IsAdmin bool
}

// InGroup reports whether the peer's account belongs to the named group.
func (p Peer) InGroup(name string) bool {
	return slices.Contains(p.Groups, name)
}

// DefaultPath is where kidtimed listens and clients dial: the value of
// $KIDTIME_SOCKET if set, otherwise the platform's default.
func DefaultPath() string {
	if p := os.Getenv(EnvSocket); p != "" {
		return p
	}
	return defaultPath
}

// DeclaredPeer is a connection that carries its caller's identity itself:
// an in-process connection made by a test harness (agent/agenttest), the
// way tailscale's ipnauth.TestActor stands in for a real caller. Nothing
// the OS hands the daemon (ipc.Listen's sockets and pipes) is one, and no
// caller outside the daemon's own process can make one.
type DeclaredPeer interface {
	net.Conn
	DeclaredPeer() Peer
}

// PeerOf returns the identity of the process at the other end of c, as the
// OS reports it (SO_PEERCRED, LOCAL_PEERCRED, the pipe client's token).
func PeerOf(c net.Conn) (Peer, error) {
	c = unwrap(c)
	if d, ok := c.(DeclaredPeer); ok {
		return d.DeclaredPeer(), nil
	}
	return osPeerOf(c)
}

// unwrap returns the connection inside wrappers that name it (NetConn, as
// crypto/tls does): the identity is the inner socket's or pipe's.
func unwrap(c net.Conn) net.Conn {
	for {
		w, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return c
		}
		c = w.NetConn()
	}
}

// PeerUID is the uid of the process at the other end of c, without the
// account's name and groups: the cheap look a connection limit needs.
func PeerUID(c net.Conn) (uint32, error) {
	c = unwrap(c)
	if d, ok := c.(DeclaredPeer); ok {
		return d.DeclaredPeer().UID, nil
	}
	return osPeerUID(c)
}
