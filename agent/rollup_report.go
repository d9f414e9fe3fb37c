package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/store"
)

// The figures each rollup carries for the hub's yearly report (issue 13,
// wire.ReportFigures): late-night screen time, the programs stopped as
// they started by category, the help screen opened, and which requests
// asked for a program. Counts only: no program's name, no window title.

// EventHelpOpened is recorded when a child's app shows the help screen
// (POST /v1/help, apitype.RouteHelpOpened).
const EventHelpOpened = localapi.EventHelpOpened

// reportFigures are the children's figures of the days, by child name and
// day ("An|2026-12-01"), from the events since yesterday (evs) and the
// store.
func (a *Agent) reportFigures(ctx context.Context, kids []store.Child, days []string, evs []store.Event, now time.Time) (map[string]wire.ReportFigures, error) {
	out := map[string]wire.ReportFigures{}
	get := func(k string) wire.ReportFigures { return out[k] }
	var cats map[string]string // lower-case program name → category, read once when needed
	fresh := false             // cats was read from the store in this call
	for _, e := range evs {
		if e.Child == "" {
			continue
		}
		k := e.Child + "|" + dayOf(e.At.In(now.Location()))
		switch {
		case e.Kind == EventHelpOpened:
			f := get(k)
			f.HelpOpened++
			out[k] = f
		case e.Kind == "app_closed" && e.Detail["onExec"] == true:
			if cats == nil {
				var err error
				if cats, err = a.programCategories(ctx, false); err != nil {
					return nil, err
				}
			}
			name, _ := e.Detail["app"].(string)
			cat, known := cats[strings.ToLower(name)]
			if !known && !fresh {
				// A program met since the cache was made.
				var err error
				if cats, err = a.programCategories(ctx, true); err != nil {
					return nil, err
				}
				fresh = true
				cat = cats[strings.ToLower(name)]
			}
			if cat == "" {
				cat = "unknown"
			}
			f := get(k)
			if f.Blocked == nil {
				f.Blocked = map[string]int{}
			}
			f.Blocked[cat]++
			out[k] = f
		}
	}
	for _, ch := range kids {
		reqs, err := a.st.Requests(ctx, ch.Name, "")
		if err != nil {
			return nil, fmt.Errorf("report figures: requests of %s: %w", ch.Name, err)
		}
		for _, q := range reqs {
			if q.Kind != store.KindApp {
				continue
			}
			k := ch.Name + "|" + q.Day
			f := get(k)
			f.AppRequests++
			if q.Status == apitype.StatusApproved {
				f.AppGranted++
			}
			out[k] = f
		}
		for _, day := range days {
			late, err := a.st.LateUse(ctx, ch.Name, day, now.Location(), wire.LateFrom, wire.LateTo)
			if err != nil {
				return nil, fmt.Errorf("report figures: late use of %s on %s: %w", ch.Name, day, err)
			}
			if late > 0 {
				k := ch.Name + "|" + day
				f := get(k)
				f.LateSec = int64(late / time.Second)
				out[k] = f
			}
		}
	}
	return out, nil
}

// categoriesFor caches programCategories for categoriesEvery: the hub
// service asks at each push (every 15 s) while a program was stopped in
// the last two days, and the tables change seldom. One agent's: a process
// runs one (tests run several, one after the other).
var categoriesFor struct {
	sync.Mutex
	a    *Agent
	at   time.Time
	cats map[string]string
}

const categoriesEvery = 10 * time.Minute

// programCategories maps the programs the PC knows, by lower-case name, to
// their category (the name is what an app_closed event keeps).
func (a *Agent) programCategories(ctx context.Context, reload bool) (map[string]string, error) {
	categoriesFor.Lock()
	age := time.Since(categoriesFor.at)
	cats, fresh := categoriesFor.cats, categoriesFor.a == a && age < categoriesEvery
	categoriesFor.Unlock()
	if fresh && (!reload || age < 30*time.Second) {
		// A reload for a program not in the tables waits 30 s: a name that
		// is in none (an unreadable program) would read them every push.
		return cats, nil
	}
	m, err := a.readCategories(ctx)
	if err != nil {
		return nil, err
	}
	categoriesFor.Lock()
	categoriesFor.a, categoriesFor.at, categoriesFor.cats = a, time.Now(), m
	categoriesFor.Unlock()
	return m, nil
}

func (a *Agent) readCategories(ctx context.Context) (map[string]string, error) {
	m := map[string]string{}
	apps, err := a.st.Apps(ctx)
	if err != nil {
		return nil, fmt.Errorf("report figures: apps: %w", err)
	}
	for _, ap := range apps {
		if ap.Category != "" {
			m[strings.ToLower(ap.Name)] = ap.Category
		}
	}
	ps, err := a.st.Programs(ctx)
	if err != nil {
		return nil, fmt.Errorf("report figures: programs: %w", err)
	}
	for _, p := range ps {
		if p.Category != "" {
			m[strings.ToLower(p.Name)] = p.Category
		}
	}
	return m, nil
}
