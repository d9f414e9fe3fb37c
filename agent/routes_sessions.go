package agent

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
)

// sessionGap is how far apart two stretches of screen use may be and still
// be one session in the Activity report.
const sessionGap = 5 * time.Minute

// hSessions lists a child's sessions of screen use (longest sessions,
// late-night use). A child sees only their own. Days default to the last 7
// up to today.
func (a *Agent) hSessions(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	q := r.URL.Query()
	child := q.Get("child")
	if c.Role == apitype.RoleChild {
		if child != "" && !strings.EqualFold(child, c.Child) {
			return nil, api.Forbidden("a child may see only their own sessions")
		}
		child = c.Child
	}
	if child == "" {
		return nil, api.BadRequest("child", "which child?")
	}
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = dayOf(a.now())
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
	rec, err := a.st.Child(ctx, child)
	if err != nil {
		return nil, storeErr(err)
	}
	// Make what was counted in the last seconds part of the report.
	if err := a.acct.Flush(ctx); err != nil {
		a.log.Warn("agent: flush before sessions", "err", err)
	}
	ss, err := a.st.SessionsIn(ctx, rec.Name, from, to, sessionGap, a.cfg.Location)
	if err != nil {
		return nil, storeErr(err)
	}
	out := apitype.Sessions{Child: rec.Name, From: from, To: to, Sessions: []apitype.SessionRow{}}
	for _, s := range ss {
		out.Sessions = append(out.Sessions, apitype.SessionRow{Day: s.Day, Start: s.Start, End: s.End,
			ScreenSec: int64(s.Screen / time.Second), GamesSec: int64(s.Games / time.Second), LateNight: s.LateNight})
	}
	return out, nil
}
