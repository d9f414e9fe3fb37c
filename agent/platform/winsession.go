package platform

// The pure half of the Windows session source (winsession_windows.go): how a
// row of WTSEnumerateSessions and WTSQuerySessionInformation becomes a
// [Session], and how the lock state is read out of WTSINFOEXW.

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// WTS_CONNECTSTATE_CLASS.
const (
	wtsActive       = 0 // a user is logged on and the session is connected (console or RDP)
	wtsConnected    = 1 // connected to a client, no user yet
	wtsConnectQuery = 2 // being connected
	wtsShadow       = 3 // shadowing another session
	wtsDisconnected = 4 // a user is logged on, nobody is at it (switched away, RDP dropped)
	wtsIdle         = 5 // waiting for a client (not input idleness)
	wtsListen       = 6 // a listener (RDP-Tcp)
	wtsReset        = 7
	wtsDown         = 8
	wtsInit         = 9
)

// wtsStateName is the name Session.State carries for a WTS state.
func wtsStateName(state uint32) string {
	switch state {
	case wtsActive:
		return "active"
	case wtsConnected:
		return "connected"
	case wtsConnectQuery:
		return "connecting"
	case wtsShadow:
		return "shadow"
	case wtsDisconnected:
		return "disconnected"
	case wtsIdle:
		return "idle"
	case wtsListen:
		return "listen"
	case wtsReset:
		return "reset"
	case wtsDown:
		return "down"
	case wtsInit:
		return "init"
	}
	return "state-" + strconv.FormatUint(uint64(state), 10)
}

// wtsRow is what the session source learns about one WTS session.
type wtsRow struct {
	ID      uint32
	State   uint32
	Station string // WinStationName: "Console", "RDP-Tcp#3", "Services"
	User    string // WTSUserName
	Domain  string // WTSDomainName
	SID     string // the user's SID (from the session's token, or by name)
	// Locked and LockKnown come from WTSSessionInfoEx (see wtsLockState).
	Locked, LockKnown bool
}

// sessionFromWTS turns a row into a Session for the agent, or reports false
// for rows that are no user's session: session 0 (services), listeners,
// sessions with nobody logged on, and sessions being torn down or set up.
// A disconnected session (fast user switching, dropped RDP) is kept with
// Active false: its user is logged on and their processes keep running.
// Idle stays false: WTS has no input idleness; the companion reports it.
func sessionFromWTS(r wtsRow, computer string) (Session, bool) {
	if r.ID == 0 || r.User == "" || r.SID == "" {
		return Session{}, false
	}
	switch r.State {
	case wtsListen, wtsReset, wtsDown, wtsInit:
		return Session{}, false
	}
	s := Session{
		ID:     strconv.FormatUint(uint64(r.ID), 10),
		UID:    SIDToUID(r.SID),
		User:   accountName(r.User, r.Domain, computer),
		Active: r.State == wtsActive,
		Locked: r.LockKnown && r.Locked,
		Type:   "wts",
		Class:  "user",
		State:  wtsStateName(r.State),
		TTY:    r.Station,
		Remote: strings.HasPrefix(strings.ToUpper(r.Station), "RDP-"),
	}
	return s, true
}

// WTSINFOEX_LEVEL1_W.SessionFlags values.
const (
	wtsSessionStateLock    = 0
	wtsSessionStateUnlock  = 1
	wtsSessionStateUnknown = -1 // 0xFFFFFFFF
)

// wtsLockState reads the lock state out of the WTSINFOEXW buffer that
// WTSQuerySessionInformationW(WTSSessionInfoEx) returns for session id:
// DWORD Level (1), then, 8-aligned because the union holds LARGE_INTEGERs,
// WTSINFOEX_LEVEL1_W { ULONG SessionId; WTS_CONNECTSTATE_CLASS SessionState;
// LONG SessionFlags; … }, so the level is at byte 0, the session id at 8 and
// the flags at 16, on 32- and 64-bit Windows alike. known is false for a
// short or foreign buffer and for WTS_SESSIONSTATE_UNKNOWN. (Windows 7 and
// Server 2008 R2 reported the two states swapped; Go no longer runs there.)
func wtsLockState(buf []byte, id uint32) (locked, known bool) {
	if len(buf) < 20 {
		return false, false
	}
	le := binary.LittleEndian
	if le.Uint32(buf[0:]) != 1 || le.Uint32(buf[8:]) != id {
		return false, false
	}
	switch int32(le.Uint32(buf[16:])) {
	case wtsSessionStateLock:
		return true, true
	case wtsSessionStateUnlock:
		return false, true
	case wtsSessionStateUnknown:
	}
	return false, false
}

// parseSessionID parses a Session.ID of the WTS source for an action on
// it; session 0, where services run, is refused.
func parseSessionID(id string) (uint32, error) {
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("platform: %q is not a Windows session id", id)
	}
	if n == 0 {
		return 0, fmt.Errorf("platform: session 0 is the services' session, not a user's")
	}
	return uint32(n), nil
}
