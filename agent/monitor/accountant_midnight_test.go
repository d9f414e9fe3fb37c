package monitor

import (
	"context"
	"testing"
	"time"
)

type nopSink struct{}

func (nopSink) AddUsage(context.Context, Interval) error { return nil }

func TestTickAcrossMidnightCountsOnlyTheNewDay(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	a := NewAccountant(nopSink{})
	before := time.Date(2026, 11, 28, 23, 59, 59, 0, loc)
	after := before.Add(3 * time.Second) // 00:00:02 the next day
	a.Tick(before, "2026-11-28", nil)
	a.Tick(after, "2026-11-29", []Presence{{Child: "An", Active: true}})
	if got := a.Totals("An", "2026-11-29").Screen; got != 2*time.Second {
		t.Errorf("the new day got %v of a step that began before midnight; want only its own 2s", got)
	}
}
