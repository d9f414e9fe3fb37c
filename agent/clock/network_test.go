package clock

import (
	"context"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ntptest"
	"github.com/kidtime/kidtime/agent/internal/ostest"
)

func TestNetworkTime(t *testing.T) {
	ostest.SkipUnderWine(t, "UDP sockets (WSAIoctl SIO_UDP_CONNRESET, which Go's runtime asks for)")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	skew := -3 * time.Hour // the server's time, against this machine's
	addr := ntptest.Serve(t, func() time.Time { return time.Now().Add(skew) })
	got, server, err := NetworkTime(ctx, []string{"127.0.0.1:1", addr})
	if err != nil {
		t.Fatalf("NetworkTime: %v", err)
	}
	if server != addr {
		t.Errorf("answered by %q; want %q (the first one does not answer)", server, addr)
	}
	if d := got.Sub(time.Now().Add(skew)); d < -time.Second || d > time.Second {
		t.Errorf("network time is %v off the server's", d)
	}
	if _, _, err := NetworkTime(ctx, nil); err == nil {
		t.Error("no server: no error")
	}
}

// fixedSource is a clock source whose wall the test sets.
type fixedSource struct {
	wall time.Time
	el   time.Duration
}

func (s *fixedSource) Wall() time.Time        { return s.wall }
func (s *fixedSource) Elapsed() time.Duration { return s.el }
func (s *fixedSource) BootID() string         { return "b" }

func TestRebase(t *testing.T) {
	real := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	cases := []struct {
		sentence string
		wall     time.Time // what the machine's clock says at start
		floor    time.Time // the last mark
		want     time.Time // trusted time after the rebase
		jump     bool
	}{
		{"a clock set a day forward in the firmware is put back", real.Add(24 * time.Hour), real.Add(-time.Hour), real, true},
		{"a clock within the tolerance is left alone", real.Add(30 * time.Second), real.Add(-time.Hour), real.Add(30 * time.Second), false},
		{"a clock behind is put forward", real.Add(-2 * time.Hour), real.Add(-3 * time.Hour), real, true},
		{"never before the last mark: a day once counted is not counted again", real.Add(24 * time.Hour), real.Add(12 * time.Hour), real.Add(12 * time.Hour), true},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			src := &fixedSource{wall: tc.wall, el: time.Hour}
			c, _ := New(src, Mark{})
			j := c.Rebase(real, tc.floor)
			if (j != nil) != tc.jump {
				t.Errorf("jump %v; want %v", j, tc.jump)
			}
			if got := c.Now(); !got.Equal(tc.want) {
				t.Errorf("trusted now %v; want %v", got, tc.want)
			}
			src.el += time.Minute
			if got := c.Now(); !got.Equal(tc.want.Add(time.Minute)) {
				t.Errorf("a minute later %v; want %v", got, tc.want.Add(time.Minute))
			}
		})
	}
}
