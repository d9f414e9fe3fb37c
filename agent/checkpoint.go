package agent

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/kidtime/kidtime/agent/clock"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
)

// checkpointFile is the usage checkpoint's name in the data folder.
const checkpointFile = "usage.checkpoint"

// openCheckpoint opens the usage checkpoint and stores what an unclean
// stop left in it (the clock's mark first: the agent reads it next). Without
// a checkpoint every flush writes the store, as before.
func (a *Agent) openCheckpoint(ctx context.Context) {
	c, saved, err := store.OpenCheckpoint(filepath.Join(a.cfg.DataDir, checkpointFile))
	if err != nil {
		a.log.Warn("agent: no usage checkpoint; usage goes to the database at every flush", "err", err)
		return
	}
	if len(saved.Mark) > 0 {
		if err := a.st.SetSetting(ctx, settingClockMark, saved.Mark); err != nil {
			a.log.Warn("agent: the clock mark of the checkpoint was not stored", "err", err)
		}
	}
	// The time saved ahead (until the next checkpoint that never came) is
	// taken up to now at most.
	now := time.Now()
	for i := range saved.Usage {
		if saved.Usage[i].End.After(now) {
			saved.Usage[i].End = now
		}
	}
	usage := slices.DeleteFunc(saved.Usage, func(iv store.Interval) bool { return !iv.End.After(iv.Start) })
	if len(usage) > 0 {
		// Adding what the store already has adds nothing (intervals merge),
		// so a stop between a write and the next checkpoint counts nothing
		// twice.
		if err := a.st.AddUsages(ctx, usage); err != nil {
			a.log.Error("agent: usage counted before an unclean stop could not be stored", "intervals", len(usage), "err", err)
		} else {
			a.log.Info("agent: usage counted before an unclean stop stored from the checkpoint", "intervals", len(usage))
		}
	}
	if err := c.Save(store.Saved{}); err != nil {
		a.log.Warn("agent: the usage checkpoint cannot be written; usage goes to the database at every flush", "err", err)
		_ = c.Close()
		return
	}
	a.ckpt = c
}

// checkpoint saves what was counted since the last write to the store, and
// the clock's mark, in the checkpoint: one pwrite instead of a database
// transaction. It reports false when it could not (no checkpoint, too much
// to save, an error): the caller then writes the store.
func (a *Agent) checkpoint(ctx context.Context) bool {
	if a.ckpt == nil {
		return false
	}
	// What counts now goes on counting until the next checkpoint: a kill -9
	// meanwhile loses nothing (the restart takes no more than up to its
	// own moment).
	ivs, err := usageSink{a.st, a.apps}.storeIntervals(ctx, a.acct.Unflushed(a.now().Add(a.cfg.FlushEvery)))
	if err != nil {
		a.log.Debug("agent: usage not checkpointed", "err", err)
		return false
	}
	err = a.ckpt.Save(store.Saved{Usage: ivs, Mark: clock.MarshalMark(a.clk.Mark())})
	if err != nil && !errors.Is(err, store.ErrCheckpointFull) {
		a.log.Warn("agent: usage not checkpointed", "err", err)
	}
	return err == nil
}

// clearCheckpoint empties the checkpoint once the store has everything.
func (a *Agent) clearCheckpoint() {
	if a.ckpt == nil {
		return
	}
	if err := a.ckpt.Save(store.Saved{}); err != nil {
		a.log.Warn("agent: usage checkpoint not cleared", "err", err)
	}
}

// storeIntervals turns counted intervals into the store's, registering each
// app (by its identity) the first time it is written.
func (s usageSink) storeIntervals(ctx context.Context, ivs []monitor.Interval) ([]store.Interval, error) {
	out := make([]store.Interval, 0, len(ivs))
	for _, iv := range ivs {
		kind := store.KindScreen
		if iv.Kind == monitor.KindGame {
			kind = store.KindGame
		}
		var id int64
		if key := iv.App.Key(); key != "" {
			rating := ""
			if iv.App.MinAge >= 0 {
				rating = fmt.Sprintf("%d+", iv.App.MinAge)
			}
			var err error
			path, name := iv.App.Path, iv.App.Name
			if l := iv.App.Linked; l != nil && l.SHA256 != "" {
				path, name = l.Path, l.Name // a copy counts under the program it copies (its key)
			}
			id, err = s.apps.ID(ctx, key, store.App{Path: path, Name: name, Category: string(iv.App.Category), Rating: rating})
			if err != nil {
				return nil, err
			}
		}
		out = append(out, store.Interval{Child: iv.Child, AppID: id, Kind: kind, Session: iv.Session, Day: iv.Day, Start: iv.Start, End: iv.End})
	}
	return out, nil
}
