package localapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// reportChild is the child a report is about: a child sees only their own.
func reportChild(c *api.Caller, child, what string) (string, error) {
	if c.Role == apitype.RoleChild {
		if child != "" && !strings.EqualFold(child, c.Child) {
			return "", api.Forbidden("a child may see only their own %s", what).Keyed("err.child.ownOnly", nil)
		}
		child = c.Child
	}
	if child == "" {
		return "", api.BadRequest("child", "which child? (usage NAME)").Keyed("err.child.which", nil)
	}
	return child, nil
}

// checkSpan refuses reports over more than about a year (a request is work
// the daemon does; nobody needs more at once).
func checkSpan(from, to string) error {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 == nil && err2 == nil && t.Sub(f) > 366*24*time.Hour {
		return api.BadRequest("from", "%s to %s is more than 366 days; ask for a year at most", from, to)
	}
	return nil
}

func (h *Handlers) usage(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	child, err := reportChild(c, q.Get("child"), "usage")
	if err != nil {
		return nil, err
	}
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = dayOf(h.b.Now())
	}
	if _, err := time.Parse(time.DateOnly, to); err != nil {
		return nil, api.BadRequest("to", "%q is not a date (YYYY-MM-DD)", to)
	}
	if from == "" {
		from = to
	}
	if _, err := time.Parse(time.DateOnly, from); err != nil {
		return nil, api.BadRequest("from", "%q is not a date (YYYY-MM-DD)", from)
	}
	if from > to {
		return nil, api.BadRequest("from", "%s is after %s", from, to)
	}
	if err := checkSpan(from, to); err != nil {
		return nil, err
	}
	by := q.Get("by")
	if by == "" {
		by = "day"
	}
	if by != "day" && by != "app" && by != "category" {
		return nil, api.BadRequest("by", "%q is not day, app or category", by)
	}
	rec, err := h.b.Store().Child(ctx, child)
	if err != nil {
		return nil, err
	}
	// Make what was counted in the last seconds part of the report.
	if err := h.b.Flush(ctx); err != nil {
		h.log.Warn("localapi: flush before report", "err", err)
	}
	rows, err := h.b.Store().Summary(ctx, rec.Name, from, to, by)
	if err != nil {
		return nil, err
	}
	byID := map[int64]store.App{}
	if by == "app" {
		apps, err := h.b.Store().Apps(ctx)
		if err != nil {
			return nil, err
		}
		for _, ap := range apps {
			byID[ap.ID] = ap
		}
	}
	out := apitype.Usage{Child: rec.Name, From: from, To: to, By: by, Rows: []apitype.UsageRow{}}
	for _, row := range rows {
		ap := byID[row.AppID]
		out.Rows = append(out.Rows, apitype.UsageRow{Key: row.Key, ScreenSec: int64(row.Screen / time.Second), GamesSec: int64(row.Games / time.Second),
			Path: ap.Path, SHA256: ap.SHA256, Category: ap.Category})
	}
	return out, nil
}

// sessionGap is how far apart two stretches of screen use may be and still
// be one session in the Activity report.
const sessionGap = 5 * time.Minute

// sessions lists a child's sessions of screen use (longest sessions,
// late-night use). Days default to the last 7 up to today.
func (h *Handlers) sessions(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	child, err := reportChild(c, q.Get("child"), "sessions")
	if err != nil {
		return nil, err
	}
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = dayOf(h.b.Now())
	}
	last, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, api.BadRequest("to", "%q is not a date (YYYY-MM-DD)", to)
	}
	if from == "" {
		from = last.AddDate(0, 0, -6).Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, from); err != nil {
		return nil, api.BadRequest("from", "%q is not a date (YYYY-MM-DD)", from)
	}
	if from > to {
		return nil, api.BadRequest("from", "%s is after %s", from, to)
	}
	if err := checkSpan(from, to); err != nil {
		return nil, err
	}
	rec, err := h.b.Store().Child(ctx, child)
	if err != nil {
		return nil, err
	}
	if err := h.b.Flush(ctx); err != nil {
		h.log.Warn("localapi: flush before sessions", "err", err)
	}
	ss, err := h.b.Store().SessionsIn(ctx, rec.Name, from, to, sessionGap, h.b.Now().Location())
	if err != nil {
		return nil, err
	}
	out := apitype.Sessions{Child: rec.Name, From: from, To: to, Sessions: []apitype.SessionRow{}}
	for _, s := range ss {
		out.Sessions = append(out.Sessions, apitype.SessionRow{Day: s.Day, Start: s.Start, End: s.End,
			ScreenSec: int64(s.Screen / time.Second), GamesSec: int64(s.Games / time.Second), LateNight: s.LateNight})
	}
	return out, nil
}

// tamperKinds are the events a parent should look at.
var tamperKinds = map[string]bool{
	"agent_restart": true, "clock_jump": true, "pin_failed": true, "code_failed": true,
	"companion_missing": true, "heartbeat_gap": true, "close_failed": true, "lock_failed": true,
	"restore": true, "new_account": true, "policy_rejected": true, "pin_in_child_session": true, "policy_refused": true,
	"connection_flood": true,
}

func (h *Handlers) events(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	now := h.b.Now()
	since := now.Add(-24 * time.Hour)
	if s := q.Get("since"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			since = t
		} else if d, err := rules.ParseDuration(s); err == nil {
			since = now.Add(-d)
		} else {
			return nil, api.BadRequest("since", "%q is neither a time (RFC 3339) nor a duration like 2h", s)
		}
	}
	if child := q.Get("child"); child != "" {
		if _, _, ok := h.b.Rules(child); !ok {
			return nil, notFoundChild(child)
		}
	}
	// What was recorded up to now is shown (the enforcer's events wait in
	// a queue; Flush writes them).
	if err := h.b.Flush(ctx); err != nil {
		return nil, err
	}
	evs, err := h.b.Store().Events(ctx, since, q.Get("child"))
	if err != nil {
		return nil, err
	}
	out := []apitype.Event{}
	for _, e := range evs {
		out = append(out, apitype.Event{ID: e.ID, At: e.At, Child: e.Child, Kind: e.Kind, Tamper: tamperKinds[e.Kind], Detail: e.Detail})
	}
	return out, nil
}

func (h *Handlers) apps(ctx context.Context, _ *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	child := q.Get("child")
	spec, pol, ok := h.b.Rules(child)
	if !ok {
		return nil, notFoundChild(child)
	}
	days := 7
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 366 {
			return nil, api.BadRequest("days", "%q is not a number of days from 1 to 366", s)
		}
		days = n
	}
	now := h.b.Now()
	rows, err := h.b.Store().Summary(ctx, spec.Name, dayOf(now.AddDate(0, 0, -(days-1))), dayOf(now), "app")
	if err != nil {
		return nil, err
	}
	apps, err := h.b.Store().Apps(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]store.App{}
	for _, ap := range apps {
		byName[ap.Name] = ap
	}
	out := []apitype.AppUsage{}
	for _, row := range rows {
		ap := byName[row.Key]
		x := apitype.AppUsage{Name: row.Key, Path: ap.Path, SHA256: ap.SHA256, Category: ap.Category, UsedSec: int64((row.Screen + row.Games) / time.Second)}
		cls := pol.Classify(rules.App{Name: baseName(ap.Path), Path: ap.Path, SHA256: ap.SHA256})
		if cls.Index >= 0 {
			x.Rule = cls.Rule.String()
		}
		out = append(out, x)
	}
	return out, nil
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		path = path[i+1:]
	}
	return path
}

// SettingOptions is the store's setting holding the parents' options.
const SettingOptions = "options"

// Options are the parents' options as stored (defaults where none are),
// with the help contacts of the policy in force.
func Options(ctx context.Context, st *store.Store, f rules.File) apitype.Settings {
	s := apitype.Settings{DetailRetentionDays: 90, RollupRetentionDays: 730}
	if b, err := st.Setting(ctx, SettingOptions); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	s.Help = helpContacts(f)
	return s
}

// ApplyRetention hands the parent's retention setting to the store.
func ApplyRetention(st *store.Store, s apitype.Settings) {
	day := 24 * time.Hour
	st.SetRetention(time.Duration(s.DetailRetentionDays)*day, time.Duration(s.RollupRetentionDays)*day)
}

func (h *Handlers) settings(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	return Options(ctx, h.b.Store(), h.b.PolicyFile()), nil
}

func (h *Handlers) setSettings(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	var s apitype.Settings
	if err := api.Decode(r, &s); err != nil {
		return nil, err
	}
	if s.DetailRetentionDays < 7 || s.DetailRetentionDays > 3660 {
		return nil, api.BadRequest("detailRetentionDays", "%d is not between 7 and 3660", s.DetailRetentionDays)
	}
	if s.RollupRetentionDays < s.DetailRetentionDays || s.RollupRetentionDays > 3660 {
		return nil, api.BadRequest("rollupRetentionDays", "%d is not between detailRetentionDays and 3660", s.RollupRetentionDays)
	}
	if s.Language != "" && s.Language != "vi" && s.Language != "en" {
		return nil, api.BadRequest("language", "%q is not vi or en", s.Language)
	}
	for i, hc := range s.Help {
		if strings.TrimSpace(hc.Name) == "" || strings.TrimSpace(hc.Number) == "" {
			return nil, api.BadRequest(fmt.Sprintf("help[%d]", i), "a help contact needs a name and a number")
		}
	}
	help := s.Help
	s.Help = nil
	b, _ := json.Marshal(s)
	if err := h.b.Store().SetSetting(ctx, SettingOptions, b); err != nil {
		return nil, err
	}
	ApplyRetention(h.b.Store(), s)
	if wb, ok := h.b.(webBackend); ok {
		wb.WebDetail(ctx, s.WebDetail)
	}
	if help != nil {
		f := h.b.PolicyFile()
		f.Help = nil
		for _, hc := range help {
			f.Help = append(f.Help, rules.HelpContact{Name: hc.Name, Number: hc.Number})
		}
		if err := h.b.Family().SetGlobal(ctx, f, ""); err != nil {
			return nil, err
		}
		if err := h.b.Reload(ctx); err != nil {
			return nil, err
		}
	}
	h.b.Record(ctx, "", "settings_changed", map[string]any{"by": c.Peer.Username})
	return Options(ctx, h.b.Store(), h.b.PolicyFile()), nil
}

// InstalledLister is the part of a Backend that knows the installed apps
// (the agent's classifier); a backend without it lists none.
type InstalledLister interface {
	Installed() []apitype.InstalledApp
}

func (h *Handlers) installed(context.Context, *api.Caller, *http.Request) (any, error) {
	out := []apitype.InstalledApp{}
	if il, ok := h.b.(InstalledLister); ok {
		out = append(out, il.Installed()...)
	}
	return out, nil
}
