package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // DST zones for the properties, on any machine
)

func zones(t testing.TB) []*time.Location {
	out := []*time.Location{ict}
	for _, name := range []string{"America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		out = append(out, loc)
	}
	return out
}

func randBudget(r *rand.Rand) time.Duration {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return Unlimited
	default:
		return time.Duration(r.IntN(24*60+1)) * time.Minute
	}
}

func randWindows(r *rand.Rand) []Window {
	switch r.IntN(5) {
	case 0:
		return []Window{}
	case 1:
		return []Window{AllDay}
	}
	var ws []Window
	for range 1 + r.IntN(3) {
		s := Clock(r.IntN(24 * 60))
		e := Clock(r.IntN(24*60 + 1))
		w := Window{s, e}
		if !w.valid() {
			continue
		}
		ok := true
		for _, o := range ws {
			ok = ok && !w.overlaps(o)
		}
		if ok {
			ws = append(ws, w)
		}
	}
	return ws
}

var randApps = []App{minecraft, supertux, gcompris, roblox, firefox, zeroad, gta, forged}

func randomPolicy(r *rand.Rand) Policy {
	p := Policy{Age: r.IntN(20) - 1, PerGame: randBudget(r), Grace: time.Duration(r.IntN(121)) * time.Second,
		OnLimit: Action(r.IntN(2)), MaxRating: Rating(r.IntN(5))}
	for d := range 7 {
		p.Screen[d], p.Games[d], p.Allowed[d] = randBudget(r), randBudget(r), randWindows(r)
	}
	for _, w := range []time.Duration{30 * time.Minute, 15 * time.Minute, 5 * time.Minute, time.Minute} {
		if r.IntN(2) == 0 {
			p.Warnings = append(p.Warnings, w)
		}
	}
	kinds := []RuleKind{RuleNone, RuleAlways, RuleLimit, RuleBlock}
	for range r.IntN(4) {
		a := randApps[r.IntN(len(randApps))]
		rule := AppRule{Match: Match{Name: a.Name}, Rule: kinds[r.IntN(4)], Category: Category(1 + r.IntN(3))}
		if rule.Rule == RuleLimit {
			rule.Limit = Duration(time.Duration(1+r.IntN(120)) * time.Minute)
		}
		p.Apps = append(p.Apps, rule)
	}
	return p
}

func randomUsage(r *rand.Rand) Usage {
	u := Usage{Screen: time.Duration(r.IntN(26*3600)) * time.Second}
	u.Games = time.Duration(r.Int64N(int64(u.Screen) + 1))
	for _, a := range randApps {
		if r.IntN(3) == 0 {
			u.Apps = append(u.Apps, AppUsage{App: a, Used: time.Duration(r.Int64N(int64(u.Games) + 1)), Running: r.IntN(4) != 0})
		}
	}
	return u
}

func randomNow(r *rand.Rand, locs []*time.Location) time.Time {
	loc := locs[r.IntN(len(locs))]
	// any second of 2025, so DST changes are crossed in every zone
	base := time.Date(2025, time.January, 1, 0, 0, 0, 0, loc)
	return base.Add(time.Duration(r.IntN(365*24*3600)) * time.Second)
}

// checkInvariants: time left is never negative, and the next change is in
// the future and no later than the next local midnight.
func checkInvariants(t testing.TB, p Policy, u Usage, now time.Time, d Decision) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\npolicy %+v\nusage %+v\nnow %v\ndecision %+v", fmt.Sprintf(format, args...), p, u, now, d)
	}
	if d.Screen.Left < 0 || d.Games.Left < 0 {
		fail("negative time left: screen %v games %v", d.Screen.Left, d.Games.Left)
	}
	for _, a := range d.Apps {
		if a.Left < 0 {
			fail("negative time left for %s: %v", a.App.Name, a.Left)
		}
	}
	if !d.Next.After(now) {
		fail("next %v is not after now %v", d.Next, now)
	}
	y, m, day := now.Date()
	if midnight := time.Date(y, m, day+1, 0, 0, 0, 0, now.Location()); d.Next.After(midnight) {
		fail("next %v is after midnight %v", d.Next, midnight)
	}
	if d.Lock != (d.Screen.State == StateBlocked) {
		fail("lock %v but screen state %v", d.Lock, d.Screen.State)
	}
	for _, c := range d.Close {
		if c.Reason == ReasonAppAlways || c.Reason == "" {
			fail("closing %s for reason %q", c.App.Name, c.Reason)
		}
	}
}

func TestPropertyInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	locs := zones(t)
	for range 20000 {
		p, u, now := randomPolicy(r), randomUsage(r), randomNow(r, locs)
		checkInvariants(t, p, u, now, Evaluate(p, u, now))
	}
}

// TestPropertyMoreUseNeverMoreTime: without a grant, more usage never gives
// more time left, never a milder state, and never reopens a closed app.
func TestPropertyMoreUseNeverMoreTime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	locs := zones(t)
	for range 20000 {
		p, u1, now := randomPolicy(r), randomUsage(r), randomNow(r, locs)
		u2 := u1
		u2.Apps = append([]AppUsage(nil), u1.Apps...)
		extra := func() time.Duration { return time.Duration(r.IntN(3)) * time.Duration(r.IntN(3600)) * time.Second }
		u2.Screen += extra()
		u2.Games += extra()
		for i := range u2.Apps {
			u2.Apps[i].Used += extra()
		}
		d1, d2 := Evaluate(p, u1, now), Evaluate(p, u2, now)
		fail := func(what string) {
			t.Helper()
			t.Fatalf("%s\npolicy %+v\nnow %v\nusage %+v -> %+v\ndecisions\n%+v\n%+v", what, p, now, u1, u2, d1, d2)
		}
		if d2.Screen.Left > d1.Screen.Left || d2.Games.Left > d1.Games.Left {
			fail("more use gave more time")
		}
		if rank(d2.Screen.State) < rank(d1.Screen.State) || rank(d2.State) < rank(d1.State) {
			fail("more use gave a milder state")
		}
		for i := range d1.Apps {
			if d2.Apps[i].Left > d1.Apps[i].Left || rank(d2.Apps[i].State) < rank(d1.Apps[i].State) {
				fail("more use gave an app more time")
			}
		}
		if len(d2.Close) < len(d1.Close) {
			fail("more use reopened an app")
		}
	}
}

// TestPropertyNextIsNoLaterThanAChange: if the agent sleeps until Next while
// the child keeps using the screen, nothing changes before Next. Checked by
// sampling moments between now and Next with usage grown by the elapsed time.
func TestPropertyNextIsNoLaterThanAChange(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	locs := zones(t)
	for range 3000 {
		p, u, now := randomPolicy(r), randomUsage(r), randomNow(r, locs)
		p.Grants = nil
		d := Evaluate(p, u, now)
		if d.Lock {
			continue // nothing counts while locked
		}
		gap := d.Next.Sub(now)
		for _, f := range []float64{0.25, 0.5, 0.99} {
			dt := time.Duration(float64(gap)*f) / time.Second * time.Second
			if dt <= 0 {
				continue
			}
			v := u
			v.Apps = append([]AppUsage(nil), u.Apps...)
			v.Screen += dt
			gaming := false
			for i, a := range v.Apps {
				if a.Running {
					v.Apps[i].Used += dt
					gaming = gaming || p.Classify(a.App).Game()
				}
			}
			if gaming {
				v.Games += dt
			}
			e := Evaluate(p, v, now.Add(dt))
			if e.State != d.State || e.Screen.State != d.Screen.State || e.Lock != d.Lock || len(e.Close) != len(d.Close) {
				t.Fatalf("the decision changed %v after now, before next (%v):\npolicy %+v\nusage %+v\nnow %v\nbefore %+v\nafter %+v",
					dt, gap, p, u, now, d, e)
			}
		}
	}
}
