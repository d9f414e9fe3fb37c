package agent

import (
	"context"
	"errors"
	"slices"

	"github.com/kidtime/kidtime/agent/web"
)

// consoleFirewall is a WebFirewall that can only send the whole machine's
// DNS to one place (Windows: the DNS Client service resolves for every
// account): the agent then serves, on ConsolePort of loopback, the policy
// of the child who holds the console. With several children signed in,
// the others' lookups go through the same system resolver, so they get
// the console child's policy while their session is in the background.
type consoleFirewall interface {
	WebFirewall
	ConsolePort() int
}

// consoleChild is the child whose session is in front on the console (a
// person's active, local session), or "" when it is nobody's or not a
// child's. The sessions are asked for (WTS on Windows, every 2 s): the
// ticks sleep while no child is logged in.
func (a *Agent) consoleChild(ctx context.Context) string {
	a.mu.Lock()
	sessions := a.lastSessions
	a.mu.Unlock()
	if a.sessions != nil {
		if ss, err := a.sessions.Sessions(ctx); err == nil {
			sessions = ss
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range sessions {
		if !s.Person() || !s.Active || s.Remote {
			continue
		}
		if cs, ok := a.byUID[s.UID]; ok {
			return cs.rec.Name
		}
	}
	return ""
}

// applyConsole is apply for a consoleFirewall: only the console child is
// served (on the firewall's port), and the firewall is told whose DNS it
// holds (none: the machine's own resolvers come back).
func (w *safeWeb) applyConsole(ctx context.Context, fw consoleFirewall) {
	name := w.a.consoleChild(ctx)
	port := fw.ConsolePort()
	if w.a.cfg.WebConsolePort != 0 {
		port = w.a.cfg.WebConsolePort
	}
	assign := map[string]web.Assignment{}
	var uids []uint32
	unresolved := false
	w.a.mu.Lock()
	if cs, ok := w.a.children[name]; ok && len(cs.uids) > 0 {
		pol, resolved := webOf(cs)
		switch {
		case !resolved:
			unresolved, uids = true, slices.Clone(cs.uids)
		case pol.Filtered():
			assign[name] = web.Assignment{Port: port, Policy: pol}
			uids = slices.Clone(cs.uids)
		}
	}
	w.a.mu.Unlock()
	if err := w.res.Set(assign); err != nil {
		w.a.log.Error("web: the resolver cannot listen for the console's child; their DNS is closed", "child", name, "port", port, "err", err)
	}
	var r web.Rules
	closedNow := map[string]bool{}
	if unresolved { // their rules are not known: no DNS rather than unfiltered
		r.Closed = uids
		closedNow[name] = true
	}
	if _, ok := assign[name]; ok {
		if w.res.Serving()[name] == port {
			for _, uid := range uids {
				r.Children = append(r.Children, web.Redirect{UID: uid, Port: uint16(port)})
			}
		} else {
			r.Closed = uids
			closedNow[name] = true
		}
	}
	w.mu.Lock()
	was := w.closed
	w.closed, w.retry = closedNow, len(closedNow) > 0
	w.console = name
	w.mu.Unlock()
	err := fw.Apply(r)
	for n := range closedNow {
		if !was[n] {
			w.a.event(ctx, n, "web_closed", nil)
		}
	}
	if errors.Is(err, web.ErrEncryptedDNSOpen) {
		// The system resolver is kidtime's, but a child's own program can
		// still ask elsewhere: said, once per kind of failure.
		if w.partial != err.Error() {
			w.partial = err.Error()
			w.a.log.Error("web: the children's encrypted DNS and outside DNS servers are not closed", "err", err)
			w.a.event(ctx, "", "web_unavailable", map[string]any{"error": err.Error()})
		}
		err = nil
	}
	if err != nil {
		w.a.log.Error("web: the system's resolver setting was not written; the console's child is not filtered", "err", err)
		if w.active.Load() || w.firewallErr() == nil {
			w.a.event(ctx, "", "web_unavailable", map[string]any{"error": err.Error()})
		}
	}
	w.setFirewallErr(err)
}

// consoleMoved reports whether the console's child changed since the last
// apply (a consoleFirewall follows them).
func (w *safeWeb) consoleMoved(ctx context.Context, fw WebFirewall) bool {
	if _, ok := fw.(consoleFirewall); !ok {
		return false
	}
	name := w.a.consoleChild(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	return name != w.console
}

// releaseConsole gives the machine its own resolvers back (no child in the
// rules) when the service stops in order.
func (w *safeWeb) releaseConsole(fw consoleFirewall) {
	if err := fw.Apply(web.Rules{}); err != nil && !errors.Is(err, web.ErrEncryptedDNSOpen) {
		w.a.log.Error("web: the system's resolvers were not given back at stop", "err", err)
	}
}
