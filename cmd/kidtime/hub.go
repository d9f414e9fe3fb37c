package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/internal/reportfmt"
)

// The hub's commands (issue 13): hub invite, hub pcs and hub remove on the
// hub's socket (--hub-socket, $KIDTIME_HUB_SOCKET, else the system's);
// join and leave on the PC's daemon; policy publish on either.

// EnvHubSocket overrides the hub socket's path (as agent/hub and the
// console read it: apitype.HubSocket).
const EnvHubSocket = apitype.EnvHubSocket

// hubPath is the hub socket to use, and whether the person named it.
func (k *cli) hubPath() (string, bool) {
	if k.hubSocket != "" {
		return k.hubSocket, true
	}
	return apitype.HubSocket()
}

func (k *cli) hubClient() *client.Client {
	p, _ := k.hubPath()
	return &client.Client{Socket: p}
}

type inviteOpts struct {
	name, expires, hub string
}

func inviteFlags(fs *flag.FlagSet, o *inviteOpts) {
	fs.StringVar(&o.name, "name", "", "flag.hub-invite.name")
	fs.StringVar(&o.expires, "expires", "24h", "flag.hub-invite.expires")
	fs.StringVar(&o.hub, "hub", "", "flag.hub-invite.hub")
}

// parseTTL reads --expires: a Go duration (90m, 24h) or whole days (7d).
func parseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is no number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is no duration such as 24h, 90m or 7d", s)
	}
	return d, nil
}

func (k *cli) hubInvite(ctx context.Context, o *inviteOpts, _ []string) error {
	ttl, err := parseTTL(o.expires)
	if err != nil {
		return &usageError{msg: "--expires: " + err.Error(), field: "--expires", key: "err.hub.expiresValue", args: map[string]string{"value": o.expires}}
	}
	inv, err := k.hubClient().HubInvite(ctx, apitype.HubInviteRequest{Name: o.name, ExpiresSec: int64(ttl / time.Second), Hub: o.hub})
	if err != nil {
		return k.hubErr(err)
	}
	return k.out(inv, func(w io.Writer) {
		fmt.Fprintln(w, k.t("hub.invite", inv.Hub, inv.Expires.Local().Format("2006-01-02 15:04")))
		fmt.Fprintln(w, inv.Token)
		fmt.Fprintln(w, k.t("hub.invite.then"))
	})
}

func (k *cli) hubPCs(ctx context.Context, _ []string) error {
	pcs, err := k.hubClient().HubPCs(ctx)
	if err != nil {
		return k.hubErr(err)
	}
	return k.out(pcs, func(w io.Writer) {
		if len(pcs) == 0 {
			fmt.Fprintln(w, k.t("hub.pcs.none"))
			return
		}
		f := reportfmt.Format{Lang: k.lang}
		fmt.Fprintln(w, strings.Join(f.PCHeader(), "\t"))
		for _, p := range pcs {
			fmt.Fprintln(w, strings.Join(f.PCRow(p), "\t"))
		}
	})
}

func (k *cli) hubRemove(ctx context.Context, pos []string) error {
	if err := k.hubClient().HubRemove(ctx, pos[0]); err != nil {
		return k.hubErr(err)
	}
	return k.ok("hub.removed", pos[0])
}

type joinOpts struct{ name string }

func joinFlags(fs *flag.FlagSet, o *joinOpts) {
	fs.StringVar(&o.name, "name", "", "flag.join.name")
}

func (k *cli) join(ctx context.Context, o *joinOpts, pos []string) error {
	st, err := k.c.Join(ctx, apitype.JoinRequest{Token: pos[0], Name: o.name})
	if err != nil {
		return err
	}
	return k.out(st, func(w io.Writer) { fmt.Fprintln(w, k.t("hub.joined", st.URL)) })
}

func (k *cli) leave(ctx context.Context, _ []string) error {
	if err := k.c.Leave(ctx); err != nil {
		return err
	}
	return k.ok("hub.left")
}

// policyPublish sends a signed policy to the hub (--hub-socket,
// $KIDTIME_HUB_SOCKET, or the hub's socket on this machine when there is
// one and no --socket was given), else to this PC's daemon, which
// forwards it through its hub.
func (k *cli) policyPublish(ctx context.Context, pos []string) error {
	p, err := k.readPolicy(pos[0])
	if err != nil {
		return err
	}
	if p.sig == nil {
		return fmt.Errorf("%s is not signed; a hub publishes signed policies only (kidtime policy sign --key PREFIX.key %s)", p.path, p.path)
	}
	c := k.c
	path, named := k.hubPath()
	toHub := named || (!k.socketSet && socketExists(path))
	if toHub {
		c = &client.Client{Socket: path}
	}
	res, err := c.PublishPolicy(ctx, p.raw)
	if err != nil && toHub {
		return k.hubErr(err)
	}
	if err != nil {
		return err
	}
	return k.out(res, func(w io.Writer) { fmt.Fprintln(w, k.t("hub.published", res.KeyID, res.Seq)) })
}

func socketExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// hubErr says which hub socket could not be reached.
func (k *cli) hubErr(err error) error {
	if _, ok := client.AsAPIError(err); ok || err == nil {
		return err
	}
	p, _ := k.hubPath()
	return fmt.Errorf("%s (%s)", k.t("hub.nosocket", p), err)
}
