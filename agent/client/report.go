package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kidtime/kidtime/agent/apitype"
)

// HubReport asks the hub for its report over from..to ("" = the school
// year in progress), grouped by apitype.ReportBy*.
func (c *Client) HubReport(ctx context.Context, from, to, by string) (apitype.HubReport, error) {
	q := url.Values{}
	for k, v := range map[string]string{"from": from, "to": to, "by": by} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out apitype.HubReport
	err := c.do(ctx, http.MethodGet, apitype.RouteHubReport, q, nil, &out)
	return out, err
}

// HelpOpened tells the daemon that the child's app showed the help screen
// (a child's own account; the hub's report counts it).
func (c *Client) HelpOpened(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, apitype.RouteHelpOpened, nil, nil, nil)
}
