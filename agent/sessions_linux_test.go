//go:build linux

package agent_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/agent/platform"
)

// The child uses the computer: the parent sees it as a session of today,
// through the real API; bad questions are refused with the field to blame.
func TestAgentSessions(t *testing.T) {
	w := newWorld(t)
	c, _ := w.start()
	setUp(t, c)
	ctx := ctxT(t)
	if err := c.SetPolicy(ctx, policy(t, fmt.Sprintf(`{"version":1,"children":[{"name":"An","birthYear":%d,"accounts":["kid"],
		"screen":{"daily":"10h"},"allowed":{"daily":["00:00-24:00"]}}]}`, time.Now().Year()-11))); err != nil {
		t.Fatal(err)
	}
	w.os.SetHash("/usr/bin/xterm", sum("xterm"))
	w.os.Exec(platform.Process{UID: w.kid, Exe: "/usr/bin/xterm"})

	var got apitype.Sessions
	if !eventually(15*time.Second, func() bool {
		var err error
		got, err = c.Sessions(ctx, "An", "", "")
		return err == nil && len(got.Sessions) == 1 && got.Sessions[0].ScreenSec >= 2
	}) {
		t.Fatalf("no session of 2 s or more after the child's process ran: %+v", got)
	}
	today := time.Now().Format(time.DateOnly)
	weekAgo := time.Now().AddDate(0, 0, -6).Format(time.DateOnly)
	if got.Child != "An" || got.To != today || got.From != weekAgo {
		t.Errorf("the default days are the last 7 up to today: child %q, %s..%s; want %s..%s", got.Child, got.From, got.To, weekAgo, today)
	}
	s := got.Sessions[0]
	if s.Day != today || s.End.Before(s.Start) || s.GamesSec != 0 {
		t.Errorf("the session is today's, with no games: %+v", s)
	}
	if span := s.End.Sub(s.Start); time.Duration(s.ScreenSec)*time.Second > span+time.Second {
		t.Errorf("%d s of screen time in a session of %v", s.ScreenSec, span)
	}
	if want := lateNight(s.Start, s.End); s.LateNight != want {
		t.Errorf("%s–%s local: late night %v, want %v", s.Start.Local().Format("15:04"), s.End.Local().Format("15:04"), s.LateNight, want)
	}

	cases := []struct {
		sentence        string
		child, from, to string
		code, field     string
	}{
		{"a day that is not a date", "An", "yesterday", "", apitype.CodeBadRequest, "from"},
		{"an end that is not a date", "An", "", "2026-13-01", apitype.CodeBadRequest, "to"},
		{"days the wrong way round", "An", "2026-03-10", "2026-03-01", apitype.CodeBadRequest, "from"},
		{"no child named", "", "", "", apitype.CodeBadRequest, "child"},
		{"a child nobody added", "Ghost", "", "", apitype.CodeNotFound, ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			_, err := c.Sessions(ctxT(t), tc.child, tc.from, tc.to)
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Field != tc.field {
				t.Errorf("Sessions: %#v; want %s on field %q", err, tc.code, tc.field)
			}
		})
	}

	// Days before any use: no session, an empty list (not null).
	old, err := c.Sessions(ctx, "An", "2020-01-01", "2020-01-07")
	if err != nil || old.Sessions == nil || len(old.Sessions) != 0 {
		t.Errorf("a week without use: %+v, %v; want an empty list", old, err)
	}
}

// lateNight: does a short session [start, end) meet 21:00–06:00 local
// time? (A session of a few seconds cannot hold a whole night.)
func lateNight(start, end time.Time) bool {
	night := func(t time.Time) bool { h := t.Local().Hour(); return h >= 21 || h < 6 }
	return night(start) || night(end.Add(-time.Millisecond))
}
