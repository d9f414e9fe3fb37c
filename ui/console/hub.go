package console

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/internal/reportfmt"
	"github.com/kidtime/kidtime/ui/i18n"
)

// HubView is the Hub tab (issue 13), shown when this machine runs the hub
// (Options.Hub): the PCs joined to it, as kidtime hub pcs lists them, and
// the report of the school year in progress, as kidtime report gives it,
// by age band, PC, child or day, with two Export buttons (CSV, printable
// HTML page). Its figures and files are written by internal/reportfmt, the
// CLI's writers, in the console's language.
type HubView struct {
	c *Console
	b *client.Client
	// Status says why there is nothing to show: the hub refused (not an
	// administrator), could not be reached, or has no PC yet.
	Status *widget.Label
	PCs    *widget.Table
	// By picks the report's grouping: by age, PC, child or day.
	By      *widget.Select
	Heading *widget.Label
	Figures *widget.Table
	Totals  *widget.Label
	// ExportCSV and ExportHTML save the report on show (Write).
	ExportCSV, ExportHTML *widget.Button

	// PCList and Report are the hub's last answers; PCRows and FigureRows
	// what the tables show (header first).
	PCList     []apitype.HubPC
	Report     apitype.HubReport
	PCRows     [][]string
	FigureRows [][]string
	content    fyne.CanvasObject
	seq        int
}

// hubBy are the groupings, in the order of the choice.
var hubBy = []string{apitype.ReportByAge, apitype.ReportByPC, apitype.ReportByChild, apitype.ReportByDay}

func newHubView(c *Console, b *client.Client) *HubView {
	h := &HubView{c: c, b: b, Status: widget.NewLabel(""), Heading: widget.NewLabel(""), Totals: widget.NewLabel("")}
	for _, l := range []*widget.Label{h.Status, h.Heading, h.Totals} {
		l.Wrapping = fyne.TextWrapWord
	}
	h.Status.Importance = widget.WarningImportance
	h.PCs = rowsTable(&h.PCRows)
	h.Figures = rowsTable(&h.FigureRows)
	var names []string
	for _, by := range hubBy {
		names = append(names, lang.L("hub.by."+by))
	}
	h.By = widget.NewSelect(names, func(string) { h.Refresh() })
	h.By.Selected = names[0]
	h.ExportCSV = widget.NewButtonWithIcon(lang.L("hub.exportCSV"), theme.DownloadIcon(), func() { h.onExport("csv") })
	h.ExportHTML = widget.NewButtonWithIcon(lang.L("hub.exportHTML"), theme.DocumentPrintIcon(), func() { h.onExport("html") })
	pcs := container.NewStack(minHeight(150), h.PCs)
	top := container.NewVBox(title(lang.L("hub.title")), h.Status, heading(lang.L("hub.pcs")), pcs,
		heading(lang.L("hub.report")), container.NewHBox(h.By, h.ExportCSV, h.ExportHTML), h.Heading)
	h.content = container.NewBorder(top, h.Totals, nil, nil, container.NewStack(minHeight(120), h.Figures))
	return h
}

func minHeight(v float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, v))
	return r
}

// rowsTable shows *rows (the first is the header, stuck on top), each
// column as wide as its widest text.
func rowsTable(rows *[][]string) *widget.Table {
	t := widget.NewTable(func() (int, int) {
		if len(*rows) == 0 {
			return 0, 0
		}
		return len(*rows), len((*rows)[0])
	}, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			l.TextStyle.Bold = id.Row == 0
			l.SetText("")
			if id.Row < len(*rows) && id.Col < len((*rows)[id.Row]) {
				l.SetText((*rows)[id.Row][id.Col])
			}
		})
	t.StickyRowCount = 1
	return t
}

// fitColumns makes each column as wide as its widest text.
func fitColumns(t *widget.Table, rows [][]string) {
	pad := theme.Padding() * 4
	for col := range len(rows[0]) {
		var w float32
		for i, r := range rows {
			if col < len(r) {
				w = max(w, fyne.MeasureText(r[col], theme.TextSize(), fyne.TextStyle{Bold: i == 0}).Width)
			}
		}
		t.SetColumnWidth(col, min(w+pad, 320))
	}
	t.Refresh()
}

func (h *HubView) by() string {
	for i, by := range hubBy {
		if h.By.Selected == lang.L("hub.by."+by) {
			return hubBy[i]
		}
	}
	return apitype.ReportByAge
}

func (h *HubView) format() reportfmt.Format { return reportfmt.Format{Lang: i18n.Current()} }

// Refresh asks the hub for its PCs and the report by the grouping chosen.
func (h *HubView) Refresh() {
	h.seq++
	seq, by := h.seq, h.by()
	var pcs []apitype.HubPC
	var rep apitype.HubReport
	// not call: the hub's refusal is about this machine's account, not the
	// parent's token, and must not send the console back to the PIN
	h.c.callWith(false, func(ctx context.Context) error {
		var err error
		if pcs, err = h.b.HubPCs(ctx); err != nil {
			return fmt.Errorf("hub pcs: %w", err)
		}
		if rep, err = h.b.HubReport(ctx, "", "", by); err != nil {
			return fmt.Errorf("hub report: %w", err)
		}
		return nil
	}, func(err error) {
		if seq != h.seq {
			return
		}
		if err != nil {
			h.show(nil, apitype.HubReport{}, h.errorText(err))
			return
		}
		status := ""
		if len(pcs) == 0 {
			status = lang.L("hub.noPCs")
		}
		h.show(pcs, rep, status)
	})
}

// errorText is the sentence for the hub's error: refused, out of reach,
// or what the hub said.
func (h *HubView) errorText(err error) string {
	ae, ok := client.AsAPIError(err)
	switch {
	case ok && ae.Code == apitype.CodeNotAllowed:
		return lang.L("hub.refused")
	case ok:
		return ErrorText(err)
	}
	return lang.L("hub.unreachable", map[string]any{"Socket": h.b.Socket})
}

func (h *HubView) show(pcs []apitype.HubPC, rep apitype.HubReport, status string) {
	f := h.format()
	h.PCList, h.Report = pcs, rep
	h.Status.SetText(status)
	h.Status.Hidden = status == ""
	h.PCRows, h.FigureRows = [][]string{f.PCHeader()}, nil
	for _, p := range pcs {
		h.PCRows = append(h.PCRows, f.PCRow(p))
	}
	fitColumns(h.PCs, h.PCRows)
	h.Heading.SetText("")
	h.Totals.SetText("")
	ok := rep.By != ""
	for _, b := range []*widget.Button{h.ExportCSV, h.ExportHTML} {
		if ok {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if !ok {
		h.Figures.Refresh()
		return
	}
	h.FigureRows = append([][]string{f.Header(rep.By)}, f.Rows(rep)...)
	fitColumns(h.Figures, h.FigureRows)
	head := f.Heading(rep)
	h.Heading.SetText(head[0] + ". " + head[1] + " " + head[2] + "\n" + head[3])
	h.Totals.SetText(strings.Join(f.Totals(rep), "\n"))
}

// Write writes the report on show to w as CSV (format "csv", columns
// named in the console's language) or as the printable HTML page with its
// charts ("html"): the files kidtime report --csv and --html write.
func (h *HubView) Write(w io.Writer, format string) error {
	if h.Report.By == "" {
		return fmt.Errorf("hub export: no report on show")
	}
	switch format {
	case "csv":
		return h.format().CSV(w, h.Report)
	case "html":
		return h.format().HTML(w, h.Report)
	}
	return fmt.Errorf("hub export: unknown format %q", format)
}

func (h *HubView) onExport(format string) {
	var b bytes.Buffer
	if err := h.Write(&b, format); err != nil {
		h.c.showError(err)
		return
	}
	saveFile(h.c.w, fmt.Sprintf("kidtime-report-%s-%s-%s.%s", h.Report.From, h.Report.To, h.Report.By, format), b.Bytes())
}
