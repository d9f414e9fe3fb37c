package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
)

// The commands of today's time: grant, lock, pause-games, resume-games,
// ask, requests, approve, deny, code.

type grantOpts struct {
	games bool
	code  string
}

func grantFlags(fs *flag.FlagSet, o *grantOpts) {
	fs.BoolVar(&o.games, "games", false, "flag.grant.games")
	fs.StringVar(&o.code, "code", "", "flag.grant.code")
}

func (k *cli) grant(ctx context.Context, o *grantOpts, pos []string) error {
	d, err := durArg(pos[1])
	if err != nil {
		return err
	}
	kind := kindArg(o.games)
	if err := k.c.Grant(ctx, apitype.GrantRequest{Child: pos[0], Kind: kind, AddSec: int64(d / time.Second), Code: o.code}); err != nil {
		return err
	}
	return k.ok("grant.ok."+kind, k.dur(int64(d/time.Second)), pos[0])
}

// action is lock, pause-games or resume-games NAME.
func (k *cli) action(ctx context.Context, action string, pos []string) error {
	if err := k.c.Action(ctx, apitype.ActionRequest{Child: pos[0], Action: action}); err != nil {
		return err
	}
	return k.ok("action."+action, pos[0])
}

type askOpts struct {
	games  bool
	reason string
}

func askFlags(fs *flag.FlagSet, o *askOpts) {
	fs.BoolVar(&o.games, "games", false, "flag.ask.games")
	fs.StringVar(&o.reason, "reason", "", "flag.ask.reason")
}

func (k *cli) ask(ctx context.Context, o *askOpts, pos []string) error {
	d, err := durArg(pos[0])
	if err != nil {
		return err
	}
	r, err := k.c.Ask(ctx, apitype.AskRequest{Kind: kindArg(o.games), AddSec: int64(d / time.Second), Reason: o.reason})
	if err != nil {
		return err
	}
	return k.out(r, func(w io.Writer) { fmt.Fprintln(w, k.t("ask.ok", r.ID)) })
}

func requestsFlags(fs *flag.FlagSet, status *string) {
	fs.StringVar(status, "status", "", "flag.requests.status")
}

func (k *cli) requests(ctx context.Context, status *string, _ []string) error {
	if !apitype.ValidStatus(*status) {
		return badUsage("--status %q: want %s, %s or %s", *status, apitype.StatusPending, apitype.StatusApproved, apitype.StatusDenied)
	}
	rs, err := k.c.Requests(ctx, *status)
	if err != nil {
		return err
	}
	return k.out(rs, func(w io.Writer) {
		if len(rs) == 0 {
			fmt.Fprintln(w, k.t("requests.none"))
		}
		for _, r := range rs {
			if r.PC != "" {
				r.Child += " @" + r.PC // asked on another PC of the family
			}
			if r.App != nil {
				// A program waiting for a parent's yes: its name where the
				// time would be, its path where the reason would be.
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Child, k.t("app"), r.App.Name, k.t("req."+r.Status), r.App.Path)
				continue
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Child, k.t(r.Kind), k.dur(r.AddSec), k.t("req."+r.Status), r.Reason)
		}
	})
}

// answer is approve ID [DUR] and deny ID.
func (k *cli) answer(ctx context.Context, approve bool, pos []string) error {
	name := "deny"
	if approve {
		name = "approve"
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return badUsage("%s: %q is not a request number", name, pos[0])
	}
	var add int64
	if len(pos) == 2 {
		d, err := durArg(pos[1])
		if err != nil {
			return err
		}
		add = int64(d / time.Second)
	}
	r, err := k.c.Answer(ctx, id, apitype.AnswerRequest{Approve: approve, AddSec: add})
	if err != nil {
		return err
	}
	return k.out(r, func(w io.Writer) {
		switch {
		case r.Kept:
			// Another PC's request, that PC out of reach: the hub keeps
			// the answer for it.
			fmt.Fprintln(w, k.t("answer.kept", r.ID, r.Child, r.PC))
		case r.App != nil && r.Status == apitype.StatusApproved:
			fmt.Fprintln(w, k.t("answer.app.approved", r.ID, r.Child, r.App.Name))
		case r.App != nil:
			fmt.Fprintln(w, k.t("answer.app.denied", r.ID, r.Child, r.App.Name))
		default:
			fmt.Fprintln(w, k.t("answer."+r.Status, r.ID, r.Child, k.dur(r.GrantedSec)))
		}
	})
}

func (k *cli) code(ctx context.Context, _ []string) error {
	c, err := k.c.Code(ctx)
	if err != nil {
		return err
	}
	return k.out(c, func(w io.Writer) {
		fmt.Fprintln(w, k.t("code.now", c.Code, c.ValidUntil.Local().Format("15:04:05")))
	})
}

// durArg reads a DUR argument as people write it (rules.ParseDuration: 90s,
// 2 giờ 30 phút, 2:30); a bad one is bad usage, said in the CLI's language.
func durArg(s string) (time.Duration, error) {
	d, err := rules.ParseDuration(s)
	if err != nil {
		return 0, badValue("DUR", s, err)
	}
	return d, nil
}

// kindArg is the kind of time a --games flag asks for.
func kindArg(games bool) string {
	if games {
		return apitype.KindGames
	}
	return apitype.KindScreen
}
