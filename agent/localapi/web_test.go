package localapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
)

// webFake is a backend with the safe web: it keeps what it was asked to
// import, and refuses a list without a domain as the agent does.
type webFake struct {
	*fakeBackend
	imported []string
}

func (w *webFake) WebLists(context.Context) (apitype.WebLists, error) {
	return apitype.WebLists{Lists: []apitype.WebList{{Name: "adult", Category: "adult", Domains: 28, Shipped: true}}, Active: true}, nil
}

func (w *webFake) WebImport(_ context.Context, cat, src string, r io.Reader, _ string) (apitype.WebImport, error) {
	b, _ := io.ReadAll(r)
	if !strings.Contains(string(b), ".") {
		return apitype.WebImport{}, &WebListError{Reason: "no domain found in 1 lines"}
	}
	w.imported = append(w.imported, cat+" "+src+" "+string(b))
	return apitype.WebImport{List: apitype.WebList{Name: cat + ".x", Category: cat, Domains: 1}}, nil
}

func (w *webFake) WebDetail(context.Context, bool) {}

func route(t *testing.T, h *Handlers, pattern string) api.Handler {
	t.Helper()
	for _, r := range h.Routes() {
		if r.Pattern == pattern {
			return r.Handle
		}
	}
	t.Fatalf("no route %s", pattern)
	return nil
}

func TestWebRoutes(t *testing.T) {
	parent := &api.Caller{Role: apitype.RoleParent}
	post := func(h *Handlers, query, body string) (any, error) {
		r := httptest.NewRequest(http.MethodPost, apitype.RouteWebLists+"?"+query, strings.NewReader(body))
		return route(t, h, "POST "+apitype.RouteWebLists)(context.Background(), parent, r)
	}
	t.Run("without the safe web, the routes say so (never an empty success)", func(t *testing.T) {
		h := New(&fakeBackend{}, discard)
		_, err := route(t, h, "GET "+apitype.RouteWebLists)(context.Background(), parent, httptest.NewRequest(http.MethodGet, apitype.RouteWebLists, nil))
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Body.Key != "err.web.unavailable" {
			t.Errorf("err = %v; want 409 err.web.unavailable", err)
		}
	})
	wf := &webFake{fakeBackend: &fakeBackend{}}
	h := New(wf, discard)
	cases := []struct {
		sentence    string
		query, body string
		status      int
		field, key  string
	}{
		{"an unknown category names the field", "category=news&source=x", "a.example", 400, "category", "err.web.category"},
		{"a missing source is refused", "category=adult", "a.example", 400, "source", "err.web.source"},
		{"a list without a domain is refused", "category=adult&source=/tmp/empty", "nothing", 400, "list", "err.web.list"},
		{"a good list is installed", "category=gambling&source=/tmp/hosts", "0.0.0.0 casino.example", 200, "", ""},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			_, err := post(h, c.query, c.body)
			if c.status == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			err = apiErr(err)
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != c.status || ae.Body.Field != c.field || ae.Body.Key != c.key {
				t.Errorf("err = %#v; want %d on %s with %s", err, c.status, c.field, c.key)
			}
		})
	}
	if len(wf.imported) != 1 || wf.imported[0] != "gambling /tmp/hosts 0.0.0.0 casino.example" {
		t.Errorf("imported: %q", wf.imported)
	}
}
