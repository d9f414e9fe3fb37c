package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kidtime/kidtime/agent/apitype"
)

// WebLists are the safe web's installed lists.
func (c *Client) WebLists(ctx context.Context) (apitype.WebLists, error) {
	var out apitype.WebLists
	err := c.do(ctx, http.MethodGet, apitype.RouteWebLists, nil, nil, &out)
	return out, err
}

// WebImport installs a list of domains (a hosts file, plain domains or
// ||domain^ lines) under category; source names the file or URL it came
// from (importing the same source again replaces it).
func (c *Client) WebImport(ctx context.Context, category, source string, list []byte) (apitype.WebImport, error) {
	var out apitype.WebImport
	q := url.Values{"category": {category}, "source": {source}}
	err := c.do(ctx, http.MethodPost, apitype.RouteWebLists, q, rawBody(list), &out)
	return out, err
}
