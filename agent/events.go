package agent

import (
	"context"
	"errors"

	"github.com/kidtime/kidtime/agent/store"
)

// event appends an event, logging a failure (events never stop the agent).
func (a *Agent) event(ctx context.Context, child, kind string, detail map[string]any) {
	a.storeEvent(ctx, store.Event{At: a.now(), Child: child, Kind: kind, Detail: detail})
}

func (a *Agent) storeEvent(ctx context.Context, ev store.Event) {
	if _, err := a.st.AppendEvent(ctx, ev); err != nil {
		if errors.Is(err, store.ErrNotFound) && ev.Child != "" {
			// The child was removed meanwhile: keep the event without them.
			ev.Child = ""
			_, err = a.st.AppendEvent(ctx, ev)
		}
		if err != nil {
			a.log.Error("agent: event not stored", "kind", ev.Kind, "child", ev.Child, "err", err)
		}
	}
}

// laterRecorder records the enforcer's events (app_closed, the ladder's
// steps) through a queue that the "events" service writes, so that the
// exec path never waits on the database between two kills: a program
// started right after another was closed dies as fast as the first. A full
// queue (a storm) writes at once instead: nothing is lost, and memory stays
// bounded.
type laterRecorder struct{ a *Agent }

// eventQueue is how many of the enforcer's events wait for the database at
// most.
const eventQueue = 256

func (r laterRecorder) Record(ctx context.Context, child, kind string, detail map[string]any) {
	ev := store.Event{At: r.a.now(), Child: child, Kind: kind, Detail: detail}
	select {
	case r.a.eventq <- ev:
	default:
		r.a.storeEvent(ctx, ev)
	}
}

// writeEvents is the "events" service: it writes the queued events until
// ctx ends, then the ones still queued.
func (a *Agent) writeEvents(ctx context.Context) error {
	for {
		select {
		case ev := <-a.eventq:
			a.storeEvent(context.WithoutCancel(ctx), ev)
		case <-ctx.Done():
			a.drainEvents(context.WithoutCancel(ctx))
			return nil
		}
	}
}

// drainEvents writes what the queue holds now.
func (a *Agent) drainEvents(ctx context.Context) {
	for {
		select {
		case ev := <-a.eventq:
			a.storeEvent(ctx, ev)
		default:
			return
		}
	}
}

type recorder struct{ a *Agent }

func (r recorder) Record(ctx context.Context, child, kind string, detail map[string]any) {
	r.a.event(ctx, child, kind, detail)
}
