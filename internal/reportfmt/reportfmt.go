// Package reportfmt renders the hub's figures (issue 13) in a person's
// language: the PCs joined to the hub and the school year's report, as
// rows for a table, as text, as CSV and as one printable HTML page with
// inline SVG charts (html.go). The CLI (kidtime hub pcs, kidtime report)
// and the parents' console (its Hub tab) both write with it, so a school
// gets the same figures and the same files from either.
//
// The sentences are the CLI's ("cli.report.*", "cli.hub.*" in
// assets/translations/cli), in English and Vietnamese.
package reportfmt

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
)

// Format writes in one language ("vi" or "en").
type Format struct {
	Lang string
}

// T is the CLI's sentence key ("report.total" for "cli.report.total").
func (f Format) T(key string, args ...any) string { return assets.T(f.Lang, "cli."+key, args...) }

// Dur is a number of seconds as a person reads it ("1 h 20 min").
func (f Format) Dur(sec int64) string {
	if sec < 0 {
		return f.T("unlimited")
	}
	return assets.HumanDuration(f.Lang, sec)
}

// PCHeader names the columns of PCRow.
func (f Format) PCHeader() []string { return strings.Split(f.T("hub.pcs.header"), "\t") }

// PCRow is a PC as kidtime hub pcs shows it: name, OS, version, online or
// not, last seen (local time), children seen today, tamper events in the
// last 7 days.
func (f Format) PCRow(p apitype.HubPC) []string {
	state, seen := f.T("hub.offline"), f.T("hub.never")
	if p.Online {
		state = f.T("hub.online")
	}
	if !p.LastSeen.IsZero() {
		seen = p.LastSeen.Local().Format("2006-01-02 15:04")
	}
	return []string{p.Name, p.OS, p.Version, state, seen, strconv.Itoa(p.ChildrenToday), strconv.Itoa(p.Tamper7d)}
}

// GroupName is a group's key as a person reads it (an age band in years,
// "All" for the total).
func (f Format) GroupName(by, key string) string {
	switch {
	case key == "":
		return f.T("report.total")
	case by == apitype.ReportByAge:
		return f.T("report.band", key)
	}
	return key
}

// Heading is the report's title, then what it covers, what late night
// means and what "within the preset" means.
func (f Format) Heading(rep apitype.HubReport) []string {
	return []string{
		f.T("report.title", rep.From, rep.To),
		f.T("report.covered", rep.PCs, rep.Children),
		f.T("report.late", rep.LateFrom, rep.LateTo),
		f.T("report.preset"),
	}
}

// Header names the columns of Row for a grouping (apitype.ReportBy*, or
// "class").
func (f Format) Header(by string) []string {
	return strings.Split(f.T("report.header", f.T("report.by."+by)), "\t")
}

// Row is one group's figures as the table shows them: the group, children,
// child-days, screen time and game time per child-day, the shares within
// the preset, with games ≤ 60 min and with late-night use, time asked and
// granted, help opened.
func (f Format) Row(by string, g apitype.ReportGroup) []string {
	pct := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " %" }
	return []string{f.GroupName(by, g.Key), strconv.Itoa(g.Children), strconv.Itoa(g.ChildDays), f.Dur(g.AvgScreenSec), f.Dur(g.AvgGamesSec),
		pct(g.WithinPct), pct(g.Games60Pct), pct(g.LatePct), fmt.Sprintf("%d / %d", g.TimeAsked, g.TimeGranted), strconv.Itoa(g.HelpOpened)}
}

// Rows are the report's rows by its grouping, the total last.
func (f Format) Rows(rep apitype.HubReport) [][]string {
	out := make([][]string, 0, len(rep.Groups)+1)
	for _, g := range rep.Groups {
		out = append(out, f.Row(rep.By, g))
	}
	return append(out, f.Row(rep.By, rep.Total))
}

// Totals are the lines under the table: programs stopped by category,
// requests for a program, tamper events by kind, screen time by category.
func (f Format) Totals(rep apitype.HubReport) []string {
	none := f.T("report.none")
	return []string{
		f.T("report.blocked", counts(rep.Total.Blocked, none)),
		f.T("report.apps", rep.Total.AppAsked, rep.Total.AppGranted),
		f.T("report.tamper", counts(rep.Total.Tamper, none)),
		f.T("report.category", f.countsDur(rep.Total.Category, none)),
	}
}

// Text writes the report as kidtime report prints it, columns separated
// by tabs (for a tabwriter).
func (f Format) Text(w io.Writer, rep apitype.HubReport) {
	for _, l := range f.Heading(rep) {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
	table := func(by string, rows [][]string) {
		fmt.Fprintln(w, strings.Join(f.Header(by), "\t"))
		for _, r := range rows {
			fmt.Fprintln(w, strings.Join(r, "\t"))
		}
	}
	table(rep.By, f.Rows(rep))
	if len(rep.Classes) > 0 {
		fmt.Fprintln(w)
		var rows [][]string
		for _, g := range rep.Classes {
			rows = append(rows, f.Row("class", g))
		}
		table("class", rows)
	}
	fmt.Fprintln(w)
	for _, l := range f.Totals(rep) {
		fmt.Fprintln(w, l)
	}
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

func (f Format) countsDur(m map[string]int64, none string) string {
	if len(m) == 0 {
		return none
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return int(m[b] - m[a]) })
	parts := make([]string, len(keys))
	for i, key := range keys {
		parts[i] = key + " " + f.Dur(m[key])
	}
	return strings.Join(parts, ", ")
}

// CSV writes one row per group, then the total, then the classes; the
// fixed columns are named in the person's language, then one column per
// category of programs stopped and per kind of tamper event.
func (f Format) CSV(out io.Writer, rep apitype.HubReport) error {
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
	head := strings.Split(f.T("report.csv.header"), ",")
	for _, c := range bKeys {
		head = append(head, f.T("report.csv.blocked", c))
	}
	for _, c := range tKeys {
		head = append(head, f.T("report.csv.tamper", c))
	}
	_ = w.Write(head)
	n := strconv.Itoa
	fl := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	mins := func(sec int64) string { return fl(float64(sec) / 60) }
	row := func(section, by string, g apitype.ReportGroup) {
		r := []string{section, f.GroupName(by, g.Key), g.Band, n(g.PCs), n(g.Children), n(g.ChildDays),
			mins(g.AvgScreenSec), mins(g.AvgGamesSec), mins(g.AvgLateSec), n(g.WithinPreset), fl(g.WithinPct), n(g.Games60), fl(g.Games60Pct),
			n(g.LateDays), fl(g.LatePct), n(g.TimeAsked), n(g.TimeGranted), n(g.AppAsked), n(g.AppGranted), n(g.HelpOpened), rep.From, rep.To}
		for _, c := range bKeys {
			r = append(r, n(g.Blocked[c]))
		}
		for _, c := range tKeys {
			r = append(r, n(g.Tamper[c]))
		}
		_ = w.Write(r)
	}
	for _, g := range rep.Groups {
		row(f.T("report.by."+rep.By), rep.By, g)
	}
	row(f.T("report.total"), rep.By, rep.Total)
	for _, g := range rep.Classes {
		row(f.T("report.by.class"), "class", g)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("report CSV: %w", err)
	}
	return nil
}

// Generated is the footer's sentence: when the hub made the report, and
// what leaves the PCs.
func (f Format) Generated(t time.Time) string {
	return f.T("report.generated", t.Local().Format("2006-01-02 15:04"))
}
