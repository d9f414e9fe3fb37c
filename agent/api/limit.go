package api

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/ipc"
)

// Connection limits. Any account on the machine may connect to the socket;
// no account may take the daemon's descriptors and memory: a flood of idle
// connections from one account is cut at PerCaller, and all of them
// together at Total, leaving the parents, the companion and enforcement
// their share.
const (
	// DefaultTotal is how many connections are open at most.
	DefaultTotal = 256
	// DefaultPerCaller is how many connections one OS account may hold.
	DefaultPerCaller = 16
)

// LimitListener caps the connections l accepts: at most total at once, at
// most perCaller from one OS account (ipc.PeerUID). A connection over a cap
// is closed at once; the caller sees it end before any answer. The
// daemon's own uid (root) and administrators share the same caps: they do
// not flood.
func LimitListener(l net.Listener, total, perCaller int, log *slog.Logger) net.Listener {
	return limitWith(l, total, perCaller, log, nil)
}

// limitWith is LimitListener that also tells flooded, at most every 10 s,
// the uid whose connection was just refused and how many were refused so
// far.
func limitWith(l net.Listener, total, perCaller int, log *slog.Logger, flooded func(uid uint32, refused int)) *limitListener {
	if log == nil {
		log = slog.Default()
	}
	return &limitListener{Listener: l, total: total, per: perCaller, log: log, byUID: map[uint32]int{}, flooded: flooded}
}

type limitListener struct {
	net.Listener
	total, per int
	log        *slog.Logger
	flooded    func(uid uint32, refused int)

	mu      sync.Mutex
	open    int
	byUID   map[uint32]int
	refused int
	lastLog time.Time
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return nil, err
		}
		uid, err := ipc.PeerUID(c)
		if err != nil {
			uid = ^uint32(0) // unknown callers share one budget
		}
		ok, report := l.take(uid)
		if ok {
			return &limitedConn{Conn: c, l: l, uid: uid}, nil
		}
		_ = c.Close()
		if report > 0 && l.flooded != nil {
			l.flooded(uid, report)
		}
	}
}

// take counts a connection of uid, or reports that a cap is reached; then,
// every 10 s at most, report is how many were refused so far.
func (l *limitListener) take(uid uint32) (ok bool, report int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.total || l.byUID[uid] >= l.per {
		l.refused++
		if now := time.Now(); now.Sub(l.lastLog) >= 10*time.Second {
			l.log.Warn("api: connections refused over the limit", "uid", uid, "open", l.open, "ofCaller", l.byUID[uid], "refusedSoFar", l.refused)
			l.lastLog = now
			report = l.refused
		}
		return false, report
	}
	l.open++
	l.byUID[uid]++
	return true, 0
}

func (l *limitListener) release(uid uint32) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byUID[uid]--; l.byUID[uid] <= 0 {
		delete(l.byUID, uid)
	}
}

// Refused is how many connections were closed over a cap.
func (l *limitListener) Refused() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused
}

type limitedConn struct {
	net.Conn
	l    *limitListener
	uid  uint32
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() { c.l.release(c.uid) })
	return c.Conn.Close()
}

// NetConn is the connection inside, where ipc reads the caller's identity.
func (c *limitedConn) NetConn() net.Conn { return c.Conn }
