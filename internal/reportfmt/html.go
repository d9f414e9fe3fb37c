package reportfmt

import (
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kidtime/kidtime/agent/apitype"
)

// The report as one printable HTML page: the figures in tables and four
// charts in inline SVG. No script, no font, no image from elsewhere: it
// opens and prints offline.

var reportPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: bold; }
.chart { page-break-inside: avoid; }
@media print { body { margin: 1cm; } }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{range .Heading}}<p>{{.}}</p>
{{end}}
<h2>{{.GroupsTitle}}</h2>
{{.Groups}}
{{if .Classes}}<h2>{{.ClassesTitle}}</h2>
{{.Classes}}{{end}}
{{range .Charts}}<div class="chart"><h2>{{.Title}}</h2>
{{.SVG}}</div>
{{end}}
<p>{{.Footer}}</p>
</body>
</html>
`))

type chart struct {
	Title string
	SVG   template.HTML
}

// HTML writes the report as one printable page: the heading, the figures
// in tables (the classes too), four charts and the footer.
func (f Format) HTML(w io.Writer, rep apitype.HubReport) error {
	heading := f.Heading(rep)
	data := struct {
		Lang, Title, GroupsTitle, ClassesTitle, Footer string
		Heading                                        []string
		Groups, Classes                                template.HTML
		Charts                                         []chart
	}{
		Lang: f.Lang, Title: heading[0], Heading: heading[1:],
		GroupsTitle:  f.T("report.by.title", f.T("report.by."+rep.By)),
		ClassesTitle: f.T("report.by.title", f.T("report.by.class")),
		Groups:       f.htmlTable(rep.By, rep.Groups, &rep.Total),
		Footer:       f.Generated(rep.Generated),
	}
	if len(rep.Classes) > 0 {
		data.Classes = f.htmlTable("class", rep.Classes, nil)
	}
	var labels []string
	var screen, games, within []float64
	for _, g := range rep.Groups {
		labels = append(labels, f.GroupName(rep.By, g.Key))
		screen = append(screen, float64(g.AvgScreenSec)/60)
		games = append(games, float64(g.AvgGamesSec)/60)
		within = append(within, g.WithinPct)
	}
	data.Charts = []chart{
		{f.T("report.chart.time"), barChart(labels, [][]float64{screen, games}, []string{f.T("report.col.screen"), f.T("report.col.games")}, f.T("report.chart.minutes"), []float64{60, 120})},
		{f.T("report.chart.within"), barChart(labels, [][]float64{within}, []string{f.T("report.col.within")}, "%", []float64{100})},
		{f.T("report.chart.blocked"), hbarChart(rep.Total.Blocked, f.T("report.none"))},
		{f.T("report.chart.tamper"), hbarChart(rep.Total.Tamper, f.T("report.none"))},
	}
	if err := reportPage.Execute(w, data); err != nil {
		return fmt.Errorf("report HTML: %w", err)
	}
	return nil
}

func (f Format) htmlTable(by string, gs []apitype.ReportGroup, total *apitype.ReportGroup) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	b.WriteString("<table>\n<tr>")
	for _, h := range f.Header(by) {
		fmt.Fprintf(&b, "<th>%s</th>", esc(h))
	}
	b.WriteString("</tr>\n")
	row := func(g apitype.ReportGroup, class string) {
		fmt.Fprintf(&b, `<tr class="%s">`, class)
		for _, c := range f.Row(by, g) {
			fmt.Fprintf(&b, "<td>%s</td>", esc(c))
		}
		b.WriteString("</tr>\n")
	}
	for _, g := range gs {
		row(g, "")
	}
	if total != nil {
		row(*total, "total")
	}
	b.WriteString("</table>\n")
	return template.HTML(b.String())
}

var chartColours = []string{"#2b6cb0", "#dd6b20"}

// barChart draws groups of vertical bars (one series per colour), with
// dashed reference lines at refs, on a scale from 0.
func barChart(labels []string, series [][]float64, names []string, unit string, refs []float64) template.HTML {
	if len(labels) == 0 {
		return ""
	}
	top := 1.0
	for _, s := range series {
		for _, v := range s {
			top = max(top, v)
		}
	}
	for _, r := range refs {
		top = max(top, r)
	}
	top *= 1.1
	const h, left, bottom, slot = 220.0, 50.0, 60.0, 14.0
	groupW := slot*float64(len(series)) + 12
	width := left + groupW*float64(len(labels)) + 20
	y := func(v float64) float64 { return 10 + h - v/top*h }
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-size="11" role="img">`+"\n", max(width, 360), h+bottom+30)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="10" x2="%.0f" y2="%.1f" stroke="#555"/><line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#555"/>`+"\n", left, left, y(0), left, y(0), width, y(0))
	fmt.Fprintf(&b, `<text x="4" y="16">%s</text><text x="%.0f" y="%.1f" text-anchor="end">0</text>`+"\n", esc(unit), left-4, y(0))
	for _, r := range refs {
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#c53030" stroke-dasharray="4 3"/><text x="%.0f" y="%.1f" text-anchor="end">%g</text>`+"\n", left, y(r), width, y(r), left-4, y(r)+4, r)
	}
	for i, l := range labels {
		x0 := left + 8 + groupW*float64(i)
		for j, s := range series {
			v := s[i]
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.1f" fill="%s"><title>%s: %.0f</title></rect>`+"\n",
				x0+slot*float64(j), y(v), slot-2, y(0)-y(v), chartColours[j%len(chartColours)], esc(l+" · "+names[j]), v)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" transform="rotate(-35 %.1f %.1f)">%s</text>`+"\n", x0+groupW/2, y(0)+14, x0+groupW/2, y(0)+14, esc(l))
	}
	for j, n := range names {
		lx := left + 10 + float64(j)*150
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="%s"/><text x="%.0f" y="%.0f">%s</text>`+"\n", lx, h+bottom+12, chartColours[j%len(chartColours)], lx+14, h+bottom+21, esc(n))
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// hbarChart draws one horizontal bar per key, largest first.
func hbarChart(m map[string]int, none string) template.HTML {
	esc := template.HTMLEscapeString
	if len(m) == 0 {
		return template.HTML("<p>" + esc(none) + "</p>")
	}
	keys := slices.Sorted(maps.Keys(m))
	slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
	top := float64(m[keys[0]])
	const left, barW, rowH = 160.0, 360.0, 20.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-size="11" role="img">`+"\n", left+barW+60, rowH*float64(len(keys))+10)
	for i, key := range keys {
		y := 5 + rowH*float64(i)
		wd := max(float64(m[key])/top*barW, 1)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%s</text><rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="%s"/><text x="%.1f" y="%.0f">%d</text>`+"\n",
			left-6, y+13, esc(key), left, y+2, wd, rowH-6, chartColours[0], left+wd+4, y+13, m[key])
	}
	b.WriteString("</svg>")
	return template.HTML(b.String())
}
