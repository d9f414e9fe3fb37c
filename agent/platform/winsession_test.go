package platform

import (
	"encoding/binary"
	"strings"
	"testing"
)

const childSID = "S-1-5-21-1-2-3-1001"

func TestSessionFromWTS(t *testing.T) {
	cases := []struct {
		why  string
		row  wtsRow
		ok   bool
		want Session // checked when ok
	}{
		{"the child at the console, unlocked, is an active session",
			wtsRow{ID: 1, State: wtsActive, Station: "Console", User: "alice", Domain: "KIDS-PC", SID: childSID, LockKnown: true},
			true, Session{ID: "1", UID: SIDToUID(childSID), User: "alice", Active: true, Type: "wts", Class: "user", State: "active", TTY: "Console"}},
		{"a locked console session is active and locked",
			wtsRow{ID: 1, State: wtsActive, Station: "Console", User: "alice", Domain: "KIDS-PC", SID: childSID, Locked: true, LockKnown: true},
			true, Session{ID: "1", UID: SIDToUID(childSID), User: "alice", Active: true, Locked: true, Type: "wts", Class: "user", State: "active", TTY: "Console"}},
		{"a lock state Windows did not report counts as unlocked (fail closed: time counts)",
			wtsRow{ID: 1, State: wtsActive, Station: "Console", User: "alice", Domain: "KIDS-PC", SID: childSID, Locked: true, LockKnown: false},
			true, Session{ID: "1", UID: SIDToUID(childSID), User: "alice", Active: true, Type: "wts", Class: "user", State: "active", TTY: "Console"}},
		{"a session switched away from (fast user switching) is kept, not active",
			wtsRow{ID: 2, State: wtsDisconnected, User: "alice", Domain: "KIDS-PC", SID: childSID},
			true, Session{ID: "2", UID: SIDToUID(childSID), User: "alice", Type: "wts", Class: "user", State: "disconnected"}},
		{"a remote desktop session is active and remote, its user domain-qualified",
			wtsRow{ID: 3, State: wtsActive, Station: "RDP-Tcp#4", User: "bob", Domain: "SCHOOL", SID: childSID},
			true, Session{ID: "3", UID: SIDToUID(childSID), User: `SCHOOL\bob`, Active: true, Type: "wts", Class: "user", State: "active", TTY: "RDP-Tcp#4", Remote: true}},
		{"session 0 (services) is nobody's session",
			wtsRow{ID: 0, State: wtsDisconnected, Station: "Services", User: "SYSTEM", SID: "S-1-5-18"}, false, Session{}},
		{"the console with nobody logged on (logon screen) is left out",
			wtsRow{ID: 1, State: wtsConnected, Station: "Console"}, false, Session{}},
		{"the RDP listener is left out",
			wtsRow{ID: 65536, State: wtsListen, Station: "RDP-Tcp"}, false, Session{}},
		{"a user whose SID could not be found cannot be keyed by uid and is left out",
			wtsRow{ID: 1, State: wtsActive, User: "ghost"}, false, Session{}},
		{"a session being reset is left out even with a user",
			wtsRow{ID: 4, State: wtsReset, User: "alice", SID: childSID}, false, Session{}},
		{"a session still initializing is left out",
			wtsRow{ID: 4, State: wtsInit, User: "alice", SID: childSID}, false, Session{}},
		{"a session that is down is left out",
			wtsRow{ID: 4, State: wtsDown, User: "alice", SID: childSID}, false, Session{}},
	}
	for _, c := range cases {
		got, ok := sessionFromWTS(c.row, "KIDS-PC")
		if ok != c.ok {
			t.Errorf("%s: ok = %v", c.why, ok)
			continue
		}
		if ok && got != c.want {
			t.Errorf("%s:\n got  %+v\n want %+v", c.why, got, c.want)
		}
	}
}

func TestWTSStateName(t *testing.T) {
	for state, want := range map[uint32]string{
		wtsActive: "active", wtsConnected: "connected", wtsConnectQuery: "connecting", wtsShadow: "shadow",
		wtsDisconnected: "disconnected", wtsIdle: "idle", wtsListen: "listen", wtsReset: "reset", wtsDown: "down", wtsInit: "init",
	} {
		if got := wtsStateName(state); got != want {
			t.Errorf("each WTS state has its name: %d → %q, want %q", state, got, want)
		}
	}
	if got := wtsStateName(42); !strings.Contains(got, "42") {
		t.Errorf("an unknown state keeps its number: %q", got)
	}
}

// infoEx builds a WTSINFOEXW buffer as Windows lays it out: Level at 0,
// WTSINFOEX_LEVEL1_W at 8 (SessionId, SessionState, SessionFlags, names…).
func infoEx(level, id uint32, flags int32, size int) []byte {
	b := make([]byte, size)
	le := binary.LittleEndian
	le.PutUint32(b[0:], level)
	le.PutUint32(b[8:], id)
	le.PutUint32(b[12:], wtsActive)
	le.PutUint32(b[16:], uint32(flags))
	return b
}

func TestWTSLockState(t *testing.T) {
	const full = 8 + 216 // what 64-bit Windows returns; only the first 20 bytes matter
	cases := []struct {
		why           string
		buf           []byte
		id            uint32
		locked, known bool
	}{
		{"WTS_SESSIONSTATE_LOCK is locked", infoEx(1, 2, wtsSessionStateLock, full), 2, true, true},
		{"WTS_SESSIONSTATE_UNLOCK is unlocked", infoEx(1, 2, wtsSessionStateUnlock, full), 2, false, true},
		{"WTS_SESSIONSTATE_UNKNOWN is not known", infoEx(1, 2, wtsSessionStateUnknown, full), 2, false, false},
		{"any other flag value is not known", infoEx(1, 2, 5, full), 2, false, false},
		{"a buffer for another session is ignored", infoEx(1, 3, wtsSessionStateLock, full), 2, false, false},
		{"a level other than 1 is a layout we do not know", infoEx(2, 2, wtsSessionStateLock, full), 2, false, false},
		{"a buffer too short for the flags is not known", infoEx(1, 2, wtsSessionStateLock, full)[:19], 2, false, false},
		{"the shortest buffer holding the flags is enough", infoEx(1, 2, wtsSessionStateLock, 20), 2, true, true},
		{"no buffer at all is not known", nil, 2, false, false},
	}
	for _, c := range cases {
		locked, known := wtsLockState(c.buf, c.id)
		if locked != c.locked || known != c.known {
			t.Errorf("%s: got locked=%v known=%v", c.why, locked, known)
		}
	}
}

func TestParseSessionID(t *testing.T) {
	cases := []struct {
		why  string
		id   string
		want uint32
		ok   bool
	}{
		{"a console session id parses", "1", 1, true},
		{"a large RDP session id parses", "65537", 65537, true},
		{"session 0 (services) is refused: logging it off would hit services", "0", 0, false},
		{"a logind-style id is not a Windows session", "c2", 0, false},
		{"a negative id is refused", "-1", 0, false},
		{"an id beyond 32 bits is refused", "4294967296", 0, false},
		{"the empty id is refused", "", 0, false},
	}
	for _, c := range cases {
		got, err := parseSessionID(c.id)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%s: parseSessionID(%q) = %d, %v", c.why, c.id, got, err)
		}
	}
}
