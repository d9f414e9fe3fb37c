package monitor

import (
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
)

// Heartbeat is what a child's companion last said of their session. The
// companion runs as the child, who may forge it: a heartbeat can make the
// child more present, never less.
type Heartbeat struct {
	At         time.Time
	Session    string
	Idle       time.Duration
	Locked     bool
	ForePID    int // the child's own process in front (checked by the caller)
	Fullscreen bool
}

// PresenceRules are the thresholds presence is judged by.
type PresenceRules struct {
	// HeartbeatTimeout: a companion silent for longer is gone (20 s).
	HeartbeatTimeout time.Duration
	// IdleThreshold: no input for longer means the child is away (3 min).
	IdleThreshold time.Duration
	// CompanionGrace: a child at the PC this long with no companion at all
	// is reported (2 min; the companion starts with the desktop).
	CompanionGrace time.Duration
}

// Observation is what the OS says of one child at a tick: their login
// sessions that are a person's (facts.Session.Person), and how many
// processes they run.
type Observation struct {
	Sessions []facts.Session
	Procs    int
}

// Verdict is whether a child is at the PC, and what the parent must be
// told about their companion.
type Verdict struct {
	// Active: at the PC now (time counts).
	Active bool
	// Present: logged in at all (a session, processes or a live companion).
	Present bool
	// Session is the active session's id, when one is.
	Session string
	// Companion: the companion has spoken within HeartbeatTimeout.
	Companion bool
	// Alerts are events for the parent, each given once.
	Alerts []Alert
}

// Alert kinds.
const (
	// AlertHeartbeatGap: the companion was there and went silent while the
	// child's programs run on (killed, most likely).
	AlertHeartbeatGap = "heartbeat_gap"
	// AlertCompanionMissing: the child has used the PC for CompanionGrace
	// with no companion at all (once per login, at most once a day while
	// they stay).
	AlertCompanionMissing = "companion_missing"
)

// Alert is an event to record about a child's presence.
type Alert struct {
	Kind   string
	Detail map[string]any
}

// Witness keeps what is known of one child's presence between ticks: the
// companion's last heartbeat and what was already reported. What the OS
// says decides; the heartbeat can only add presence.
type Witness struct {
	rules PresenceRules

	mu               sync.Mutex
	hb               Heartbeat
	gapFor           time.Time // the heartbeat whose silence was reported
	noCompanionSince time.Time // at the PC with no companion since
	missingDay       string    // the day companion_missing was given for this login
	judged           time.Time // the moment of the last Judge
	last             Verdict
}

// NewWitness returns a witness with no heartbeat yet.
func NewWitness(r PresenceRules) *Witness { return &Witness{rules: r} }

// Beat records a heartbeat from the child's companion.
func (w *Witness) Beat(hb Heartbeat) {
	w.mu.Lock()
	w.hb = hb
	w.mu.Unlock()
}

// Heartbeat is the last heartbeat (zero when none came).
func (w *Witness) Heartbeat() Heartbeat {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hb
}

// CompanionAlive reports whether the companion has spoken within the
// heartbeat timeout.
func (w *Witness) CompanionAlive(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.alive(now)
}

func (w *Witness) alive(now time.Time) bool {
	return !w.hb.At.IsZero() && now.Sub(w.hb.At) <= w.rules.HeartbeatTimeout
}

// Last is the verdict of the last Judge (zero before the first).
func (w *Witness) Last() Verdict {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// Judge decides whether the child is at the PC now. With a login manager,
// an active, unlocked, not idle session of theirs is; without one, any
// process of theirs is (fail closed). A live companion reporting input
// (or a fullscreen window) makes the child active too; it never makes them
// inactive.
func (w *Witness) Judge(now time.Time, o Observation) Verdict {
	w.mu.Lock()
	defer w.mu.Unlock()
	alive := w.alive(now)
	v := Verdict{Companion: alive}
	if len(o.Sessions) > 0 {
		for _, s := range o.Sessions {
			if s.Active && !s.Locked && !s.Idle {
				v.Active, v.Session = true, s.ID
			}
		}
	} else {
		v.Active = o.Procs > 0
	}
	if alive && !w.hb.Locked && (w.hb.Idle < w.rules.IdleThreshold || w.hb.Fullscreen) {
		v.Active = true
	}
	v.Present = o.Procs > 0 || alive || len(o.Sessions) > 0
	if o.Procs > 0 && !alive {
		if !w.hb.At.IsZero() && !w.gapFor.Equal(w.hb.At) {
			w.gapFor = w.hb.At
			v.Alerts = append(v.Alerts, Alert{Kind: AlertHeartbeatGap, Detail: map[string]any{"processes": o.Procs, "lastHeartbeat": w.hb.At}})
		}
		if w.noCompanionSince.IsZero() {
			w.noCompanionSince = now
		}
		day := now.Format(time.DateOnly)
		if now.Sub(w.noCompanionSince) >= w.rules.CompanionGrace && w.missingDay != day {
			w.missingDay = day
			v.Alerts = append(v.Alerts, Alert{Kind: AlertCompanionMissing, Detail: map[string]any{"processes": o.Procs}})
		}
	} else {
		w.noCompanionSince = time.Time{}
		if o.Procs == 0 && len(o.Sessions) == 0 {
			// The child has left: a new login without a companion is
			// reported again (once per login, not once a day).
			w.missingDay = ""
		}
	}
	w.judged = now
	w.last = v
	return v
}

// Next is the next moment, after the last Judge, at which a verdict may
// change with nothing new observed: the companion's silence passing
// HeartbeatTimeout, or CompanionGrace ending with no companion. It is zero
// when no such moment is ahead. The ticks wake then, so a quiet tick may be
// long and still judge these on time.
func (w *Witness) Next() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	var next time.Time
	soonest := func(t time.Time) {
		if t.After(w.judged) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if !w.hb.At.IsZero() {
		// alive is now-At <= HeartbeatTimeout: silent from just after.
		soonest(w.hb.At.Add(w.rules.HeartbeatTimeout + time.Millisecond))
	}
	if !w.noCompanionSince.IsZero() && w.missingDay != w.judged.Format(time.DateOnly) {
		soonest(w.noCompanionSince.Add(w.rules.CompanionGrace))
	}
	return next
}
