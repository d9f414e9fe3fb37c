package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
)

// sampleReport is a hub's answer: two age bands and a class.
var sampleReport = apitype.HubReport{From: "2026-09-01", To: "2027-08-31", By: "age", LateFrom: "22:00", LateTo: "06:00", PCs: 2, Children: 2,
	Total: apitype.ReportGroup{PCs: 2, Children: 2, ChildDays: 2, AvgScreenSec: 9000, AvgGamesSec: 1500, WithinPreset: 1, WithinPct: 50, LateDays: 1, LatePct: 50,
		Blocked: map[string]int{"game": 2}, Tamper: map[string]int{"clock_jump": 1}, TimeAsked: 3, TimeGranted: 2, HelpOpened: 3},
	Groups: []apitype.ReportGroup{
		{Key: "6-8", Band: "6-8", PCs: 1, Children: 1, ChildDays: 1, AvgScreenSec: 3600, WithinPreset: 1, WithinPct: 100},
		{Key: "9-11", Band: "9-11", PCs: 2, Children: 1, ChildDays: 1, AvgScreenSec: 14400, AvgGamesSec: 1800, LateDays: 1, LatePct: 100,
			Blocked: map[string]int{"game": 2}, Tamper: map[string]int{"clock_jump": 1}},
	},
	Classes:   []apitype.ReportGroup{{Key: "6A <b>", Band: "9-11", ChildDays: 1}},
	Generated: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}

// reportHub answers the report route with sampleReport and keeps the
// queries it was asked.
func reportHub(t *testing.T) (string, *[]string) {
	t.Helper()
	socket, l := listenStub(t)
	var asked []string
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI())
		_ = json.NewEncoder(w).Encode(sampleReport)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return socket, &asked
}

func runReport(t *testing.T, lang, hubSocket string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	t.Setenv("KIDTIME_LANG", lang)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv(EnvHubSocket, hubSocket)
	var out, errb bytes.Buffer
	code = Main(append([]string{"report"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestReportCommand(t *testing.T) {
	hub, asked := reportHub(t)
	htmlFile := filepath.Join(t.TempDir(), "report.html")
	cases := []struct {
		sentence string
		lang     string
		args     []string
		want     []string // in standard output (or the HTML file)
		file     string
	}{
		{"The table, in English: the span, what late night means, the bands in years.", "en", nil,
			[]string{"kidtime report, 2026-09-01 to 2027-08-31", "Late night: screen time from 22:00 to 06:00", "6-8 years", "9-11 years", "Decree 147/2024/NĐ-CP", "clock_jump 1", "game 2", "6A <b>"}, ""},
		{"The table, in Vietnamese.", "vi", []string{"--by", "age"},
			[]string{"Báo cáo kidtime, từ 2026-09-01 đến 2027-08-31", "Ban đêm: thời gian dùng máy từ 22:00 đến 06:00", "6-8 tuổi", "Nghị định 147/2024/NĐ-CP", "Tất cả"}, ""},
		{"CSV in Vietnamese: translated columns, one per category stopped and kind of tamper event.", "vi", []string{"--csv"},
			[]string{"phần,nhóm,độ tuổi", "bị chặn: game", "can thiệp: clock_jump", "Tất cả", "\nLỚP,6A <b>,9-11,"}, ""},
		{"HTML in English: inline SVG charts, the figures, no script.", "en", []string{"--html", htmlFile},
			[]string{"<svg", "Average screen time and game time per child-day", "Tamper events, by kind", "6A &lt;b&gt;", `<html lang="en">`}, htmlFile},
		{"HTML to standard output in Vietnamese.", "vi", []string{"--html", "-"},
			[]string{"<svg", "Sự kiện can thiệp, theo loại", `<html lang="vi">`}, ""},
	}
	for _, c := range cases {
		out, errOut, code := runReport(t, c.lang, hub, c.args...)
		if code != 0 {
			t.Errorf("%s\n  exit %d: %s", c.sentence, code, errOut)
			continue
		}
		if c.file != "" {
			b, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			out = string(b)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s\n  no %q in:\n%s", c.sentence, w, out)
			}
		}
		if strings.Contains(out, "<html") {
			for _, bad := range []string{"<script", "src=", "href=", "@import", "url("} {
				if strings.Contains(out, bad) {
					t.Errorf("%s\n  the page needs something from elsewhere: %q", c.sentence, bad)
				}
			}
		}
		if strings.Contains(strings.Join(c.args, " "), "--csv") {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 1+len(sampleReport.Groups)+1+len(sampleReport.Classes) || len(rows[0]) != len(rows[1]) {
				t.Errorf("%s\n  CSV: %v, %d rows", c.sentence, err, len(rows))
			}
		}
	}
	// --json is the hub's answer as it is.
	out, _, code := runReport(t, "en", hub, "--from", "2026-10-01", "--to", "2026-10-31", "--by", "day")
	if code != 0 || len(*asked) == 0 || (*asked)[len(*asked)-1] != "/v1/hub/report?by=day&from=2026-10-01&to=2026-10-31" {
		t.Errorf("the hub was asked %v (exit %d, %s)", *asked, code, out)
	}
	t.Setenv("KIDTIME_LANG", "en")
	var jout, jerr bytes.Buffer
	if code := Main([]string{"--json", "--hub-socket", hub, "report"}, strings.NewReader(""), &jout, &jerr); code != 0 {
		t.Fatalf("--json: exit %d %s", code, jerr.String())
	}
	var got apitype.HubReport
	if err := json.Unmarshal(jout.Bytes(), &got); err != nil || got.Total.HelpOpened != 3 || len(got.Groups) != 2 {
		t.Errorf("--json: %v %+v", err, got)
	}
}

// Bad input is bad usage (exit 2), said in the person's language with the
// flag it is about, and the hub is not asked.
func TestReportBadUsage(t *testing.T) {
	hub, asked := reportHub(t)
	cases := []struct {
		lang string
		args []string
		want string
	}{
		{"en", []string{"--from", "2026-13-01"}, "--from: 2026-13-01 is not a date such as 2026-09-01"},
		{"vi", []string{"--to", "31/08/2027"}, "--to: 31/08/2027 không phải là một ngày"},
		{"en", []string{"--from", "2027-01-01", "--to", "2026-09-01"}, "--from: The report starts on 2027-01-01, after its end on 2026-09-01."},
		{"vi", []string{"--by", "week"}, "--by: week: báo cáo theo age"},
		{"en", []string{"--csv", "--html", "x.html"}, "--csv: --csv and --html give one format each"},
		{"vi", []string{"--csv", "--html", "x.html"}, "--csv: --csv và --html là hai định dạng khác nhau"},
	}
	for _, c := range cases {
		_, errOut, code := runReport(t, c.lang, hub, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("kidtime report %v (%s): exit %d %q; want exit %d and %q", c.args, c.lang, code, errOut, exitUsage, c.want)
		}
	}
	// --json is global: with --html, a JSON error on the --html flag.
	var out, errb bytes.Buffer
	t.Setenv("KIDTIME_LANG", "en")
	code := Main([]string{"--json", "--hub-socket", hub, "report", "--html", "x.html"}, strings.NewReader(""), &out, &errb)
	var e apitype.Error
	if err := json.Unmarshal(errb.Bytes(), &e); code != exitUsage || err != nil || e.Field != "--html" || e.Key != "err.report.format" || e.Args["first"] != "--json" {
		t.Errorf("--json report --html: exit %d %s", code, errb.String())
	}
	if len(*asked) != 0 {
		t.Errorf("the hub was asked %v", *asked)
	}
}
