package localapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
)

// The child's app says it showed the help screen (hotline 111): the daemon
// records a help_opened event, which the hub's yearly report counts (only
// the count leaves the PC). A child's account only, for itself; at most
// one every helpEvery, so a script cannot fill the log.

// helpEvery is the shortest time between two help_opened events of a child.
const helpEvery = 10 * time.Second

// EventHelpOpened is the event a help screen opened records.
const EventHelpOpened = "help_opened"

var helpSeen = struct {
	sync.Mutex
	last map[helpKey]time.Time
}{last: map[helpKey]time.Time{}}

type helpKey struct {
	h     *Handlers
	child string
}

// helpRoutes are added to the table by Routes.
func (h *Handlers) helpRoutes() []api.Route {
	return []api.Route{{Pattern: "POST " + apitype.RouteHelpOpened, Role: apitype.RoleChild, Handle: h.helpOpened}}
}

func (h *Handlers) helpOpened(ctx context.Context, c *api.Caller, _ *http.Request) (any, error) {
	if c.Role != apitype.RoleChild || c.Child == "" {
		return nil, api.Forbidden("only a child's account says its help screen was opened").Keyed("err.help.notChild", nil)
	}
	now := h.b.Now()
	k := helpKey{h, c.Child}
	helpSeen.Lock()
	last, seen := helpSeen.last[k]
	recent := seen && now.Sub(last) < helpEvery && !now.Before(last)
	if !recent {
		helpSeen.last[k] = now
	}
	helpSeen.Unlock()
	if !recent {
		h.b.Record(ctx, c.Child, EventHelpOpened, nil)
	}
	return apitype.OK{OK: true}, nil
}
