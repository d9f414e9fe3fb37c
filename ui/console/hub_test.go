package console_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/agenttest"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/ui/console"
	"github.com/kidtime/kidtime/ui/i18n"
)

// openHub opens the console of the family's parent, in a language, with
// the Hub tab on the hub socket given, at the lab's screen size.
func openHub(t *testing.T, b *client.Client, hubSocket, language string) *console.Console {
	t.Helper()
	test.NewTempApp(t)
	if err := i18n.Setup(language); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i18n.Setup("en") })
	w := test.NewWindow(nil)
	w.Resize(labScreen)
	t.Cleanup(w.Close)
	c := console.New(w, b, console.Options{Sync: true, Now: func() time.Time { return now }, Hub: &client.Client{Socket: hubSocket}})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.Screen != "main" || c.Main.Hub == nil || len(c.Main.Tabs.Items) != 7 || c.Main.Tabs.Items[6].Text != lang.L("tab.hub") {
		t.Fatalf("screen %q; want the main tabs ending with %q", c.Screen, lang.L("tab.hub"))
	}
	return c
}

// fitsHub checks the Hub tab at 1024×768 beside the tab bar, and, with
// all, every other tab too (the Hub tab's name may widen the bar).
func fitsHub(t *testing.T, what string, c *console.Console, all bool) {
	t.Helper()
	tabs := c.Main.Tabs
	var widestScreen float32
	for _, item := range tabs.Items {
		widestScreen = max(widestScreen, item.Content.MinSize().Width)
	}
	bar := tabs.MinSize().Width - widestScreen
	for i, item := range tabs.Items {
		if i == 6 || all {
			c.Main.Select(i)
			fits(t, fmt.Sprintf("%s: tab %q", what, item.Text), c.Window(), item.Content, bar)
		}
	}
	c.Main.Select(6)
}

// The family's PC joined to a real hub (embedded JetStream): the Hub tab
// lists it, shows the school year's figures from its rollups by age band
// and by PC, exports the CSV (header in the console's language) and the
// printable page (SVG charts) with the CLI's writers, and fits a lab's
// screen in both languages.
func TestHubTab(t *testing.T) {
	for _, c := range []struct {
		language, csvHead, pcState, total string
	}{
		{"en", "section,group,age band,PCs", "online", "All"},
		{"vi", "phần,nhóm,độ tuổi", "trực tuyến", "Tất cả"},
	} {
		t.Run(c.language, func(t *testing.T) {
			f := agenttest.StartFamily(t, now)
			h := agenttest.StartHub(t, agenttest.HubOptions{})
			h.Join(f.World, "lab-1")
			deadline := time.Now().Add(30 * time.Second)
			for {
				rep, err := h.Report(context.Background(), "", "", "age")
				if err == nil && rep.Children >= 2 && rep.Total.ChildDays > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the family's days not on the hub within 30 s: %+v, %v", rep, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			con := openHub(t, f.Parent(), h.Socket, c.language)
			con.Main.Select(6)
			hv := con.Main.Hub
			if hv.Status.Visible() && hv.Status.Text != "" {
				t.Errorf("the tab says %q; want the hub's figures", hv.Status.Text)
			}
			if len(hv.PCRows) != 2 || hv.PCRows[1][0] != "lab-1" || hv.PCRows[1][3] != c.pcState || hv.PCRows[1][5] == "0" {
				t.Errorf("the PCs: %q; want lab-1, %s, with children today", hv.PCRows, c.pcState)
			}
			rep := hv.Report
			from, to := apitype.SchoolYear(time.Now())
			if rep.By != "age" || rep.From != from || rep.To != to || rep.Total.ChildDays == 0 || rep.Total.AvgScreenSec == 0 || len(rep.Groups) < 2 {
				t.Errorf("the report: %+v; want the school year %s..%s by age, An's and Bình's bands, time used", rep, from, to)
			}
			last := hv.FigureRows[len(hv.FigureRows)-1]
			if len(hv.FigureRows) != len(rep.Groups)+2 || last[0] != c.total || last[2] == "0" {
				t.Errorf("the figures: %q", hv.FigureRows)
			}
			fitsHub(t, c.language+": with the hub", con, true)

			hv.By.SetSelected(hv.By.Options[1]) // by PC
			if hv.Report.By != apitype.ReportByPC || len(hv.FigureRows) != 3 || hv.FigureRows[1][0] != "lab-1" || hv.FigureRows[1][2] == "0" {
				t.Errorf("by PC: %q", hv.FigureRows)
			}
			var out bytes.Buffer
			if err := hv.Write(&out, "csv"); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&out).ReadAll()
			if err != nil || len(recs) != 3 || !strings.HasPrefix(strings.Join(recs[0], ","), c.csvHead) || recs[1][1] != "lab-1" {
				t.Errorf("the CSV: %q, %v; want the header %q, then lab-1 and the total", recs, err, c.csvHead)
			}
			out.Reset()
			if err := hv.Write(&out, "html"); err != nil {
				t.Fatal(err)
			}
			page := out.String()
			if !strings.Contains(page, "<svg") || !strings.Contains(page, fmt.Sprintf(`<html lang="%s">`, c.language)) || !strings.Contains(page, "lab-1") {
				t.Errorf("the page has no chart, not the console's language or not the PC:\n%.400s", page)
			}
			if err := hv.Write(&out, "pdf"); err == nil {
				t.Error("a PDF was written; only csv and html are")
			}
		})
	}
}

// No hub on the machine: no Hub tab. A hub that refuses (not an
// administrator) or that cannot be reached: the tab says so in the
// person's language, the console stays on its tabs, Export is off, and
// the tab still fits.
func TestHubTabWithoutTheHub(t *testing.T) {
	f := agenttest.StartFamily(t, now)
	parent := f.Parent()
	c := openIn(t, parent, "en")
	if c.Main.Hub != nil || len(c.Main.Tabs.Items) != 6 {
		t.Errorf("no hub here, yet %d tabs", len(c.Main.Tabs.Items))
	}
	refusing := agenttest.StartHub(t, agenttest.HubOptions{Refuse: true})
	missing := filepath.Join(t.TempDir(), "no-hub.sock")
	for _, language := range []string{"vi", "en"} {
		for _, tc := range []struct {
			what, socket, key string
		}{
			{"refused", refusing.Socket, "hub.refused"},
			{"unreachable", missing, "hub.unreachable"},
		} {
			con := openHub(t, parent, tc.socket, language)
			hv := con.Main.Hub
			want := lang.L(tc.key, map[string]any{"Socket": tc.socket})
			if hv.Status.Text != want || !hv.Status.Visible() {
				t.Errorf("%s, %s: the tab says %q; want %q", language, tc.what, hv.Status.Text, want)
			}
			if con.Screen != "main" {
				t.Errorf("%s, %s: the console left its tabs for %q", language, tc.what, con.Screen)
			}
			if !hv.ExportCSV.Disabled() || !hv.ExportHTML.Disabled() {
				t.Errorf("%s, %s: Export is on with no report", language, tc.what)
			}
			if err := hv.Write(&bytes.Buffer{}, "csv"); err == nil {
				t.Errorf("%s, %s: a report was written with none on show", language, tc.what)
			}
			fitsHub(t, fmt.Sprintf("%s: the hub %s", language, tc.what), con, false)
		}
	}
}
