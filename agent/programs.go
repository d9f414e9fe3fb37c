package agent

import (
	"context"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/agent/monitor"
	"github.com/kidtime/kidtime/agent/store"
)

// restorePrograms gives the tracker the programs it learned before a
// restart, so that a copy of one is linked to it from the first exec.
func (a *Agent) restorePrograms(ctx context.Context) {
	ps, err := a.st.Programs(ctx)
	if err != nil {
		a.log.Warn("agent: learned programs not loaded", "err", err)
		return
	}
	// Oldest first: what was learned last wins where two disagree.
	for i := len(ps) - 1; i >= 0; i-- {
		p := ps[i]
		app := monitor.App{Path: p.Path, SHA256: p.SHA256, Name: p.Name, Category: catalog.Category(p.Category), MinAge: p.MinAge, Source: p.Source}
		if !strings.HasPrefix(p.Ident, "sha256:") {
			app.ID = p.Ident
		}
		a.tracker.Remember(app)
	}
	a.log.Debug("agent: learned programs loaded", "programs", len(ps))
}

// savePrograms keeps what the tracker learned since the last flush.
func (a *Agent) savePrograms(ctx context.Context) {
	learned := a.tracker.TakeLearned()
	if len(learned) == 0 {
		return
	}
	ps := make([]store.Program, 0, len(learned))
	for _, app := range learned {
		key := monitor.IdentityKey(app)
		if key == "" || app.Path == "" {
			continue
		}
		ps = append(ps, store.Program{Ident: key, Path: app.Path, SHA256: app.SHA256, Name: app.Name,
			Category: string(app.Category), MinAge: app.MinAge, Source: app.Source})
	}
	if err := a.st.SavePrograms(ctx, ps); err != nil {
		a.log.Error("agent: writing learned programs failed", "programs", len(ps), "err", err)
	}
}

// learnInstalled finds the installed programs the catalog and the .desktop
// files know as games, identifies them, and links the running processes
// again, so that a copy of an installed game under any name and in any
// folder is that game before the original ever ran.
func (a *Agent) learnInstalled() {
	gn, ok := a.deps.Classifier.(interface{ GameNames() map[string]bool })
	if !ok {
		return
	}
	start := time.Now()
	paths := monitor.FindInstalled(monitor.ProgramDirs, gn.GameNames())
	n := a.tracker.LearnInstalled(paths)
	a.tracker.Relink()
	a.log.Debug("agent: installed games identified", "found", len(paths), "identified", n, "took", time.Since(start))
}
