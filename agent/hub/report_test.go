package hub_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/rules"
)

// The report over real rollups: two PCs publish through the real client
// into the hub's JetStream, and the report reads what the hub indexed.
func TestReport(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// The hub's clock is the real one while the PCs enrol (their tokens'
	// expiry is checked on the PC too), then 1 December 2026.
	var fixed atomic.Bool
	dir := t.TempDir()
	r := startHub(t, dir, func() time.Time {
		if fixed.Load() {
			return now
		}
		return time.Now()
	})
	a := connect(t, join(t, r, "pc-a"), hubsync.Options{})
	b := connect(t, join(t, r, "pc-b"), hubsync.Options{})
	fixed.Store(true)
	waitFor(t, "connected", 10*time.Second, func() bool { return a.Connected() && b.Connected() })
	an, binh := wire.ChildKey("An"), wire.ChildKey("Bình")
	rolls := []struct {
		cl *hubsync.Client
		r  wire.Rollup
	}{
		// An (11), Monday 2 November: 3 h on pc-a, 1 h on pc-b: 4 h, over
		// the 2 h of the 9-11 preset; half an hour after 22:00.
		{a, wire.Rollup{Child: an, Age: 11, Day: "2026-11-02", ScreenSec: 3 * 3600, GamesSec: 1800,
			Category: map[string]int64{"game": 1800, "education": 9000}, Requests: 3, Answered: 2, Granted: 1, Tamper: map[string]int{"clock_jump": 1},
			ReportFigures: wire.ReportFigures{LateSec: 1800, Blocked: map[string]int{"game": 2}, HelpOpened: 2, AppRequests: 1}}},
		{b, wire.Rollup{Child: an, Age: 11, Day: "2026-11-02", ScreenSec: 3600, ReportFigures: wire.ReportFigures{HelpOpened: 1}}},
		// Bình (7), Tuesday 3 November on pc-b: 1 h, 20 min of games.
		{b, wire.Rollup{Child: binh, Age: 7, Day: "2026-11-03", ScreenSec: 3600, GamesSec: 1200, Requests: 1, Granted: 1}},
		// pc-a's own tamper event, no child's.
		{a, wire.Rollup{Child: wire.PCChild, Day: "2026-11-03", Tamper: map[string]int{"agent_stopped": 1}}},
		// Last school year: out of the default span.
		{a, wire.Rollup{Child: an, Age: 11, Day: "2026-08-15", ScreenSec: 7200}},
	}
	for i, x := range rolls {
		x.r.At, x.r.Rev = now, int64(i+1)
		if err := x.cl.PublishRollup(context.Background(), x.r); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "rollups indexed", 10*time.Second, func() bool { return len(r.Rollups("2026-11-02")) == 2 && len(r.Rollups("2026-11-03")) == 2 })
	report := func(from, to, by string) apitype.HubReport {
		t.Helper()
		rep, err := r.Report(context.Background(), from, to, by)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	group := func(rep apitype.HubReport, key string) apitype.ReportGroup {
		t.Helper()
		for _, g := range rep.Groups {
			if g.Key == key {
				return g
			}
		}
		t.Fatalf("by %s: no group %q in %+v", rep.By, key, rep.Groups)
		return apitype.ReportGroup{}
	}
	age := report("", "", "")
	pcs := report("", "", "pc")
	day := report("2026-11-01", "2026-11-30", "day")
	anonymous := report("", "", "child")
	checks := []struct {
		sentence string
		ok       bool
	}{
		{"The default span is the school year in progress, by age band.", age.From == "2026-09-01" && age.To == "2027-08-31" && age.By == "age"},
		{"Two PCs and two children are covered; last year's day is not.", age.PCs == 2 && age.Children == 2 && age.Total.ChildDays == 2},
		{"The bands come in the presets' order.", len(age.Groups) == 2 && age.Groups[0].Key == "6-8" && age.Groups[1].Key == "9-11"},
		{"An's day sums both PCs: 4 h, outside the preset, late.", group(age, "9-11").AvgScreenSec == 4*3600 && group(age, "9-11").WithinPreset == 0 && group(age, "9-11").LateDays == 1},
		{"Bình's day is within the preset and within 60 min of games.", group(age, "6-8").WithinPreset == 1 && group(age, "6-8").Games60 == 1 && group(age, "6-8").WithinPct == 100},
		{"Half the child-days were within their preset.", age.Total.WithinPct == 50 && age.Total.LatePct == 50},
		{"Requests for time: 3 asked, 1 granted (An's program request apart); Bình 1 and 1.", age.Total.TimeAsked == 3 && age.Total.TimeGranted == 2 && age.Total.AppAsked == 1},
		{"Blocked at launch by category, help opened, tamper by kind (the PC's own too).",
			age.Total.Blocked["game"] == 2 && age.Total.HelpOpened == 3 && age.Total.Tamper["clock_jump"] == 1 && age.Total.Tamper["agent_stopped"] == 1},
		{"Late night is said: 22:00 to 06:00.", age.LateFrom == "22:00" && age.LateTo == "06:00"},
		{"By PC, each PC's own part: pc-a has An's 3 h.", len(pcs.Groups) == 2 && group(pcs, "pc-a").AvgScreenSec == 3*3600 && group(pcs, "pc-a").ChildDays == 1 && group(pcs, "pc-b").ChildDays == 2},
		{"By PC, pc-a's own tamper event is its.", group(pcs, "pc-a").Tamper["agent_stopped"] == 1},
		{"By day, two days of November.", len(day.Groups) == 2 && day.Groups[0].Key == "2026-11-02" && day.Groups[1].Key == "2026-11-03"},
		{"Without shareNames, a child is their key.", !anonymous.Names && len(anonymous.Groups) == 2 && (anonymous.Groups[0].Key == an || anonymous.Groups[0].Key == binh)},
		{"No policy names classes: no classes.", age.Classes == nil},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s\n  age: %+v\n  pc: %+v", c.sentence, age, pcs)
		}
	}

	// A school policy that shares names and names classes.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	p := []byte(`{"version":1,"shareNames":true,"children":[{"name":"An","birthYear":2015},{"name":"Bình","birthYear":2019}],
		"classes":[{"name":"2A","children":["Bình"]},{"name":"6A","children":["An"]}]}`)
	raw, err := rules.Sign(p, priv, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Publish(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
	named := report("", "", "child")
	if !named.Names || len(named.Groups) != 2 || named.Groups[0].Key != "An" || named.Groups[1].Key != "Bình" {
		t.Errorf("with shareNames the children are named: %+v", named.Groups)
	}
	if len(named.Classes) != 2 || named.Classes[0].Key != "2A" || named.Classes[0].Band != "6-8" || named.Classes[1].AvgScreenSec != 4*3600 {
		t.Errorf("the classes: %+v", named.Classes)
	}

	// A hub that has just started reads its stream again: its first
	// report waits for that, and misses nothing.
	r.stop()
	r = startHub(t, dir, func() time.Time { return now })
	if again := report("", "", "age"); again.Total.ChildDays != 2 || again.Total.HelpOpened != 3 {
		t.Errorf("the first report after a restart: %+v; want the same figures", again.Total)
	}

	for _, c := range []struct {
		from, to, by, field, key string
	}{
		{"2026-13-01", "", "", "--from", "err.report.date"},
		{"", "1/9/2026", "", "--to", "err.report.date"},
		{"2026-12-01", "2026-11-01", "", "--from", "err.report.span"},
		{"", "", "week", "--by", "err.report.by"},
	} {
		_, err := r.Report(context.Background(), c.from, c.to, c.by)
		var ae *apitype.ReportArgError
		if !errors.As(err, &ae) || ae.Field != c.field || ae.Key != c.key {
			t.Errorf("Report(%q, %q, %q) = %v; want %s on %s", c.from, c.to, c.by, err, c.key, c.field)
		}
	}
}

// The report route on the hub's admin socket: the figures as JSON, and a
// bad argument refused with its flag and its sentence's key.
func TestReportRoute(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	r := startHub(t, t.TempDir(), func() time.Time { return now })
	// the platform's own admin socket: a Unix socket, or on Windows a
	// named pipe (Wine has no AF_UNIX)
	sock := filepath.Join(t.TempDir(), "hub.sock")
	if runtime.GOOS == "windows" {
		sock = fmt.Sprintf(`\\.\pipe\kidtime-hub-test-%d`, os.Getpid())
	}
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, l, quiet) }()
	t.Cleanup(func() { cancel(); <-done })
	c := &client.Client{Socket: sock}
	rep, err := c.HubReport(context.Background(), "", "", "")
	if err != nil || rep.From != "2026-09-01" || rep.To != "2027-08-31" || rep.By != "age" || rep.Groups == nil {
		t.Errorf("the report of an empty hub: %+v, %v", rep, err)
	}
	_, err = c.HubReport(context.Background(), "2027-01-01", "2026-09-01", "")
	if ae, ok := client.AsAPIError(err); !ok || ae.Field != "--from" || ae.Key != "err.report.span" {
		t.Errorf("from after to: %v; want a bad request on --from, err.report.span", err)
	}
}
