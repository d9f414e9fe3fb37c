package rules

import (
	"slices"
	"time"
)

// State is how far a child (or an app) is from a limit.
type State uint8

// The states, from least to most severe.
const (
	StateOK      State = iota // time left, no warning due
	StateWarn                 // time left is within a warning threshold
	StateGrace                // the limit is reached; the grace period runs
	StateBlocked              // the limit is enforced
)

var stateNames = []string{"ok", "warn", "grace", "blocked"}

// String returns the name of s.
func (s State) String() string { return enumName(stateNames, int(s)) }

// MarshalText writes the name of s.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the name of a state.
func (s *State) UnmarshalText(b []byte) error {
	i, err := parseEnum(stateNames, string(b), "state")
	*s = State(i)
	return err
}

// Reason is the rule behind a state or a bound on time left: a short
// machine-readable code. MessageKey gives its translation key and Sentence
// its English text.
type Reason string

// The reasons. A "...budget" reason bounds time that is still left; the
// matching "...spent" reason says it ran out.
const (
	ReasonNone         Reason = ""                     // nothing limits this today
	ReasonScreenBudget Reason = "screen.budget"        // today's screen time bounds what is left
	ReasonScreenSpent  Reason = "screen.spent"         // today's screen time is used up
	ReasonNoScreenTime Reason = "screen.none"          // no screen time at all today
	ReasonHoursEnd     Reason = "hours.end"            // the allowed hours end first
	ReasonOutsideHours Reason = "hours.outside"        // outside the allowed hours
	ReasonGamesBudget  Reason = "games.budget"         // today's game time bounds what is left
	ReasonGamesSpent   Reason = "games.spent"          // today's game time is used up
	ReasonNoGameTime   Reason = "games.none"           // no game time at all today
	ReasonPerGame      Reason = "games.per-game"       // the per-game cap bounds this game
	ReasonPerGameSpent Reason = "games.per-game-spent" // this game's cap is used up
	ReasonAppLimit     Reason = "app.limit"            // the app's own limit bounds it
	ReasonAppSpent     Reason = "app.limit-spent"      // the app's own limit is used up
	ReasonAppBlocked   Reason = "app.blocked"          // the parent blocked the app
	ReasonAppRating    Reason = "app.rating"           // the app's age rating is above the child's
	ReasonAppAlways    Reason = "app.always"           // always allowed, not counted
)

var sentences = map[Reason]string{
	ReasonNone:         "No limit today.",
	ReasonScreenBudget: "Screen time left today.",
	ReasonScreenSpent:  "Screen time for today is used up.",
	ReasonNoScreenTime: "No screen time today.",
	ReasonHoursEnd:     "Screen time ends with the allowed hours.",
	ReasonOutsideHours: "Screens are off at this hour.",
	ReasonGamesBudget:  "Game time left today.",
	ReasonGamesSpent:   "Game time for today is used up.",
	ReasonNoGameTime:   "No game time today.",
	ReasonPerGame:      "Time left for this game today.",
	ReasonPerGameSpent: "This game's time for today is used up.",
	ReasonAppLimit:     "Time left for this app today.",
	ReasonAppSpent:     "This app's time for today is used up.",
	ReasonAppBlocked:   "This app is not allowed.",
	ReasonAppRating:    "This app's age rating is above yours.",
	ReasonAppAlways:    "This app is always allowed.",
}

// MessageKey is the translation key of r's sentence, e.g.
// "reason.screen.spent".
func (r Reason) MessageKey() string {
	if r == ReasonNone {
		return "reason.none"
	}
	return "reason." + string(r)
}

// Sentence is r in plain English, the fallback when no translation exists.
func (r Reason) Sentence() string {
	if s, ok := sentences[r]; ok {
		return s
	}
	return string(r)
}

// Reasons lists every reason, for translation catalogs and their tests.
func Reasons() []Reason {
	rs := make([]Reason, 0, len(sentences))
	for r := range sentences {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// Allowance is the time left of one kind (screen or games).
type Allowance struct {
	State  State  `json:"state"`
	Reason Reason `json:"reason,omitempty"`
	// Left is never negative; Unlimited when nothing bounds it. Screen time
	// left is capped by the end of the current allowed hours; game time
	// left is capped by screen time left.
	Left time.Duration `json:"left"`
	// GraceEnds is when the grace period ends, assuming use goes on (set
	// in StateGrace).
	GraceEnds time.Time `json:"graceEnds,omitzero"`
}

// AppDecision is the verdict on one running app. Its State and Left come
// from the app's own rules (block, rating, limit, game time); screen time
// applies on top, through the session.
type AppDecision struct {
	App       App           `json:"app"`
	Class     Class         `json:"class"`
	State     State         `json:"state"`
	Reason    Reason        `json:"reason,omitempty"`
	Left      time.Duration `json:"left"`
	GraceEnds time.Time     `json:"graceEnds,omitzero"`
}

// Closure is an app that must be closed now, and why.
type Closure struct {
	App    App    `json:"app"`
	Reason Reason `json:"reason"`
	// Rule is the index in Policy.Apps of the rule that decided, or -1
	// when the decision came from game time or the age rating.
	Rule int `json:"rule"`
}

// Warning is a notice due now. Threshold 0 means the time is up and the
// grace period has started ("save your game").
type Warning struct {
	// Key identifies the warning for the day: give each key once and pass
	// the keys given back in Usage.Warned. It changes when the limit
	// changes (a grant), so new time brings new warnings.
	Key string `json:"key"`
	// Subject is "screen", "games", or "game:NAME" / "app:NAME".
	Subject   string        `json:"subject"`
	Reason    Reason        `json:"reason"`
	Threshold time.Duration `json:"threshold"`
	Left      time.Duration `json:"left"`
	// App is set for warnings about one app.
	App *App `json:"app,omitempty"`
}

// Decision is what Evaluate concludes for one child at one moment.
type Decision struct {
	At time.Time `json:"at"`
	// State is the most severe of the session's state and the running
	// apps' states; Reason is the rule behind it.
	State  State     `json:"state"`
	Reason Reason    `json:"reason,omitempty"`
	Screen Allowance `json:"screen"`
	Games  Allowance `json:"games"`
	// Apps has a verdict for each running app, in Usage order.
	Apps []AppDecision `json:"apps,omitempty"`
	// Warnings are the notices due now and not yet given.
	Warnings []Warning `json:"warnings,omitempty"`
	// Close lists the apps to close now.
	Close []Closure `json:"close,omitempty"`
	// Lock says the session must be locked (or logged out, per Action).
	Lock   bool   `json:"lock"`
	Action Action `json:"action"`
	// Next is the next moment the decision may change if the child keeps
	// using the screen (or games) without pause: evaluate again then, or
	// when usage or policy change. It is always after At and never after
	// the next local midnight.
	Next time.Time `json:"next"`
}

// part is one limit's verdict while Evaluate combines them.
type part struct {
	state     State
	reason    Reason
	left      time.Duration
	graceEnds time.Time
	subject   string // for warning keys: screen, games, game:x, app:x
	bound     string // identity of the limit, for warning keys
}

var open = part{state: StateOK, left: Unlimited}

func rank(s State) int {
	if s == StateWarn {
		return int(StateOK)
	}
	return int(s)
}

// combine returns the stricter of a and b; on a tie of blocked states, a.
func combine(a, b part) part {
	ra, rb := rank(a.state), rank(b.state)
	switch {
	case ra > rb:
		return a
	case rb > ra:
		return b
	case a.state == StateGrace:
		if b.graceEnds.Before(a.graceEnds) {
			return b
		}
		return a
	case a.state == StateBlocked:
		return a
	case b.left < a.left:
		return b
	}
	return a
}

type budgetReasons struct {
	subject           string
	bound, spent, non Reason
}

var (
	screenReasons = budgetReasons{"screen", ReasonScreenBudget, ReasonScreenSpent, ReasonNoScreenTime}
	gameReasons   = budgetReasons{"games", ReasonGamesBudget, ReasonGamesSpent, ReasonNoGameTime}
)

// budgetPart is the verdict of a daily budget. Grace is counted in use
// beyond the limit, so it is given at most once a day in total, and never
// when the budget was zero.
func budgetPart(limit, used, grace time.Duration, now time.Time, r budgetReasons) part {
	bound := "budget=" + FormatDuration(limit)
	switch {
	case limit == Unlimited:
		return open
	case limit <= 0:
		return part{state: StateBlocked, reason: r.non, subject: r.subject}
	case used < limit:
		return part{state: StateOK, reason: r.bound, left: limit - used, subject: r.subject, bound: bound}
	case used-limit < grace:
		return part{state: StateGrace, reason: r.spent, graceEnds: now.Add(grace - (used - limit)), subject: r.subject, bound: bound}
	}
	return part{state: StateBlocked, reason: r.spent, subject: r.subject, bound: bound}
}

type span struct{ start, end time.Time }

// windowPart is the verdict of the allowed hours at now, and the next
// moment they open (zero if inside or none within the horizon).
func (p *Policy) windowPart(now time.Time, grace time.Duration) (part, time.Time) {
	y, m, d := now.Date()
	loc := now.Location()
	const first, last = -1, 8
	horizon := time.Date(y, m, d+last+1, 0, 0, 0, 0, loc)
	// The windows of ten days fit on the stack: no allocation per tick.
	var buf [64]span
	spans := buf[:0]
	for k := first; k <= last; k++ {
		wd := time.Date(y, m, d+k, 12, 0, 0, 0, loc).Weekday()
		for _, w := range p.Allowed[wd] {
			if !w.valid() {
				continue
			}
			s := time.Date(y, m, d+k, int(w.Start)/60, int(w.Start)%60, 0, 0, loc)
			ed := d + k
			if w.CrossesMidnight() {
				ed++
			}
			e := time.Date(y, m, ed, int(w.End)/60, int(w.End)%60, 0, 0, loc)
			if e.After(s) {
				spans = append(spans, span{s, e})
			}
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	merged := spans[:0] // merged in place: it never runs ahead of the loop
	for _, s := range spans {
		if n := len(merged); n > 0 && !s.start.After(merged[n-1].end) {
			if s.end.After(merged[n-1].end) {
				merged[n-1].end = s.end
			}
			continue
		}
		merged = append(merged, s)
	}
	var lastClose, nextOpen time.Time
	for _, s := range merged {
		switch {
		case !now.Before(s.start) && now.Before(s.end):
			if !s.end.Before(horizon) {
				return open, time.Time{}
			}
			return part{state: StateOK, reason: ReasonHoursEnd, left: s.end.Sub(now),
				subject: "screen", bound: "until=" + s.end.Format("01-02T15:04")}, time.Time{}
		case !s.end.After(now):
			lastClose = s.end
		case nextOpen.IsZero():
			nextOpen = s.start
		}
	}
	if !lastClose.IsZero() && now.Before(lastClose.Add(grace)) {
		return part{state: StateGrace, reason: ReasonOutsideHours, graceEnds: lastClose.Add(grace),
			subject: "screen", bound: "until=" + lastClose.Format("01-02T15:04")}, nextOpen
	}
	return part{state: StateBlocked, reason: ReasonOutsideHours, subject: "screen"}, nextOpen
}

// withWarn turns an OK part into a warning when its time left is within the
// largest threshold.
func withWarn(pt part, thresholds []time.Duration) part {
	if pt.state != StateOK || pt.left == Unlimited {
		return pt
	}
	for _, t := range thresholds {
		if t > 0 && pt.left <= t {
			pt.state = StateWarn
			break
		}
	}
	return pt
}

func (pt part) allowance() Allowance {
	a := Allowance{State: pt.state, Reason: pt.reason, Left: pt.left}
	if pt.state == StateGrace || pt.state == StateBlocked {
		a.Left = 0
	}
	if pt.state == StateGrace {
		a.GraceEnds = pt.graceEnds
	}
	return a
}

func clampDur(d time.Duration) time.Duration { return max(d, 0) }

// Evaluate decides, for a policy, today's usage and the time now (in the
// child's local time zone), what the child may do and what must happen. It
// is pure: it reads no clock and the same inputs give the same decision.
// It never panics, whatever the policy holds (a policy that fails Validate
// gets a decision that is merely odd).
func Evaluate(p Policy, u Usage, now time.Time) Decision {
	y, m, d := now.Date()
	midnight := time.Date(y, m, d+1, 0, 0, 0, 0, now.Location())
	today, wd := DateOf(now), now.Weekday()
	grace := clampDur(p.Grace)
	var grantScreen, grantGames time.Duration
	for _, g := range p.Grants {
		if g.Day == today {
			grantScreen = addSat(grantScreen, g.Screen)
			grantGames = addSat(grantGames, g.Games)
		}
	}
	usedScreen, usedGames := clampDur(u.Screen), clampDur(u.Games)

	win, nextOpen := p.windowPart(now, grace)
	screenBudget := budgetPart(addSat(p.Screen[wd], grantScreen), usedScreen, grace, now, screenReasons)
	screen := withWarn(combine(screenBudget, win), p.Warnings)
	gameBudget := budgetPart(addSat(p.Games[wd], grantGames), usedGames, grace, now, gameReasons)
	games := withWarn(combine(gameBudget, screen), p.Warnings)

	dec := Decision{
		At:     now,
		State:  screen.state,
		Reason: screen.reason,
		Screen: screen.allowance(),
		Games:  games.allowance(),
		Lock:   screen.state == StateBlocked,
		Action: p.OnLimit,
	}
	// Only the screen and running apps can change with use; game time alone
	// changes only while a game runs, and those are among the apps.
	// The parts that set the next moment: on the stack for a few running
	// apps (Evaluate runs at each exec of the child's while processes come).
	var partBuf [8]part
	parts := append(partBuf[:0], screen)
	warned := make(map[string]bool, len(u.Warned))
	for _, k := range u.Warned {
		warned[k] = true
	}
	dec.warn(screen, p.Warnings, warned, nil)
	if len(u.Apps) > 0 {
		dec.Apps = make([]AppDecision, 0, len(u.Apps))
	}

	maxRating := p.MaxRating
	if maxRating == RatingUnknown {
		maxRating = Rating00
	}
	for i, au := range u.Apps {
		if !au.Running {
			continue
		}
		c := p.Classify(au.App)
		used := clampDur(au.Used)
		id := au.App.id()
		pt := open
		switch {
		case c.Rule == RuleBlock:
			pt = part{state: StateBlocked, reason: ReasonAppBlocked}
		case c.Rule == RuleAlways:
			pt.reason = ReasonAppAlways
		case au.App.Rating != RatingUnknown && au.App.Rating > maxRating,
			p.Age >= 0 && au.App.MinAge > p.Age:
			pt = part{state: StateBlocked, reason: ReasonAppRating}
		default:
			if c.Rule == RuleLimit {
				pt = combine(pt, budgetPart(c.Limit, used, grace, now,
					budgetReasons{"app:" + id, ReasonAppLimit, ReasonAppSpent, ReasonAppSpent}))
			}
			if c.Game() {
				pt = combine(pt, gameBudget)
				pt = combine(pt, budgetPart(p.PerGame, used, grace, now,
					budgetReasons{"game:" + id, ReasonPerGame, ReasonPerGameSpent, ReasonNoGameTime}))
			}
			pt = withWarn(pt, p.Warnings)
		}
		ad := AppDecision{App: au.App, Class: c, State: pt.state, Reason: pt.reason, Left: pt.allowance().Left}
		if pt.state == StateGrace {
			ad.GraceEnds = pt.graceEnds
		}
		dec.Apps = append(dec.Apps, ad)
		if pt.state == StateBlocked {
			rule := -1
			if pt.reason == ReasonAppBlocked || pt.reason == ReasonAppSpent {
				rule = c.Index
			}
			dec.Close = append(dec.Close, Closure{App: au.App, Reason: pt.reason, Rule: rule})
		}
		if rank(pt.state) > rank(dec.State) {
			dec.State, dec.Reason = pt.state, pt.reason
		}
		dec.warn(pt, p.Warnings, warned, &u.Apps[i].App) // no copy per app and tick
		if !dec.Lock {
			// nothing counts in a locked session
			parts = append(parts, pt)
		}
	}

	dec.Next = midnight
	consider := func(t time.Time) {
		if t.After(now) && t.Before(dec.Next) {
			dec.Next = t
		}
	}
	for _, pt := range parts {
		switch pt.state {
		case StateOK, StateWarn:
			if pt.left == Unlimited || pt.left > 48*time.Hour {
				continue
			}
			consider(now.Add(pt.left))
			for _, t := range p.Warnings {
				if t > 0 && t < pt.left {
					consider(now.Add(pt.left - t))
				}
			}
		case StateGrace:
			consider(pt.graceEnds)
		}
	}
	if !nextOpen.IsZero() {
		consider(nextOpen)
	}
	return dec
}

// warn adds the warning pt calls for, unless it was given already.
func (dec *Decision) warn(pt part, thresholds []time.Duration, warned map[string]bool, app *App) {
	var t time.Duration
	switch pt.state {
	case StateWarn:
		t = Unlimited
		for _, th := range thresholds {
			if th > 0 && pt.left <= th && th < t {
				t = th
			}
		}
	case StateGrace:
		t = 0
	default:
		return
	}
	if pt.subject == "" {
		return
	}
	key := pt.subject + "/" + FormatDuration(t) + "/" + pt.bound
	if warned[key] {
		return
	}
	warned[key] = true
	w := Warning{Key: key, Subject: pt.subject, Reason: pt.reason, Threshold: t, Left: pt.allowance().Left}
	if pt.subject != "screen" && pt.subject != "games" {
		w.App = app
	}
	dec.Warnings = append(dec.Warnings, w)
}
