package hub

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/rules"
	"github.com/nats-io/nats.go/jetstream"
)

// The hub's yearly report (issue 13, `kidtime report`): what the
// provincial plan asks a school to report, over the PCs' rollups the hub
// keeps (h.usage, read from the KT_USAGE stream at start and live).
//
// A child-day is one child (a ChildKey) on one day, its figures summed
// over the hub's PCs (as the family's budget is); by PC, a child-day is a
// child's day on that PC alone. Names: a PC sends none; the hub shows a
// child's name only when the signed policy it publishes lists the child
// and says shareNames, else the child key. Classes come from the same
// policy.

// An age band is a row of the presets' table (rules.Preset): within a
// band every age has the same daily screen and game time.
type band struct {
	lo, hi int
	label  string
}

var bands = []band{{0, 1, "0-1"}, {2, 5, "2-5"}, {6, 8, "6-8"}, {9, 11, "9-11"}, {12, 15, "12-15"}, {16, 17, "16-17"}, {18, 200, "18+"}}

func bandOf(age int) string {
	for _, b := range bands {
		if age >= b.lo && age <= b.hi {
			return b.label
		}
	}
	return "0-1" // a birth year after the rollup's year
}

// unit is one child-day (or, by PC, one rollup: a child's day on one
// PC): the sums that decide whether it kept to the preset. The counts
// (requests, programs stopped, tamper events…) go to the groups straight
// from each rollup: they add up the same whichever PC they came from.
type unit struct {
	child, day    string
	age           int
	screen, games int64
	late          int64
	// perGame is each game's time over the PCs that send it (by
	// wire.GameKey); nil when no PC of the child-day sent any.
	perGame map[string]int64
	// noPerGame: a PC of the child-day sent games without per-game time
	// (an older version): the hour is judged on all games together.
	noPerGame bool
	pc        string   // the first PC
	morePCs   []string // others (a child-day on several PCs)
	groups    [3]*group
	ngroups   int
}

func (u *unit) add(r *wire.Rollup) {
	u.screen += r.ScreenSec
	u.games += r.GamesSec
	u.late += r.LateSec
	switch {
	case len(r.PerGame) > 0:
		if u.perGame == nil {
			u.perGame = make(map[string]int64, len(r.PerGame))
		}
		for k, s := range r.PerGame {
			u.perGame[k] += s
		}
	case r.GamesSec > 0:
		u.noPerGame = true
	}
	switch {
	case u.pc == "":
		u.pc = r.PC
	case u.pc != r.PC && !slices.Contains(u.morePCs, r.PC):
		u.morePCs = append(u.morePCs, r.PC)
	}
	if r.Age > u.age {
		u.age = r.Age
	}
}

func (u *unit) to(g *group) {
	u.groups[u.ngroups] = g
	u.ngroups++
}

func addInt64(dst, src map[string]int64) map[string]int64 {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]int64, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

func addInt(dst, src map[string]int) map[string]int {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]int, len(src))
	}
	for k, v := range src {
		dst[k] += v
	}
	return dst
}

// presets answers within from a table made once per report: the
// age presets by age and weekday, and the days' weekdays.
type presets struct {
	limits   map[int][7][2]time.Duration // age → weekday → screen, games
	weekdays map[string]time.Weekday
}

func newPresets() *presets {
	return &presets{limits: map[int][7][2]time.Duration{}, weekdays: map[string]time.Weekday{}}
}

// within reports whether a child-day kept to the child's age preset:
// screen and game time at most the preset's for that weekday (WHO 2019,
// AAP, CSEP; Decree 147/2024's 60 minutes of games).
func (p *presets) within(age int, day string, screen, games int64) bool {
	wd, ok := p.weekdays[day]
	if !ok {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return false
		}
		wd = d.Weekday()
		p.weekdays[day] = wd
	}
	lim, ok := p.limits[age]
	if !ok {
		pol := rules.Preset(age)
		for d := range 7 {
			lim[d] = [2]time.Duration{pol.Screen[d], pol.Games[d]}
		}
		p.limits[age] = lim
	}
	l := lim[wd]
	if l[0] != rules.Unlimited && time.Duration(screen)*time.Second > l[0] {
		return false
	}
	return l[1] == rules.Unlimited || time.Duration(games)*time.Second <= l[1]
}

// gamesWithinHour reports whether no game took more than 60 minutes of the
// child-day (Decree 147/2024/NĐ-CP), over all the PCs; where a PC sent no
// per-game time, all games together are held to the hour (a floor).
func (u *unit) gamesWithinHour() bool {
	if u.noPerGame || u.perGame == nil {
		return u.games <= 3600
	}
	for _, s := range u.perGame {
		if s > 3600 {
			return false
		}
	}
	return true
}

// group sums units into an apitype.ReportGroup.
type group struct {
	g        apitype.ReportGroup
	pcs      map[string]bool
	children map[string]bool
	screen   int64
	games    int64
	late     int64
	bands    map[string]bool
}

func newGroup(key string) *group {
	return &group{g: apitype.ReportGroup{Key: key}, pcs: map[string]bool{}, children: map[string]bool{}, bands: map[string]bool{}}
}

// addDay counts a child-day (or a PC's part of one); within is whether
// it kept to the child's age preset.
func (g *group) addDay(u *unit, within bool) {
	g.pcs[u.pc] = true
	for _, pc := range u.morePCs {
		g.pcs[pc] = true
	}
	if u.child == wire.PCChild {
		return
	}
	g.children[u.child] = true
	g.g.ChildDays++
	g.screen += u.screen
	g.games += u.games
	g.late += u.late
	g.bands[bandOf(u.age)] = true
	if within {
		g.g.WithinPreset++
	}
	if u.gamesWithinHour() {
		g.g.Games60++
	}
	if u.late > 0 {
		g.g.LateDays++
	}
}

// addCounts adds a rollup's counts.
func (g *group) addCounts(r *wire.Rollup) {
	g.g.Category = addInt64(g.g.Category, r.Category)
	g.g.Blocked = addInt(g.g.Blocked, r.Blocked)
	g.g.Tamper = addInt(g.g.Tamper, r.Tamper)
	g.g.TimeAsked += r.Requests - r.AppRequests
	g.g.TimeGranted += r.Granted - r.AppGranted
	g.g.AppAsked += r.AppRequests
	g.g.AppGranted += r.AppGranted
	g.g.HelpOpened += r.HelpOpened
}

func (g *group) done() apitype.ReportGroup {
	out := g.g
	out.PCs, out.Children = len(g.pcs), len(g.children)
	if n := int64(out.ChildDays); n > 0 {
		out.AvgScreenSec, out.AvgGamesSec, out.AvgLateSec = g.screen/n, g.games/n, g.late/n
		out.WithinPct = pct(out.WithinPreset, out.ChildDays)
		out.Games60Pct = pct(out.Games60, out.ChildDays)
		out.LatePct = pct(out.LateDays, out.ChildDays)
	}
	if len(g.bands) == 1 {
		for b := range g.bands {
			out.Band = b
		}
	}
	return out
}

func pct(n, of int) float64 { return float64(int64(float64(n)*1000/float64(of)+0.5)) / 10 }

// reportPolicy is what the report takes from the policy in force: the
// children's names (when shared) and classes, by child key.
type reportPolicy struct {
	names   map[string]string // child key → name, when shareNames
	classes map[string]string // child key → class
}

// policyForReport reads the signed policy in force (none: no names, no
// classes).
func (h *Hub) policyForReport(ctx context.Context) (reportPolicy, error) {
	rp := reportPolicy{}
	if h.js == nil {
		return rp, nil
	}
	st, err := h.js.Stream(ctx, wire.StreamPolicy)
	if err != nil {
		return rp, fmt.Errorf("hub: the policy stream: %w", err)
	}
	last, err := st.GetLastMsgForSubject(ctx, wire.PolicySubject(h.id))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return rp, nil
	}
	if err != nil {
		return rp, fmt.Errorf("hub: read the policy in force: %w", err)
	}
	s, _, err := rules.OpenSignedPolicy(last.Data)
	if err != nil {
		return rp, fmt.Errorf("hub: the policy in force: %w", err)
	}
	f, err := rules.ParseFile(s.Policy)
	if err != nil {
		return rp, fmt.Errorf("hub: the policy in force: %w", err)
	}
	return policyOf(f), nil
}

func policyOf(f *rules.File) reportPolicy {
	rp := reportPolicy{}
	if f.ShareNames {
		rp.names = map[string]string{}
		for _, c := range f.Children {
			rp.names[wire.ChildKey(c.Name)] = c.Name
		}
	}
	if len(f.Classes) > 0 {
		rp.classes = map[string]string{}
		for _, cl := range f.Classes {
			for _, n := range cl.Children {
				// A class names its children as the policy writes them;
				// the PCs' keys hash the name as the child was added.
				for _, c := range f.Children {
					if strings.EqualFold(c.Name, n) {
						rp.classes[wire.ChildKey(c.Name)] = cl.Name
					}
				}
			}
		}
	}
	return rp
}

// Report makes the report over the days from..to, grouped by by
// (apitype.ReportBy*); empty arguments take the defaults of
// apitype.ReportSpan.
func (h *Hub) Report(ctx context.Context, from, to, by string) (apitype.HubReport, error) {
	now := h.cfg.Now()
	from, to, by, err := apitype.ReportSpan(from, to, by, now)
	if err != nil {
		return apitype.HubReport{}, err
	}
	if err := h.caughtUp(ctx); err != nil {
		return apitype.HubReport{}, err
	}
	rp, err := h.policyForReport(ctx)
	if err != nil {
		return apitype.HubReport{}, err
	}
	return h.report(from, to, by, rp, now), nil
}

func (h *Hub) report(from, to, by string, rp reportPolicy, now time.Time) apitype.HubReport {
	childName := func(key string) string {
		if n := rp.names[key]; n != "" {
			return n
		}
		return key
	}
	ps := newPresets()
	total := newGroup("")
	groups := map[string]*group{}
	classes := map[string]*group{}
	get := func(m map[string]*group, key string) *group {
		g := m[key]
		if g == nil {
			g = newGroup(key)
			m[key] = g
		}
		return g
	}
	// One pass over the rollups of the span, under the lock (no copy: a
	// rollup is replaced whole, never changed): the counts go to their
	// groups at once, the child-days' sums to the units (by PC, a unit is
	// one rollup, counted at once).
	h.mu.Lock()
	n := 0
	for _, pcDays := range h.usage {
		for day, kids := range pcDays {
			if day >= from && day <= to {
				n += len(kids)
			}
		}
	}
	index := make(map[[2]string]int, n)
	units := make([]unit, 0, n)
	pcName := make(map[string]string, len(h.st.PCs))
	for _, pc := range h.st.PCs {
		pcName[pc.ID] = pc.Name
	}
	for pcID, pcDays := range h.usage {
		name := pcName[pcID]
		if name == "" {
			name = pcID // a PC removed since
		}
		for day, kids := range pcDays {
			if day < from || day > to {
				continue
			}
			for _, e := range kids {
				r := &e.Rollup
				k := [2]string{r.Child, r.Day}
				i, ok := index[k]
				if !ok {
					i = len(units)
					index[k] = i
					units = append(units, unit{child: r.Child, day: r.Day})
					u := &units[i]
					u.to(total)
					if cl := rp.classes[r.Child]; cl != "" {
						u.to(get(classes, cl))
					}
					switch {
					case by == apitype.ReportByAge && r.Child != wire.PCChild:
						u.to(get(groups, bandOf(r.Age)))
					case by == apitype.ReportByChild && r.Child != wire.PCChild:
						u.to(get(groups, childName(r.Child)))
					case by == apitype.ReportByDay:
						u.to(get(groups, r.Day))
					}
				}
				u := &units[i]
				u.add(r)
				for _, g := range u.groups[:u.ngroups] {
					g.addCounts(r)
				}
				if by == apitype.ReportByPC {
					g := get(groups, name)
					g.addCounts(r)
					v := unit{child: r.Child, day: r.Day}
					v.add(r)
					g.addDay(&v, r.Child != wire.PCChild && ps.within(v.age, v.day, v.screen, v.games))
				}
			}
		}
	}
	h.mu.Unlock()
	for i := range units {
		u := &units[i]
		within := u.child != wire.PCChild && ps.within(u.age, u.day, u.screen, u.games)
		for _, g := range u.groups[:u.ngroups] {
			g.addDay(u, within)
		}
	}
	out := apitype.HubReport{From: from, To: to, By: by, Names: rp.names != nil,
		LateFrom: hhmm(wire.LateFrom), LateTo: hhmm(wire.LateTo), Generated: now}
	out.Total = total.done()
	out.PCs, out.Children = out.Total.PCs, out.Total.Children
	if out.Groups = sorted(groups, by == apitype.ReportByAge); out.Groups == nil {
		out.Groups = []apitype.ReportGroup{}
	}
	out.Classes = sorted(classes, false)
	return out
}

// sorted lists the groups by key (age bands in the table's order).
func sorted(m map[string]*group, byBand bool) []apitype.ReportGroup {
	keys := slices.Sorted(maps.Keys(m))
	if byBand {
		keys = keys[:0]
		for _, b := range bands {
			if m[b.label] != nil {
				keys = append(keys, b.label)
			}
		}
	}
	var out []apitype.ReportGroup
	for _, k := range keys {
		out = append(out, m[k].done())
	}
	return out
}

func hhmm(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// reportRoute answers GET /v1/hub/report?from=&to=&by=.
func (h *Hub) reportRoute(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	rep, err := h.Report(ctx, q.Get("from"), q.Get("to"), q.Get("by"))
	var ae *apitype.ReportArgError
	if errors.As(err, &ae) {
		return nil, api.BadRequest(ae.Field, "%s", ae.Msg).Keyed(ae.Key, ae.Args)
	}
	return rep, err
}

// seqOf is a usage message's stream sequence (0 if it says none).
func seqOf(m jetstream.Msg) uint64 {
	if md, err := m.Metadata(); err == nil {
		return md.Sequence.Stream
	}
	return 0
}

// caughtUp waits until the index holds the usage stream as it is now: a
// hub that has just started reads it all again first (a school year of
// 200 PCs: seconds), and a report made before would miss days.
func (h *Hub) caughtUp(ctx context.Context) error {
	if h.js == nil {
		return errors.New("the hub is not serving yet")
	}
	st, err := h.js.Stream(ctx, wire.StreamUsage)
	if err != nil {
		return fmt.Errorf("hub: the usage stream: %w", err)
	}
	state := st.CachedInfo().State
	last := state.LastSeq
	if state.Msgs == 0 {
		return nil // nothing to read (all aged out, or purged)
	}
	ctx, cancel := context.WithTimeout(ctx, 50*time.Second)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for h.indexed.Load() < last {
		select {
		case <-ctx.Done():
			return fmt.Errorf("hub: the rollups are still being read (%d of %d); try again in a minute: %w", h.indexed.Load(), last, ctx.Err())
		case <-t.C:
		}
	}
	return nil
}
