package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/internal/reportfmt"
)

// kidtime report (issue 13): the hub's yearly report, on the hub's socket
// (--hub-socket, $KIDTIME_HUB_SOCKET, else the system's), as a table in the
// person's language, as CSV (--csv), as a printable HTML page with charts
// (--html FILE) or as JSON (--json); internal/reportfmt writes each, as
// it does for the console's Hub tab.

type reportOpts struct {
	from, to, by, html string
	csv                bool
}

func reportFlags(fs *flag.FlagSet, o *reportOpts) {
	fs.StringVar(&o.from, "from", "", "flag.report.from")
	fs.StringVar(&o.to, "to", "", "flag.report.to")
	fs.StringVar(&o.by, "by", apitype.ReportByAge, "flag.report.by")
	fs.BoolVar(&o.csv, "csv", false, "flag.report.csv")
	fs.StringVar(&o.html, "html", "", "flag.report.html")
}

func (k *cli) report(ctx context.Context, o *reportOpts, _ []string) error {
	from, to, by, err := apitype.ReportSpan(o.from, o.to, o.by, k.now())
	var ae *apitype.ReportArgError
	if errors.As(err, &ae) {
		return &usageError{msg: ae.Error(), field: ae.Field, key: ae.Key, args: ae.Args}
	}
	if err != nil {
		return err
	}
	if o.csv && o.html != "" {
		return &usageError{msg: "--csv and --html: choose one", field: "--csv", key: "err.report.format", args: map[string]string{"first": "--csv", "second": "--html"}}
	}
	if o.html != "" && k.json {
		return &usageError{msg: "--json and --html: choose one", field: "--html", key: "err.report.format", args: map[string]string{"first": "--json", "second": "--html"}}
	}
	rep, err := k.hubClient().HubReport(ctx, from, to, by)
	if err != nil {
		return k.hubErr(err)
	}
	switch {
	case o.csv && !k.json:
		return k.rf().CSV(k.stdout, rep)
	case o.html != "":
		return k.reportHTMLFile(o.html, rep)
	}
	return k.out(rep, func(w io.Writer) { k.rf().Text(w, rep) })
}

// rf renders the report in the person's language, as the console does.
func (k *cli) rf() reportfmt.Format { return reportfmt.Format{Lang: k.lang} }

// reportHTMLFile writes the page to path ("-": standard output).
func (k *cli) reportHTMLFile(path string, rep apitype.HubReport) error {
	if path == "-" {
		return k.rf().HTML(k.stdout, rep)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if err := k.rf().HTML(f, rep); err != nil {
		_ = f.Close()
		return fmt.Errorf("--html %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--html %s: %w", path, err)
	}
	fmt.Fprintln(k.stdout, k.t("report.written", path))
	return nil
}
