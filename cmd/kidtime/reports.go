package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// The reports: usage and events.

type usageOpts struct {
	from, to, by string
	csv          bool
}

func usageFlags(fs *flag.FlagSet, o *usageOpts) {
	fs.StringVar(&o.from, "from", "", "flag.usage.from")
	fs.StringVar(&o.to, "to", "", "flag.usage.to")
	fs.StringVar(&o.by, "by", "day", "flag.usage.by")
	fs.BoolVar(&o.csv, "csv", false, "flag.usage.csv")
}

func (k *cli) usage(ctx context.Context, o *usageOpts, pos []string) error {
	if o.by != "day" && o.by != "app" && o.by != "category" {
		return badUsage("--by %q: want day, app or category", o.by)
	}
	for name, v := range map[string]string{"from": o.from, "to": o.to} {
		if v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				return badUsage("--%s %q: want a date YYYY-MM-DD", name, v)
			}
		}
	}
	var child string
	if len(pos) == 1 {
		child = pos[0]
	} else {
		// No NAME: the only child there is (a child's own account sees
		// only themselves).
		st, err := k.c.Status(ctx)
		if err != nil {
			return err
		}
		switch len(st.Children) {
		case 0:
			return fmt.Errorf("no children yet: add one with kidtime child add")
		case 1:
			child = st.Children[0].Name
		default:
			return badUsage("usage needs a NAME (there are %d children)", len(st.Children))
		}
	}
	u, err := k.c.Usage(ctx, child, o.from, o.to, o.by)
	if err != nil {
		return err
	}
	if o.csv {
		return writeUsageCSV(k.stdout, o.by, u)
	}
	return k.out(u, func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", k.t("by."+u.By), k.t("screen"), k.t("games"))
		for _, r := range u.Rows {
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.Key, k.dur(r.ScreenSec), k.dur(r.GamesSec))
		}
	})
}

func writeUsageCSV(out io.Writer, by string, u apitype.Usage) error {
	w := csv.NewWriter(out)
	_ = w.Write([]string{by, "screen_seconds", "games_seconds"})
	for _, r := range u.Rows {
		_ = w.Write([]string{r.Key, strconv.FormatInt(r.ScreenSec, 10), strconv.FormatInt(r.GamesSec, 10)})
	}
	w.Flush()
	return w.Error()
}

type eventsOpts struct {
	since, child string
}

func eventsFlags(fs *flag.FlagSet, o *eventsOpts) {
	fs.StringVar(&o.since, "since", "24h", "flag.events.since")
	fs.StringVar(&o.child, "child", "", "flag.events.child")
}

func (k *cli) events(ctx context.Context, o *eventsOpts, _ []string) error {
	var from time.Time
	if t, err := time.Parse(time.RFC3339, o.since); err == nil {
		from = t
	} else if d, err := rules.ParseDuration(o.since); err == nil {
		from = k.now().Add(-d)
	} else {
		return badUsage("--since %q: want a duration (2h) or a time (RFC 3339)", o.since)
	}
	evs, err := k.c.Events(ctx, from, o.child)
	if err != nil {
		return err
	}
	// A sentence per event, in the person's language, as the console says
	// it; --json keeps the events as they are for machines.
	return k.out(evs, func(w io.Writer) {
		for _, e := range evs {
			mark := " "
			if e.Tamper {
				mark = "!"
			}
			text, _ := assets.EventSentence(k.lang, e.Kind, e.Child, e.Detail)
			fmt.Fprintf(w, "%s %s  %s\n", mark, e.At.Local().Format("2006-01-02 15:04:05"), text)
		}
	})
}
