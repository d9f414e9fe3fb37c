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

// withinPreset reports whether a child-day kept to the child's age preset:
// screen and game time at most the preset's for that weekday (WHO 2019,
// AAP, CSEP; Decree 147/2024's 60 minutes of games).
func withinPreset(age int, day string, screen, games int64) bool {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return false
	}
	p := rules.Preset(age)
	wd := d.Weekday()
	if lim := p.Screen[wd]; lim != rules.Unlimited && time.Duration(screen)*time.Second > lim {
		return false
	}
	if lim := p.Games[wd]; lim != rules.Unlimited && time.Duration(games)*time.Second > lim {
		return false
	}
	return true
}

// unit is one child-day (or, by PC, one child's day on one PC).
type unit struct {
	child, day, pc string
	age            int
	wire.Rollup    // figures summed
	pcs            map[string]bool
}

func (u *unit) add(r wire.Rollup) {
	u.ScreenSec += r.ScreenSec
	u.GamesSec += r.GamesSec
	u.LateSec += r.LateSec
	u.Requests += r.Requests
	u.Granted += r.Granted
	u.AppRequests += r.AppRequests
	u.AppGranted += r.AppGranted
	u.HelpOpened += r.HelpOpened
	u.Category = addInt64(u.Category, r.Category)
	u.Blocked = addInt(u.Blocked, r.Blocked)
	u.Tamper = addInt(u.Tamper, r.Tamper)
	u.pcs[r.PC] = true
	if r.Age > u.age {
		u.age = r.Age
	}
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

func (g *group) add(u *unit) {
	for pc := range u.pcs {
		g.pcs[pc] = true
	}
	if u.child != wire.PCChild {
		g.children[u.child] = true
		g.g.ChildDays++
		g.screen += u.ScreenSec
		g.games += u.GamesSec
		g.late += u.LateSec
		g.bands[bandOf(u.age)] = true
		if withinPreset(u.age, u.day, u.ScreenSec, u.GamesSec) {
			g.g.WithinPreset++
		}
		if u.GamesSec <= 3600 {
			g.g.Games60++
		}
		if u.LateSec > 0 {
			g.g.LateDays++
		}
	}
	g.g.Category = addInt64(g.g.Category, u.Category)
	g.g.Blocked = addInt(g.g.Blocked, u.Blocked)
	g.g.Tamper = addInt(g.g.Tamper, u.Tamper)
	g.g.TimeAsked += u.Requests - u.AppRequests
	g.g.TimeGranted += u.Granted - u.AppGranted
	g.g.AppAsked += u.AppRequests
	g.g.AppGranted += u.AppGranted
	g.g.HelpOpened += u.HelpOpened
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
	rp, err := h.policyForReport(ctx)
	if err != nil {
		return apitype.HubReport{}, err
	}
	return h.report(from, to, by, rp, now), nil
}

func (h *Hub) report(from, to, by string, rp reportPolicy, now time.Time) apitype.HubReport {
	// The rollups of the span, copied out under the lock (a rollup is
	// replaced whole, never changed: its maps may be shared).
	var rolls []wire.Rollup
	pcName := map[string]string{}
	h.mu.Lock()
	for _, pc := range h.st.PCs {
		pcName[pc.ID] = pc.Name
	}
	for _, days := range h.usage {
		for day, kids := range days {
			if day < from || day > to {
				continue
			}
			for _, r := range kids {
				rolls = append(rolls, r)
			}
		}
	}
	h.mu.Unlock()
	nameOfPC := func(id string) string {
		if n := pcName[id]; n != "" {
			return n
		}
		return id // a PC removed since
	}
	// Child-days over every PC, and each PC's own.
	days := map[[2]string]*unit{}
	perPC := map[[3]string]*unit{}
	for _, r := range rolls {
		k := [2]string{r.Child, r.Day}
		u := days[k]
		if u == nil {
			u = &unit{child: r.Child, day: r.Day, pcs: map[string]bool{}}
			days[k] = u
		}
		u.add(r)
		if by == apitype.ReportByPC {
			pk := [3]string{r.PC, r.Child, r.Day}
			v := perPC[pk]
			if v == nil {
				v = &unit{child: r.Child, day: r.Day, pc: r.PC, pcs: map[string]bool{}}
				perPC[pk] = v
			}
			v.add(r)
		}
	}
	childName := func(key string) string {
		if n := rp.names[key]; n != "" {
			return n
		}
		return key
	}
	total := newGroup("")
	groups := map[string]*group{}
	classes := map[string]*group{}
	into := func(m map[string]*group, key string, u *unit) {
		g := m[key]
		if g == nil {
			g = newGroup(key)
			m[key] = g
		}
		g.add(u)
	}
	for _, u := range days {
		total.add(u)
		if cl := rp.classes[u.child]; cl != "" {
			into(classes, cl, u)
		}
		switch by {
		case apitype.ReportByAge:
			if u.child != wire.PCChild {
				into(groups, bandOf(u.age), u)
			}
		case apitype.ReportByChild:
			if u.child != wire.PCChild {
				into(groups, childName(u.child), u)
			}
		case apitype.ReportByDay:
			into(groups, u.day, u)
		}
	}
	for _, u := range perPC {
		into(groups, nameOfPC(u.pc), u)
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
