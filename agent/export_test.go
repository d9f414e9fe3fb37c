package agent

import (
	"context"
	"time"
)

// TickNow runs one tick of the agent's loop at the trusted time (for the
// tick benchmark; the agent under test runs with a long Tick so the loop
// does not tick on its own).
func (a *Agent) TickNow(ctx context.Context) { a.tick(ctx, a.now()) }

// Ticks is how many ticks the agent has run.
func (a *Agent) Ticks() int64 { return a.ticked.Load() }

// ScanEvery is the period of the safety-net process scan now.
func (a *Agent) ScanEvery() time.Duration { return a.scanEvery() }

// WebFlushTicks is how often the safe web's serve loop woke to write its
// counts.
func (a *Agent) WebFlushTicks() int64 { return a.web.flushTicks.Load() }
