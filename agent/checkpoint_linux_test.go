package agent_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/store"
)

// What a killed daemon left in the usage checkpoint is stored at the next
// start, once: a further start counts it no second time.
func TestAgentStoresTheCheckpointAtStart(t *testing.T) {
	w := newWorld(t)
	c, stop := w.start()
	setUp(t, c)
	stop()
	// The checkpoint as a daemon killed in the middle of a flush period
	// leaves it: two minutes of screen time, ended a minute ago.
	end := time.Now().Add(-time.Minute).Truncate(time.Second)
	if end.Add(-2*time.Minute).Day() != end.Day() {
		t.Skip("too close to midnight for two minutes of today")
	}
	ck, _, err := store.OpenCheckpoint(filepath.Join(w.data, "usage.checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	iv := store.Interval{Child: "An", Kind: store.KindScreen, Day: end.Format(time.DateOnly), Start: end.Add(-2 * time.Minute), End: end}
	if err := ck.Save(store.Saved{Usage: []store.Interval{iv}}); err != nil {
		t.Fatal(err)
	}
	if err := ck.Close(); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{120, 120} {
		c, stop := w.start()
		if got := childStatus(t, c, "An").ScreenUsedSec; got != want {
			t.Errorf("start %d: %d s of screen time; want %d (the checkpoint's, once)", i+1, got, want)
		}
		stop()
	}
}

// Time a checkpoint saved ahead of its moment (until the next checkpoint,
// which a kill -9 prevented) counts up to the restart at most.
func TestAgentCheckpointAheadIsTakenUpToNow(t *testing.T) {
	w := newWorld(t)
	c, stop := w.start()
	setUp(t, c)
	stop()
	now := time.Now().Truncate(time.Second)
	if now.Add(-time.Minute).Day() != now.Add(time.Hour).Day() {
		t.Skip("too close to midnight")
	}
	ck, _, err := store.OpenCheckpoint(filepath.Join(w.data, "usage.checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	day := now.Format(time.DateOnly)
	if err := ck.Save(store.Saved{Usage: []store.Interval{
		{Child: "An", Kind: store.KindScreen, Day: day, Start: now.Add(-time.Minute), End: now.Add(time.Hour)},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := ck.Close(); err != nil {
		t.Fatal(err)
	}
	c, _ = w.start()
	if got := childStatus(t, c, "An").ScreenUsedSec; got < 60 || got > 65 {
		t.Errorf("%d s of screen time from a checkpoint of a minute before and an hour ahead; want a minute (up to the restart)", got)
	}
}
