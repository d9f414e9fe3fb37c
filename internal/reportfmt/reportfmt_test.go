package reportfmt_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/internal/reportfmt"
)

// A PC's row as kidtime hub pcs and the console's Hub tab show it, in
// both languages; one cell per column of the header.
func TestPCRow(t *testing.T) {
	seen := time.Date(2026, 12, 1, 9, 30, 0, 0, time.Local)
	for _, c := range []struct {
		lang string
		pc   apitype.HubPC
		want []string
	}{
		{"en", apitype.HubPC{Name: "lab-1", OS: "linux", Version: "0.1.0", Online: true, LastSeen: seen, ChildrenToday: 2, Tamper7d: 1},
			[]string{"lab-1", "linux", "0.1.0", "online", "2026-12-01 09:30", "2", "1"}},
		{"vi", apitype.HubPC{Name: "lab-2", OS: "windows"},
			[]string{"lab-2", "windows", "", "ngoại tuyến", "chưa bao giờ", "0", "0"}},
	} {
		f := reportfmt.Format{Lang: c.lang}
		got := f.PCRow(c.pc)
		if !slices.Equal(got, c.want) || len(got) != len(f.PCHeader()) {
			t.Errorf("%s: %q under %q; want %q", c.lang, got, f.PCHeader(), c.want)
		}
	}
}

// Every grouping's header has as many columns as its rows, the total is
// the last row, and an age band reads in years.
func TestRowsMatchTheHeader(t *testing.T) {
	rep := apitype.HubReport{From: "2026-09-01", To: "2027-08-31", By: "age",
		Total:  apitype.ReportGroup{ChildDays: 3, AvgScreenSec: 5400, WithinPct: 66.7, TimeAsked: 2, TimeGranted: 1},
		Groups: []apitype.ReportGroup{{Key: "6-8", ChildDays: 1}, {Key: "9-11", ChildDays: 2}}}
	for _, lang := range []string{"en", "vi"} {
		f := reportfmt.Format{Lang: lang}
		for _, by := range []string{apitype.ReportByAge, apitype.ReportByPC, apitype.ReportByChild, apitype.ReportByDay, "class"} {
			if h, r := f.Header(by), f.Row(by, rep.Total); len(h) != len(r) {
				t.Errorf("%s, by %s: %d columns, %d cells", lang, by, len(h), len(r))
			}
		}
		rows := f.Rows(rep)
		last := rows[len(rows)-1]
		if len(rows) != 3 || last[0] != f.T("report.total") || last[5] != "66.7 %" || last[8] != "2 / 1" || !strings.Contains(rows[0][0], "6-8 ") {
			t.Errorf("%s: %q", lang, rows)
		}
	}
}
