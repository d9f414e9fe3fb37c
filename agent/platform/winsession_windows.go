package platform

import (
	"context"
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	modWtsapi32                     = windows.NewLazySystemDLL("wtsapi32.dll")
	procWTSQuerySessionInformationW = modWtsapi32.NewProc("WTSQuerySessionInformationW")
	procWTSLogoffSession            = modWtsapi32.NewProc("WTSLogoffSession")
)

// WTS_INFO_CLASS values used here.
const (
	wtsUserName       = 5
	wtsDomainName     = 7
	wtsSessionInfoEx  = 25
	wtsCurrentServer  = 0 // WTS_CURRENT_SERVER_HANDLE
	wtsEnumerateLevel = 1 // WTSEnumerateSessions Version
)

// WTSSessions is the Windows session source (Terminal Services API): the
// sessions of the local machine, console and remote desktop, and the actions
// a service may take on them. The zero value is ready.
type WTSSessions struct{}

// Sessions lists the users' sessions (see sessionFromWTS for which rows
// count). Each session's user SID comes from its token (WTSQueryUserToken,
// which needs LocalSystem's SE_TCB_NAME), or else from its user name; the
// lock state from WTSSessionInfoEx. When WTS lists no session at all (not
// even session 0, as Wine's stub does), it fails with an error wrapping
// [ErrUnsupported], so that the agent knows it has no session source.
func (WTSSessions) Sessions(ctx context.Context) ([]Session, error) {
	var infos *windows.WTS_SESSION_INFO
	var n uint32
	if err := windows.WTSEnumerateSessions(wtsCurrentServer, 0, wtsEnumerateLevel, &infos, &n); err != nil {
		return nil, fmt.Errorf("platform: WTSEnumerateSessions: %w", err)
	}
	if infos != nil {
		defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(infos)))
	}
	if n == 0 {
		// Windows always lists session 0 (services), where this service
		// runs. Wine's WTSEnumerateSessions is a stub that lists nothing:
		// saying "nobody is logged on" would be a lie.
		return nil, fmt.Errorf("platform: WTSEnumerateSessions listed no session, not even session 0 (services): this system does not implement the Terminal Services API (Wine does not): %w", ErrUnsupported)
	}
	rows := unsafe.Slice(infos, n)
	computer := computerName()
	out := make([]Session, 0, len(rows))
	for _, ri := range rows {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r := wtsRow{ID: ri.SessionID, State: ri.State, Station: windows.UTF16PtrToString(ri.WindowStationName)}
		if r.ID == 0 {
			continue
		}
		r.User, _ = wtsQueryString(r.ID, wtsUserName)
		if r.User == "" {
			continue
		}
		r.Domain, _ = wtsQueryString(r.ID, wtsDomainName)
		r.SID = sessionSID(r.ID, r.User, r.Domain)
		if buf, err := wtsQuery(r.ID, wtsSessionInfoEx); err == nil {
			r.Locked, r.LockKnown = wtsLockState(buf, r.ID)
		}
		if s, ok := sessionFromWTS(r, computer); ok {
			rememberSID(r.SID)
			out = append(out, s)
		}
	}
	return out, nil
}

// sessionSID finds the SID of a session's user.
func sessionSID(id uint32, user, domain string) string {
	var tok windows.Token
	if err := windows.WTSQueryUserToken(id, &tok); err == nil {
		defer tok.Close()
		if s, err := tokenSID(tok); err == nil {
			return s
		}
	}
	name := user
	if domain != "" {
		name = domain + `\` + user
	}
	if s, _, _, err := windows.LookupSID("", name); err == nil {
		return s.String()
	}
	return ""
}

// wtsQuery returns a copy of what WTSQuerySessionInformationW returns.
func wtsQuery(id uint32, class uint32) ([]byte, error) {
	if err := procWTSQuerySessionInformationW.Find(); err != nil {
		return nil, err
	}
	var buf *byte
	var size uint32
	r, _, e := procWTSQuerySessionInformationW.Call(wtsCurrentServer, uintptr(id), uintptr(class),
		uintptr(unsafe.Pointer(&buf)), uintptr(unsafe.Pointer(&size)))
	if r == 0 {
		return nil, fmt.Errorf("WTSQuerySessionInformation(%d, %d): %w", id, class, e)
	}
	if buf == nil {
		return nil, nil
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	if size == 0 {
		return nil, nil
	}
	return append([]byte(nil), unsafe.Slice(buf, size)...), nil
}

// wtsQueryString returns a string class (user or domain name).
func wtsQueryString(id uint32, class uint32) (string, error) {
	b, err := wtsQuery(id, class)
	if err != nil || len(b) < 2 {
		return "", err
	}
	u := unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
	return windows.UTF16ToString(u), nil
}

// LockSession cannot be done by a service: LockWorkStation locks only the
// calling process's own interactive desktop, and no API locks another
// session. The companion, running in the child's session, locks it; the
// enforcer escalates to logging out when it cannot. The error wraps
// [ErrUnsupported].
func (WTSSessions) LockSession(ctx context.Context, id string) error {
	return fmt.Errorf("platform: lock session %s: a service cannot lock another session (the companion calls LockWorkStation in it): %w", id, ErrUnsupported)
}

// TerminateSession logs a session's user off (WTSLogoffSession, without
// waiting: whether the session went shows in the next [WTSSessions.Sessions]).
// Where the system lacks the call (no wtsapi32 export, or Wine's stub, which
// answers ERROR_CALL_NOT_IMPLEMENTED) the error wraps [ErrUnsupported]: the
// enforcer then ends the child's processes itself (KillUser), as it does
// after every log-off.
func (WTSSessions) TerminateSession(ctx context.Context, id string) error {
	n, err := parseSessionID(id)
	if err != nil {
		return fmt.Errorf("platform: terminate session: %w", err)
	}
	if err := procWTSLogoffSession.Find(); err != nil {
		return fmt.Errorf("platform: terminate session %s: WTSLogoffSession is missing on this system (%v): %w", id, err, ErrUnsupported)
	}
	r, _, e := procWTSLogoffSession.Call(wtsCurrentServer, uintptr(n), 0)
	return logoffResult(id, r, e)
}

// logoffResult turns WTSLogoffSession's answer into an error.
func logoffResult(id string, r uintptr, e error) error {
	switch {
	case r != 0:
		return nil
	case errors.Is(e, windows.ERROR_CALL_NOT_IMPLEMENTED):
		return fmt.Errorf("platform: terminate session %s: WTSLogoffSession is not implemented on this system (Wine's is a stub): %w", id, ErrUnsupported)
	default:
		return fmt.Errorf("platform: terminate session %s: WTSLogoffSession: %w", id, e)
	}
}
