package localapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

// webBackend is what the safe web's routes need from the agent; a backend
// without it (an in-process test's) answers that the safe web is not
// available here.
type webBackend interface {
	WebLists(ctx context.Context) (apitype.WebLists, error)
	WebImport(ctx context.Context, category, source string, r io.Reader, by string) (apitype.WebImport, error)
	WebDetail(ctx context.Context, on bool)
}

// ErrWebUnavailable is the backend's error where children's DNS cannot be
// filtered (not Linux for now).
var ErrWebUnavailable = errors.New("the safe web is not available on this system (Linux only for now)")

// WebListError is a list that cannot be installed as it is (no domain in
// it, too large); Reason says why, in English.
type WebListError struct{ Reason string }

func (e *WebListError) Error() string { return e.Reason }

// webRoutes are the safe web's routes (added to the table by Routes).
func (h *Handlers) webRoutes() []api.Route {
	return []api.Route{
		{Pattern: "GET " + apitype.RouteWebLists, Role: apitype.RoleParent, Handle: h.webLists},
		{Pattern: "POST " + apitype.RouteWebLists, Role: apitype.RoleParent, Handle: h.webImport, MaxBody: apitype.MaxWebImport + 1<<20},
	}
}

func (h *Handlers) web() (webBackend, error) {
	wb, ok := h.b.(webBackend)
	if !ok {
		return nil, api.Conflict("%v", ErrWebUnavailable).Keyed("err.web.unavailable", nil)
	}
	return wb, nil
}

func (h *Handlers) webLists(ctx context.Context, _ *api.Caller, _ *http.Request) (any, error) {
	wb, err := h.web()
	if err != nil {
		return nil, err
	}
	return wb.WebLists(ctx)
}

func (h *Handlers) webImport(ctx context.Context, c *api.Caller, r *http.Request) (any, error) {
	wb, err := h.web()
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	cat, err := rules.ParseWebCategory("category", q.Get("category"), false)
	var fe *rules.FieldError
	if errors.As(err, &fe) {
		key, args := fe.MessageKey()
		return nil, api.BadRequest("category", "%s", fe.Reason).Keyed(key, args)
	}
	source := strings.TrimSpace(q.Get("source"))
	if source == "" || len(source) > 2048 || strings.ContainsAny(source, "\r\n") {
		return nil, api.BadRequest("source", "give the file or URL the list comes from (one line, at most 2048 characters)").
			Keyed("err.web.source", nil)
	}
	out, err := wb.WebImport(ctx, cat, source, r.Body, c.Peer.Username)
	var (
		mbe *http.MaxBytesError
		le  *WebListError
	)
	switch {
	case errors.As(err, &mbe):
		return nil, api.BadRequest("list", "the list is larger than %d MB", apitype.MaxWebImport>>20).
			Keyed("err.web.list", map[string]string{"reason": "too large"})
	case errors.As(err, &le):
		return nil, api.BadRequest("list", "%s", le.Reason).Keyed("err.web.list", map[string]string{"reason": le.Reason})
	case errors.Is(err, ErrWebUnavailable):
		return nil, api.Conflict("%v", err).Keyed("err.web.unavailable", nil)
	}
	return out, err
}
