package clock

import (
	"testing"
	"time"
)

type fakeSource struct {
	wall    time.Time
	elapsed time.Duration
	boot    string
}

func (f *fakeSource) Wall() time.Time        { return f.wall }
func (f *fakeSource) Elapsed() time.Duration { return f.elapsed }
func (f *fakeSource) BootID() string         { return f.boot }
func (f *fakeSource) advance(d time.Duration) {
	f.wall = f.wall.Add(d)
	f.elapsed += d
}

var t0 = time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)

func TestStart(t *testing.T) {
	cases := []struct {
		sentence string
		last     Mark
		src      fakeSource
		wantNow  time.Time
		wantJump bool
	}{
		{"a first start trusts the wall clock", Mark{}, fakeSource{wall: t0, elapsed: time.Hour, boot: "a"}, t0, false},
		{"a restart after a reboot with the clock ahead is trusted", Mark{Wall: t0.Add(-time.Hour), Elapsed: 5 * time.Hour, BootID: "old"},
			fakeSource{wall: t0, elapsed: time.Minute, boot: "new"}, t0, false},
		{"a clock set back before the last reading is a jump and time resumes from the reading", Mark{Wall: t0, Elapsed: time.Hour, BootID: "old"},
			fakeSource{wall: t0.Add(-24 * time.Hour), elapsed: time.Minute, boot: "new"}, t0, true},
		{"a clock set forward within the same boot is a jump and the boot clock decides", Mark{Wall: t0, Elapsed: time.Hour, BootID: "b"},
			fakeSource{wall: t0.Add(24 * time.Hour), elapsed: time.Hour + 10*time.Second, boot: "b"}, t0.Add(10 * time.Second), true},
		{"a restart in the same boot with an honest clock is not a jump", Mark{Wall: t0, Elapsed: time.Hour, BootID: "b"},
			fakeSource{wall: t0.Add(30 * time.Second), elapsed: time.Hour + 30*time.Second, boot: "b"}, t0.Add(30 * time.Second), false},
		{"a small drift backwards never runs time backwards", Mark{Wall: t0, Elapsed: time.Hour, BootID: "x"},
			fakeSource{wall: t0.Add(-5 * time.Second), elapsed: time.Minute, boot: "y"}, t0, false},
	}
	for _, c := range cases {
		src := c.src
		clk, jump := New(&src, c.last)
		if got := clk.Now(); !got.Equal(c.wantNow) {
			t.Errorf("%s: now = %v, want %v", c.sentence, got, c.wantNow)
		}
		if (jump != nil) != c.wantJump {
			t.Errorf("%s: jump = %v, want %v", c.sentence, jump, c.wantJump)
		}
	}
}

func TestRunningJumpIsReportedOnceAndIgnored(t *testing.T) {
	src := &fakeSource{wall: t0, elapsed: time.Hour, boot: "b"}
	clk, _ := New(src, Mark{})
	src.advance(10 * time.Second)
	if j := clk.Check(); j != nil {
		t.Fatalf("an honest clock reported a jump: %v", j)
	}
	// The child sets the clock to tomorrow morning.
	src.wall = src.wall.Add(12 * time.Hour)
	j := clk.Check()
	if j == nil {
		t.Fatal("a 12 h jump forward was not reported")
	}
	if got := clk.Now(); !got.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("trusted time followed the jump: %v", got)
	}
	src.advance(5 * time.Second)
	if j := clk.Check(); j != nil {
		t.Errorf("the same jump was reported twice: %v", j)
	}
	// Setting it back to the truth is quiet again.
	src.wall = clk.Now()
	if j := clk.Check(); j != nil {
		t.Errorf("a clock put right was reported: %v", j)
	}
	src.wall = src.wall.Add(-3 * time.Hour)
	if j := clk.Check(); j == nil || j.Delta > -time.Hour {
		t.Errorf("a jump back was not reported: %v", j)
	}
}

func TestSystemElapsedIsMonotonic(t *testing.T) {
	var s System
	a := s.Elapsed()
	time.Sleep(2 * time.Millisecond)
	if b := s.Elapsed(); b <= a {
		t.Fatalf("elapsed went from %v to %v", a, b)
	}
}

func TestMarkRoundTrip(t *testing.T) {
	m := Mark{Wall: t0, Elapsed: 3 * time.Second, BootID: "x"}
	got, err := UnmarshalMark(MarshalMark(m))
	if err != nil || !got.Wall.Equal(m.Wall) || got.Elapsed != m.Elapsed || got.BootID != m.BootID {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := UnmarshalMark([]byte("{")); err == nil {
		t.Fatal("a corrupt mark decoded")
	}
}
