package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kidtime/kidtime/agent/apitype"
)

// The hub's routes (issue 13). A Client whose Socket is the hub's socket
// (kidtimed hub run --socket) reaches the hub: HubInvite, HubPCs,
// HubRemove, PublishPolicy. A Client of a PC's daemon joins and leaves,
// and PublishPolicy there forwards through the hub.

// HubInvite asks the hub for a one-time enrolment token.
func (c *Client) HubInvite(ctx context.Context, r apitype.HubInviteRequest) (apitype.HubInvite, error) {
	var out apitype.HubInvite
	err := c.do(ctx, http.MethodPost, apitype.RouteHubInvites, nil, r, &out)
	return out, err
}

// HubPCs lists the PCs joined to the hub.
func (c *Client) HubPCs(ctx context.Context) ([]apitype.HubPC, error) {
	var out []apitype.HubPC
	err := c.do(ctx, http.MethodGet, apitype.RouteHubPCs, nil, nil, &out)
	return out, err
}

// HubRemove revokes a PC.
func (c *Client) HubRemove(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, apitype.RouteHubPCs+"/"+url.PathEscape(name), nil, nil, nil)
}

// PublishPolicy publishes a signed policy file, byte for byte: stored by
// the hub, or forwarded through it by a joined PC's daemon.
func (c *Client) PublishPolicy(ctx context.Context, data []byte) (apitype.HubPublished, error) {
	var out apitype.HubPublished
	err := c.do(ctx, http.MethodPut, apitype.RouteHubPolicy, nil, rawBody(data), &out)
	return out, err
}

// Join joins this PC to a hub.
func (c *Client) Join(ctx context.Context, r apitype.JoinRequest) (apitype.HubStatus, error) {
	var out apitype.HubStatus
	err := c.do(ctx, http.MethodPost, apitype.RouteJoin, nil, r, &out)
	return out, err
}

// Leave makes this PC leave its hub.
func (c *Client) Leave(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, apitype.RouteJoin, nil, nil, nil)
}
