package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/kidtime/kidtime/agent/platform"
)

// startSettle is how long after the agent serves its API its start-up is
// taken as over: the first tick, the safe web's lists and the first look at
// the processes are done well within it (under 0.5 s here).
const startSettle = 5 * time.Second

// releaseImage hands back the executable's code pages that the daemon
// mapped only to start (platform.ReleaseImagePages). It runs three times:
// before the agent is made (the package initialisers' pages), when the
// agent serves its API, and startSettle later (releaseAfterStart). What is
// used again comes back at its next touch.
func releaseImage(log *slog.Logger, when string) {
	n, err := platform.ReleaseImagePages()
	if err != nil {
		log.Debug("kidtimed: start-up pages kept", "when", when, "err", err)
		return
	}
	log.Debug("kidtimed: start-up pages released", "when", when, "mapped", n)
}

// releaseAfterStart waits for the agent to serve its API and settle, then
// releases the pages its start-up used.
func releaseAfterStart(ctx context.Context, ready <-chan struct{}, log *slog.Logger) {
	select {
	case <-ready:
		releaseImage(log, "ready")
	case <-ctx.Done():
		return
	}
	t := time.NewTimer(startSettle)
	defer t.Stop()
	select {
	case <-t.C:
		releaseImage(log, "started")
	case <-ctx.Done():
	}
}
