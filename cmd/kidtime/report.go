package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/kidtime/kidtime/agent/apitype"
)

// kidtime report (issue 13): the hub's yearly report, on the hub's socket
// (--hub-socket, $KIDTIME_HUB_SOCKET, else the system's), as a table in the
// person's language, as CSV (--csv), as a printable HTML page with charts
// (--html FILE, report_html.go) or as JSON (--json).

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
		return k.reportCSV(k.stdout, rep)
	case o.html != "":
		return k.reportHTMLFile(o.html, rep)
	}
	return k.out(rep, func(w io.Writer) { k.reportText(w, rep) })
}

// groupName is a group's key as a person reads it (an age band in years).
func (k *cli) groupName(by, key string) string {
	switch {
	case key == "":
		return k.t("report.total")
	case by == apitype.ReportByAge:
		return k.t("report.band", key)
	}
	return key
}

func (k *cli) reportHeading(rep apitype.HubReport) []string {
	return []string{
		k.t("report.title", rep.From, rep.To),
		k.t("report.covered", rep.PCs, rep.Children),
		k.t("report.late", rep.LateFrom, rep.LateTo),
		k.t("report.preset"),
	}
}

func (k *cli) reportText(w io.Writer, rep apitype.HubReport) {
	for _, l := range k.reportHeading(rep) {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
	table := func(by string, gs []apitype.ReportGroup, total *apitype.ReportGroup) {
		fmt.Fprintln(w, k.t("report.header", k.t("report.by."+by)))
		row := func(g apitype.ReportGroup) {
			fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\t%.1f %%\t%.1f %%\t%.1f %%\t%d / %d\t%d\n", k.groupName(by, g.Key), g.Children, g.ChildDays,
				k.dur(g.AvgScreenSec), k.dur(g.AvgGamesSec), g.WithinPct, g.Games60Pct, g.LatePct, g.TimeAsked, g.TimeGranted, g.HelpOpened)
		}
		for _, g := range gs {
			row(g)
		}
		if total != nil {
			row(*total)
		}
	}
	table(rep.By, rep.Groups, &rep.Total)
	if len(rep.Classes) > 0 {
		fmt.Fprintln(w)
		table("class", rep.Classes, nil)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, k.t("report.blocked", counts(rep.Total.Blocked, k.t("report.none"))))
	fmt.Fprintln(w, k.t("report.apps", rep.Total.AppAsked, rep.Total.AppGranted))
	fmt.Fprintln(w, k.t("report.tamper", counts(rep.Total.Tamper, k.t("report.none"))))
	fmt.Fprintln(w, k.t("report.category", countsDur(rep.Total.Category, k, k.t("report.none"))))
}

// counts writes "game 3, unknown 1", most first ("none" when empty).
func counts(m map[string]int, none string) string {
	if len(m) == 0 {
		return none
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	parts := make([]string, len(keys))
	for i, key := range keys {
		parts[i] = key + " " + strconv.Itoa(m[key])
	}
	return strings.Join(parts, ", ")
}

func countsDur(m map[string]int64, k *cli, none string) string {
	if len(m) == 0 {
		return none
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return int(m[b] - m[a]) })
	parts := make([]string, len(keys))
	for i, key := range keys {
		parts[i] = key + " " + k.dur(m[key])
	}
	return strings.Join(parts, ", ")
}

// reportCSV writes one row per group, then the total, then the classes;
// the fixed columns are named in the person's language, then one column
// per category of programs stopped and per kind of tamper event.
func (k *cli) reportCSV(out io.Writer, rep apitype.HubReport) error {
	all := slices.Concat(rep.Groups, []apitype.ReportGroup{rep.Total}, rep.Classes)
	blocked, tamper := map[string]bool{}, map[string]bool{}
	for _, g := range all {
		for c := range g.Blocked {
			blocked[c] = true
		}
		for c := range g.Tamper {
			tamper[c] = true
		}
	}
	bKeys, tKeys := slices.Sorted(maps.Keys(blocked)), slices.Sorted(maps.Keys(tamper))
	w := csv.NewWriter(out)
	head := strings.Split(k.t("report.csv.header"), ",")
	for _, c := range bKeys {
		head = append(head, k.t("report.csv.blocked", c))
	}
	for _, c := range tKeys {
		head = append(head, k.t("report.csv.tamper", c))
	}
	_ = w.Write(head)
	n := strconv.Itoa
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	mins := func(sec int64) string { return f(float64(sec) / 60) }
	row := func(section, by string, g apitype.ReportGroup) {
		r := []string{section, k.groupName(by, g.Key), g.Band, n(g.PCs), n(g.Children), n(g.ChildDays),
			mins(g.AvgScreenSec), mins(g.AvgGamesSec), mins(g.AvgLateSec), n(g.WithinPreset), f(g.WithinPct), n(g.Games60), f(g.Games60Pct),
			n(g.LateDays), f(g.LatePct), n(g.TimeAsked), n(g.TimeGranted), n(g.AppAsked), n(g.AppGranted), n(g.HelpOpened), rep.From, rep.To}
		for _, c := range bKeys {
			r = append(r, n(g.Blocked[c]))
		}
		for _, c := range tKeys {
			r = append(r, n(g.Tamper[c]))
		}
		_ = w.Write(r)
	}
	for _, g := range rep.Groups {
		row(k.t("report.by."+rep.By), rep.By, g)
	}
	row(k.t("report.total"), rep.By, rep.Total)
	for _, g := range rep.Classes {
		row(k.t("report.by.class"), "class", g)
	}
	w.Flush()
	return w.Error()
}

// reportHTMLFile writes the page to path ("-": standard output).
func (k *cli) reportHTMLFile(path string, rep apitype.HubReport) error {
	if path == "-" {
		return k.reportHTML(k.stdout, rep)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if err := k.reportHTML(f, rep); err != nil {
		_ = f.Close()
		return fmt.Errorf("--html %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--html %s: %w", path, err)
	}
	fmt.Fprintln(k.stdout, k.t("report.written", path))
	return nil
}
