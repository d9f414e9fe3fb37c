package monitor_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/monitor"
)

var presenceRules = monitor.PresenceRules{HeartbeatTimeout: 20 * time.Second, IdleThreshold: 3 * time.Minute, CompanionGrace: 2 * time.Minute}

func TestWitnessJudge(t *testing.T) {
	now := t0
	active := facts.Session{ID: "s1", Active: true}
	cases := []struct {
		sentence string
		hb       *monitor.Heartbeat
		o        monitor.Observation
		active   bool
		present  bool
	}{
		{"an active, unlocked session is at the PC", nil, monitor.Observation{Sessions: []facts.Session{active}, Procs: 3}, true, true},
		{"a locked session is not", nil, monitor.Observation{Sessions: []facts.Session{{ID: "s1", Active: true, Locked: true}}, Procs: 3}, false, true},
		{"an idle session is not", nil, monitor.Observation{Sessions: []facts.Session{{ID: "s1", Active: true, Idle: true}}, Procs: 3}, false, true},
		{"without a login manager, processes mean the child is there (fail closed)", nil, monitor.Observation{Procs: 1}, true, true},
		{"nothing of theirs: away", nil, monitor.Observation{}, false, false},
		{"a companion claiming locked and idle does not make an active session inactive",
			&monitor.Heartbeat{At: now, Locked: true, Idle: time.Hour}, monitor.Observation{Sessions: []facts.Session{active}, Procs: 3}, true, true},
		{"a companion claiming locked does not stop counting without a login manager",
			&monitor.Heartbeat{At: now, Locked: true}, monitor.Observation{Procs: 3}, true, true},
		{"a companion reporting input makes an idle session active",
			&monitor.Heartbeat{At: now, Idle: time.Second}, monitor.Observation{Sessions: []facts.Session{{ID: "s1", Active: true, Idle: true}}, Procs: 3}, true, true},
		{"a fullscreen window counts though no key was pressed",
			&monitor.Heartbeat{At: now, Idle: time.Hour, Fullscreen: true}, monitor.Observation{Procs: 2}, true, true},
		{"a heartbeat older than the timeout says nothing",
			&monitor.Heartbeat{At: now.Add(-time.Minute), Idle: time.Second}, monitor.Observation{Sessions: []facts.Session{{ID: "s1", Active: true, Idle: true}}, Procs: 3}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := monitor.NewWitness(presenceRules)
			if tc.hb != nil {
				w.Beat(*tc.hb)
			}
			v := w.Judge(now, tc.o)
			if v.Active != tc.active || v.Present != tc.present {
				t.Errorf("active %v present %v; want %v and %v", v.Active, v.Present, tc.active, tc.present)
			}
			if w.Last().Active != v.Active {
				t.Error("Last does not return the verdict")
			}
		})
	}
}

func alertKinds(v monitor.Verdict) []string {
	var out []string
	for _, a := range v.Alerts {
		out = append(out, a.Kind)
	}
	return out
}

// A companion that goes silent while the child's programs run is reported
// once per heartbeat; a child with no companion for the grace is reported
// once a day.
func TestWitnessAlerts(t *testing.T) {
	w := monitor.NewWitness(presenceRules)
	o := monitor.Observation{Procs: 5}
	w.Beat(monitor.Heartbeat{At: t0})
	if v := w.Judge(t0.Add(10*time.Second), o); len(v.Alerts) != 0 || !v.Companion {
		t.Fatalf("with a live companion: alerts %v, companion %v", alertKinds(v), v.Companion)
	}
	v := w.Judge(t0.Add(30*time.Second), o)
	if !slices.Equal(alertKinds(v), []string{monitor.AlertHeartbeatGap}) || v.Companion {
		t.Fatalf("after 30 s of silence: %v; want one heartbeat_gap", alertKinds(v))
	}
	if v := w.Judge(t0.Add(31*time.Second), o); len(v.Alerts) != 0 {
		t.Errorf("the same silence was reported again: %v", alertKinds(v))
	}
	v = w.Judge(t0.Add(30*time.Second+presenceRules.CompanionGrace), o)
	if !slices.Equal(alertKinds(v), []string{monitor.AlertCompanionMissing}) {
		t.Errorf("after the grace with no companion: %v; want companion_missing", alertKinds(v))
	}
	if v := w.Judge(t0.Add(time.Hour), o); len(v.Alerts) != 0 {
		t.Errorf("companion_missing twice in a day: %v", alertKinds(v))
	}
	// The companion comes back, then is killed again: a new gap.
	w.Beat(monitor.Heartbeat{At: t0.Add(2 * time.Hour)})
	w.Judge(t0.Add(2*time.Hour+time.Second), o)
	if v := w.Judge(t0.Add(2*time.Hour+time.Minute), o); !slices.Equal(alertKinds(v), []string{monitor.AlertHeartbeatGap}) {
		t.Errorf("a second killing of the companion: %v; want heartbeat_gap", alertKinds(v))
	}
	// Nothing of the child's runs: no alert, whatever the companion does.
	w2 := monitor.NewWitness(presenceRules)
	if v := w2.Judge(t0.Add(time.Hour), monitor.Observation{}); len(v.Alerts) != 0 {
		t.Errorf("a child away gave %v", alertKinds(v))
	}
}

// A child who leaves and logs in again without the companion (killed, or
// kept from starting) is reported again, even later the same day.
func TestWitnessReportsAMissingCompanionAtEachLogin(t *testing.T) {
	w := monitor.NewWitness(presenceRules)
	o := monitor.Observation{Procs: 3}
	w.Judge(t0, o)
	if v := w.Judge(t0.Add(presenceRules.CompanionGrace), o); !slices.Equal(alertKinds(v), []string{monitor.AlertCompanionMissing}) {
		t.Fatalf("first login without a companion: %v", alertKinds(v))
	}
	w.Judge(t0.Add(time.Hour), monitor.Observation{}) // logged out
	w.Judge(t0.Add(2*time.Hour), o)                   // back, still no companion
	if v := w.Judge(t0.Add(2*time.Hour+presenceRules.CompanionGrace), o); !slices.Equal(alertKinds(v), []string{monitor.AlertCompanionMissing}) {
		t.Errorf("second login the same day without a companion: %v; want companion_missing again", alertKinds(v))
	}
}

// Next names the moments a verdict changes with nothing new observed, so
// the ticks can sleep until then and no longer.
func TestWitnessNext(t *testing.T) {
	o := monitor.Observation{Procs: 2}
	silent := t0.Add(presenceRules.HeartbeatTimeout + time.Millisecond)
	cases := []struct {
		sentence string
		beat     bool // a heartbeat at t0
		judge    []time.Duration
		obs      monitor.Observation
		want     time.Time
	}{
		{"nothing judged, nothing heard: no moment", false, nil, o, time.Time{}},
		{"a live companion: when its silence passes the timeout", true, []time.Duration{time.Second}, o, silent},
		{"no companion with the child's programs running: the grace's end", false, []time.Duration{0}, o, t0.Add(presenceRules.CompanionGrace)},
		{"the silence already judged: the grace's end, counted from it", true, []time.Duration{time.Second, time.Minute},
			o, t0.Add(time.Minute + presenceRules.CompanionGrace)},
		{"the grace's end already reported: nothing ahead", false, []time.Duration{0, presenceRules.CompanionGrace}, o, time.Time{}},
		{"the child away and the heartbeat old: nothing ahead", true, []time.Duration{time.Hour}, monitor.Observation{}, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := monitor.NewWitness(presenceRules)
			if tc.beat {
				w.Beat(monitor.Heartbeat{At: t0})
			}
			for _, d := range tc.judge {
				w.Judge(t0.Add(d), tc.obs)
			}
			if got := w.Next(); !got.Equal(tc.want) {
				t.Errorf("Next() = %v; want %v", got, tc.want)
			}
		})
	}
}
