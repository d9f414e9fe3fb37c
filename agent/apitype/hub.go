package apitype

import (
	"os"
	"runtime"
	"time"
)

// The hub (issue 13). The hub process (kidtimed hub run) serves its own
// local socket (/run/kidtime/hub.sock, or $KIDTIME_HUB_SOCKET) with
// RouteHealth and the RouteHub* routes below, administrators only; a
// joined PC's daemon serves RouteJoin, RouteHubLeave and RouteHubPolicy
// (forwarded through the hub) on its usual socket.
// EnvHubSocket overrides the hub socket's path: the hub serves it, the CLI
// and the parents' console reach it there.
const EnvHubSocket = "KIDTIME_HUB_SOCKET"

// HubSocket is the hub's local admin socket: $KIDTIME_HUB_SOCKET, else the
// system's (/run/kidtime/hub.sock, on Windows the pipe \\.\pipe\kidtime-hub);
// named tells whether the environment named it.
func HubSocket() (path string, named bool) {
	if p := os.Getenv(EnvHubSocket); p != "" {
		return p, true
	}
	if runtime.GOOS == "windows" {
		return `\\.\pipe\kidtime-hub`, false
	}
	return "/run/kidtime/hub.sock", false
}

const (
	RouteHubInvites = "/v1/hub/invites" // POST admin (hub) HubInviteRequest -> HubInvite
	RouteHubPCs     = "/v1/hub/pcs"     // GET admin (hub) -> []HubPC ; + "/" + NAME: DELETE admin (hub) -> OK (revoke)
	RouteHubPolicy  = "/v1/hub/policy"  // PUT admin, a signed policy file's bytes -> HubPublished (hub: stored; PC: forwarded)
	RouteJoin       = "/v1/hub/join"    // POST admin (PC) JoinRequest -> HubStatus ; DELETE admin (PC): leave -> OK
)

// HubInviteRequest asks the hub for a one-time enrolment token.
type HubInviteRequest struct {
	Name       string `json:"name,omitempty"` // the PC it is meant for (the default name at join)
	ExpiresSec int64  `json:"expiresSec"`     // how long it lives (1 s to 30 days)
	Hub        string `json:"hub,omitempty"`  // HOST:PORT the PC will reach the hub at ("" = the hub's own guess)
}

// HubInvite is a one-time enrolment token (kidtime hub invite --json).
type HubInvite struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	Hub     string    `json:"hub"`
	Kind    string    `json:"kind,omitempty"` // family | school: the hub's kind
}

// HubPC is a PC joined to the hub (kidtime hub pcs --json).
type HubPC struct {
	Name          string    `json:"name"`
	OS            string    `json:"os"`
	Version       string    `json:"version"`
	Online        bool      `json:"online"`
	LastSeen      time.Time `json:"lastSeen,omitzero"`
	ChildrenToday int       `json:"childrenToday"`
	Tamper7d      int       `json:"tamper7d"` // tamper events in the last 7 days
}

// HubPublished is a signed policy the hub stored for every PC.
type HubPublished struct {
	OK       bool      `json:"ok"`
	Seq      uint64    `json:"seq"`
	KeyID    string    `json:"keyId"`
	SignedAt time.Time `json:"signedAt"`
}

// JoinRequest joins this PC to a hub (kidtime join TOKEN [--name PCNAME]).
type JoinRequest struct {
	Token string `json:"token"`
	Name  string `json:"name,omitempty"` // "" = the invite's name, else the host name
}

// HubStatus is Status.Hub: the hub this PC joined.
type HubStatus struct {
	URL       string     `json:"url"`
	Connected bool       `json:"connected"`
	LastSync  *time.Time `json:"lastSync"` // null until the first exchange
	// Kind is the hub's kind, as the PC last learnt it: "family" (the PCs
	// share the children's days, names and apps) or "school" (they send
	// no names nor per-app totals unless the hub's signed policy says
	// shareNames, and read no other PC's data).
	Kind string `json:"kind"`
}
