package hub_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub"
	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/agent/hubsync"
)

// logBuf keeps a hub's log lines for a test to read.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// take returns the lines written since the last take.
func (l *logBuf) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// startLogged starts a hub in dir whose log goes to lb.
func startLogged(t *testing.T, dir, listen string, now func() time.Time, lb *logBuf) *running {
	t.Helper()
	return startHubConfig(t, hub.Config{DataDir: dir, Listen: listen, Now: now,
		Logger: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelInfo}))})
}

// The usage index's snapshot (index.go): a hub that restarts reads its
// index back from the snapshot and the stream from where it left off,
// and makes the same report as one that reads the whole stream; a
// snapshot older than the stream (a kill -9), a missing, damaged or
// another hub's one give the same report too, read from the stream.
func TestUsageIndexSnapshot(t *testing.T) {
	now := time.Date(2027, 5, 20, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	dir := t.TempDir()
	lb := &logBuf{}
	r := startLogged(t, dir, "127.0.0.1:0", clock, lb)
	addr := r.Addr() // the PCs' tokens name it: the restarts listen there again
	laptop, kitchen := join(t, r, "laptop"), join(t, r, "kitchen")
	lc, kc := connect(t, laptop, hubsync.Options{}), connect(t, kitchen, hubsync.Options{})
	waitFor(t, "connected", 10*time.Second, func() bool { return lc.Connected() && kc.Connected() })
	ctx := context.Background()
	an, binh := wire.ChildKey("An"), wire.ChildKey("Binh")
	publish := func(cl *hubsync.Client, rs ...wire.Rollup) {
		t.Helper()
		for _, ro := range rs {
			ro.Age, ro.At = 10, now
			if err := cl.PublishRollup(ctx, ro); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An on both PCs on two days, Binh on the laptop; An's laptop day of
	// the 18th is sent twice (a later revision replaces the first: it
	// must count once).
	publish(lc, wire.Rollup{Child: an, Day: "2027-05-18", Rev: 1, ScreenSec: 600, GamesSec: 100},
		wire.Rollup{Child: an, Day: "2027-05-18", Rev: 2, ScreenSec: 4000, GamesSec: 3000},
		wire.Rollup{Child: binh, Day: "2027-05-18", Rev: 1, ScreenSec: 1200, Requests: 1, Granted: 1},
		wire.Rollup{Child: an, Day: "2027-05-19", Rev: 1, ScreenSec: 300})
	publish(kc, wire.Rollup{Child: an, Day: "2027-05-18", Rev: 1, ScreenSec: 900, Tamper: map[string]int{"clock_jump": 1}})
	indexed := func(n int) func() bool {
		return func() bool {
			return len(r.Rollups("2027-05-18"))+len(r.Rollups("2027-05-19"))+len(r.Rollups("2027-05-20")) == n
		}
	}
	waitFor(t, "the hub indexed the rollups", 10*time.Second, indexed(4))
	waitFor(t, "the hub took the later revision", 10*time.Second, func() bool {
		for _, ro := range r.Rollups("2027-05-18") {
			if ro.Child == an && ro.PC == laptop.PC {
				return ro.Rev == 2
			}
		}
		return false
	})
	reports := func(h *running) map[string]apitype.HubReport {
		t.Helper()
		out := map[string]apitype.HubReport{}
		for _, by := range []string{apitype.ReportByAge, apitype.ReportByPC, apitype.ReportByChild, apitype.ReportByDay} {
			rep, err := h.Report(ctx, "2027-05-01", "2027-05-31", by)
			if err != nil {
				t.Fatal(err)
			}
			out[by] = rep
		}
		return out
	}
	want := reports(r)
	if got := want[apitype.ReportByAge].Total; got.ChildDays != 3 || got.AvgScreenSec != (4000+900+1200+300)/3 {
		t.Fatalf("before any restart: %+v; want 3 child-days, An's 18th counted once (4000 s on the laptop + 900 s)", got)
	}
	r.stop()
	snap := filepath.Join(dir, "usage-index.gob")
	fi, err := os.Stat(snap)
	if err != nil {
		t.Fatalf("no snapshot after a clean stop: %v", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("the snapshot's mode is %v; want 0600", fi.Mode().Perm())
	}
	old, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	lb.take()

	restart := func(sentence, wantLog string, want map[string]apitype.HubReport) *running {
		t.Helper()
		h := startLogged(t, dir, addr, clock, lb)
		got := reports(h)
		if logs := lb.take(); !strings.Contains(logs, wantLog) {
			t.Errorf("%s: the hub's log does not say %q:\n%s", sentence, wantLog, logs)
		}
		for by, w := range want {
			if !reflect.DeepEqual(got[by], w) {
				t.Errorf("%s: the report by %s differs:\n got %+v\nwant %+v", sentence, by, got[by].Total, w.Total)
			}
		}
		return h
	}
	r = restart("a clean restart", "read from its snapshot", want)

	// More after the snapshot: An's laptop day of the 18th again (a later
	// revision of a rollup the snapshot holds), a new day, and a new
	// child on the kitchen PC.
	lc2, kc2 := connect(t, laptop, hubsync.Options{}), connect(t, kitchen, hubsync.Options{})
	waitFor(t, "connected again", 10*time.Second, func() bool { return lc2.Connected() && kc2.Connected() })
	publish(lc2, wire.Rollup{Child: an, Day: "2027-05-18", Rev: 3, ScreenSec: 5000, GamesSec: 3500, ReportFigures: wire.ReportFigures{LateSec: 60}} /* the laptop's 18th grows */)
	publish(kc2, wire.Rollup{Child: an, Day: "2027-05-20", Rev: 1, ScreenSec: 700},
		wire.Rollup{Child: binh, Day: "2027-05-20", Rev: 1, ScreenSec: 100})
	waitFor(t, "the hub indexed the later rollups", 10*time.Second, indexed(6))
	waitFor(t, "the hub took revision 3", 10*time.Second, func() bool {
		for _, ro := range r.Rollups("2027-05-18") {
			if ro.Child == an && ro.PC == laptop.PC {
				return ro.Rev == 3
			}
		}
		return false
	})
	want2 := reports(r)
	if reflect.DeepEqual(want2[apitype.ReportByAge], want[apitype.ReportByAge]) {
		t.Fatal("the later rollups changed nothing in the report: the test proves nothing")
	}
	r.stop()

	other := t.TempDir()
	oh := startHub(t, other, clock)
	oc := connect(t, join(t, oh, "elsewhere"), hubsync.Options{})
	waitFor(t, "connected to the other hub", 10*time.Second, oc.Connected)
	if err := oc.PublishRollup(ctx, wire.Rollup{Child: an, Day: "2027-05-18", Rev: 1, ScreenSec: 99999}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other hub indexed it", 10*time.Second, func() bool { return len(oh.Rollups("2027-05-18")) == 1 })
	oh.stop()
	foreign, err := os.ReadFile(filepath.Join(other, "usage-index.gob"))
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		sentence string
		file     []byte // nil: none
		log      string
	}{
		{"the snapshot of the clean stop", nil, "read from its snapshot"},
		{"a snapshot older than the stream (killed before the next one)", old, "read from its snapshot"},
		{"no snapshot", nil, "no snapshot of the usage index"},
		{"a damaged snapshot", append(append([]byte{}, old[:len(old)/2]...), 'x'), "is not used"},
		{"a half-written snapshot", old[:len(old)/2], "is not used"},
		{"another hub's snapshot", foreign, "another hub's"},
		{"not a snapshot at all", []byte("hello"), "is not used"},
	} {
		// A temporary file of a snapshot that was being written when the
		// hub was killed: gone at the next start.
		left := filepath.Join(dir, ".usage-index.gob.12345")
		if err := os.WriteFile(left, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		switch {
		case c.file != nil:
			if err := os.WriteFile(snap, c.file, 0o600); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(c.log, "no snapshot"):
			if err := os.Remove(snap); err != nil {
				t.Fatal(err)
			}
		}
		h := restart(c.sentence, c.log, want2)
		h.stop()
		if _, err := os.Stat(snap); err != nil {
			t.Errorf("%s: no snapshot after the stop: %v", c.sentence, err)
		}
		if _, err := os.Stat(left); err == nil {
			t.Errorf("%s: the left-over temporary file is still there", c.sentence)
		}
	}
}
