package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/localapi"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/agent/web"
	"github.com/kidtime/kidtime/rules"
	"github.com/miekg/dns"
)

// WebFirewall writes kidtime's firewall table: each child account's DNS
// to its resolver port (agent/web; nftables on Linux).
type WebFirewall interface {
	Apply(web.Rules) error
	Close() error
}

// DefaultWebPortBase is the first resolver port: a child's is this plus
// their id (127.0.0.1 and ::1, UDP and TCP).
const DefaultWebPortBase = 5300

// webPortCount is how many resolver ports there are: base+1 … base+999.
const webPortCount = 999

// webOf is a child's compiled web policy, and whether their rules are
// resolved: not (a policy that does not validate, or a day never
// prepared), their DNS is closed rather than left unfiltered.
func webOf(cs *childState) (*web.Child, bool) {
	if cs.policyErr != nil || cs.day == "" {
		return nil, false
	}
	return web.Compile(cs.policy.Web), true
}

// webSlots gives children (by id) their resolver slot, 1…webPortCount (the
// port is the base plus the slot): their own id where it fits, so that a
// port stays the same across restarts, and for larger ids, in the order
// of ids, the lowest slot no child's id and no earlier child holds. A
// child left without one (more than webPortCount children) is not in the
// map: their DNS is closed, never unfiltered.
func webSlots(ids []int64) map[int64]int {
	out := map[int64]int{}
	taken := map[int]bool{}
	var big []int64
	for _, id := range ids {
		if id >= 1 && id <= webPortCount {
			out[id], taken[int(id)] = int(id), true
		} else {
			big = append(big, id)
		}
	}
	slices.Sort(big)
	next := 1
	for _, id := range big {
		for next <= webPortCount && taken[next] {
			next++
		}
		if next > webPortCount {
			break
		}
		out[id], taken[next] = next, true
	}
	return out
}

// safeWeb is the agent's part of the safe web: the resolver, the firewall,
// the lists, and the blocked-lookup counts waiting for the store.
type safeWeb struct {
	a      *Agent
	res    *web.Resolver
	dir    string // imported lists
	wake   chan struct{}
	active atomic.Bool // the firewall's rules are in place
	detail atomic.Bool // keep the names of blocked lookups (a parent's setting)
	// counted wakes the serve loop when a first count waits to be written.
	counted chan struct{}
	// flushTicks counts the serve loop's flush wake-ups (tests).
	flushTicks atomic.Int64

	// seedMu orders a flush (taking the pending counts to the store) and
	// the first reading of a child's counts of the day (store + pending),
	// so that no count is missed or read twice between the two.
	seedMu  sync.Mutex
	mu      sync.Mutex
	pending map[store.WebBlock]int64    // Count 0 in the key
	today   map[string]map[string]int64 // child -> category -> count, for day
	day     string
	fwErr   error
	closed  map[string]bool // filtered children whose DNS is closed (no resolver)
	retry   bool            // a resolver port did not open: try again soon
	console string          // the console's child at the last apply (consoleFirewall)
	// consoleMode: the firewall follows the console (Windows), so only the
	// console's child is filtered.
	consoleMode bool
	partial     string // the last ErrEncryptedDNSOpen said (consoleFirewall)
}

// newSafeWeb is the safe web of a, or nil when the daemon has no firewall
// (in-process tests on fake adapters).
func newSafeWeb(a *Agent) *safeWeb {
	if a.deps.Firewall == nil {
		return nil
	}
	w := &safeWeb{a: a, dir: filepath.Join(a.cfg.DataDir, "web-lists"), wake: make(chan struct{}, 1), counted: make(chan struct{}, 1),
		pending: map[store.WebBlock]int64{}, today: map[string]map[string]int64{}}
	// Without --dns-upstream, apply reads the system's resolvers (once the
	// firewall is known to work here).
	w.res = web.NewResolver(a.cfg.DNSUpstream, w, a.log)
	return w
}

// systemResolvers reads the nameservers of a resolv.conf as HOST:PORT.
func systemResolvers(path string) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []string
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, cc.Port))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s names no nameserver", path)
	}
	return out, nil
}

// changed asks the web service to apply the children's rules again.
func (w *safeWeb) changed() {
	if w == nil {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// serve is the "web" service: it loads the lists, opens the children's
// resolver ports and writes the firewall table, then again after each
// change of the children's rules and every 5 minutes (a table removed by
// hand comes back). The table stays when the service ends: a child's DNS
// then fails (nothing listens on their port) until the daemon is back.
func (w *safeWeb) serve(ctx context.Context) error {
	if w == nil {
		return nil
	}
	defer w.res.Close()
	w.loadDetail(ctx)
	w.reloadLists()
	// The browsers' own DNS over HTTPS goes off first, whether or not the
	// firewall can be written here: a browser's DoH would take a child round
	// the filter the moment it works, and uninstall takes the policies away
	// (kidtimed web-remove).
	if bp := w.a.deps.BrowserPolicies; bp != nil {
		if err := bp(); err != nil {
			w.a.log.Warn("web: browsers' own DNS over HTTPS not turned off everywhere", "err", err)
		}
	}
	fw, err := w.a.deps.Firewall()
	if err != nil {
		w.setFirewallErr(err)
		w.a.log.Error("web: children's DNS cannot be filtered on this system", "err", err)
		w.a.event(ctx, "", "web_unavailable", map[string]any{"error": err.Error()})
		<-ctx.Done()
		return nil
	}
	defer fw.Close()
	if cf, ok := fw.(consoleFirewall); ok {
		w.mu.Lock()
		w.consoleMode = true
		w.mu.Unlock()
		// The system's resolver is everyone's: an orderly stop (the
		// service stopped, the package removed) gives it back. A crash
		// leaves it on kidtime's port, where nothing answers: closed.
		defer w.releaseConsole(cf)
	}
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	// The counts are written within webFlushEvery here too (the ticks
	// sleep while no child is logged in, and lookups go on: a child's
	// background programs). The timer runs only while there is something
	// to do at that pace: counts waiting, a port to open again, or a
	// console to follow (Windows); otherwise the service sleeps until a
	// lookup is blocked (issue 9: nothing happening costs nothing).
	flush := time.NewTimer(webFlushEvery)
	defer flush.Stop()
	armed := true
	w.apply(ctx, fw)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
			w.apply(ctx, fw)
		case <-t.C:
			w.apply(ctx, fw)
		case <-w.counted:
		case <-flush.C:
			armed = false
			w.flushTicks.Add(1)
			w.flush(ctx)
			if w.consoleMoved(ctx, fw) || w.retrying() {
				w.apply(ctx, fw)
			}
		}
		if !armed && w.flushDue() {
			flush.Reset(webFlushEvery)
			armed = true
		}
	}
}

// webFlushEvery is how soon blocked-lookup counts are written, a port that
// did not open is tried again, and a console's new child is followed.
const webFlushEvery = 2 * time.Second

// flushDue reports whether the serve loop has something to do within
// webFlushEvery.
func (w *safeWeb) flushDue() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) > 0 || w.retry || w.consoleMode
}

func (w *safeWeb) setFirewallErr(err error) {
	w.mu.Lock()
	w.fwErr = err
	w.mu.Unlock()
	w.active.Store(err == nil)
}

// reloadLists reads the shipped and imported lists into the resolver. A
// list that cannot be read is logged; the others are used.
func (w *safeWeb) reloadLists() {
	// Building a large catalog makes a burst of short-lived garbage (a
	// line, a name): collect it often meanwhile, so that the peak stays
	// near what the sets need rather than twice that.
	old := debug.SetGCPercent(20)
	cat, err := web.LoadCatalog(w.dir)
	debug.SetGCPercent(old)
	if err != nil {
		w.a.log.Error("web: some lists could not be read", "err", err)
	}
	w.res.SetCatalog(cat)
	// A rebuild of a large catalog leaves the old one and the builder's
	// copies as garbage: hand that memory back now, not minutes later.
	debug.FreeOSMemory()
	w.a.log.Info("web: lists loaded", "lists", len(cat.Lists), "domains", cat.Domains(), "bytes", cat.Bytes())
}

// apply makes the resolver and the firewall follow the children's rules
// (and, without --dns-upstream, the system's resolvers as they are now: a
// new network may have changed them).
func (w *safeWeb) apply(ctx context.Context, fw WebFirewall) {
	w.upstream(fw)
	if cf, ok := fw.(consoleFirewall); ok {
		w.applyConsole(ctx, cf)
		return
	}
	base := w.a.cfg.WebPortBase
	assign := map[string]web.Assignment{}
	accounts := map[string][]uint32{}
	var closed []uint32
	var noPort []string
	w.a.mu.Lock()
	ids := make([]int64, 0, len(w.a.children))
	for _, cs := range w.a.children {
		ids = append(ids, cs.rec.ID)
	}
	slots := webSlots(ids)
	for name, cs := range w.a.children {
		pol, resolved := webOf(cs)
		if resolved && !pol.Filtered() || len(cs.uids) == 0 {
			continue
		}
		if !resolved {
			w.a.log.Error("web: this child's rules are not resolved: their DNS is closed", "child", name, "err", cs.policyErr)
			closed = append(closed, cs.uids...)
			noPort = append(noPort, name)
			continue
		}
		slot, ok := slots[cs.rec.ID]
		if !ok {
			w.a.log.Error("web: no resolver port left for this child: their DNS is closed", "child", name, "id", cs.rec.ID)
			closed = append(closed, cs.uids...)
			noPort = append(noPort, name)
			continue
		}
		assign[name] = web.Assignment{Port: base + slot, Policy: pol}
		accounts[name] = slices.Clone(cs.uids)
	}
	w.a.mu.Unlock()
	// tableFor sends each child's accounts to their port if it is open, and
	// closes their DNS otherwise (or when the port is only about to be
	// theirs).
	tableFor := func(serving map[string]int) web.Rules {
		r := web.Rules{Closed: slices.Clone(closed), PortLo: uint16(base + 1), PortHi: uint16(base + webPortCount)}
		for name, a := range assign {
			if serving[name] != a.Port {
				r.Closed = append(r.Closed, accounts[name]...)
				continue
			}
			for _, uid := range accounts[name] {
				r.Children = append(r.Children, web.Redirect{UID: uid, Port: uint16(a.Port)})
			}
		}
		sort.Slice(r.Children, func(i, j int) bool { return r.Children[i].UID < r.Children[j].UID })
		slices.Sort(r.Closed)
		return r
	}
	if before := w.res.Serving(); !maps.EqualFunc(before, assign, func(p int, a web.Assignment) bool { return p == a.Port }) {
		// A port about to change hands: first close the DNS of the
		// children not yet served on their port, so that nobody's
		// lookups reach another child's listener meanwhile.
		if err := fw.Apply(tableFor(before)); err != nil {
			w.a.log.Warn("web: firewall rules before a change of ports not written", "err", err)
		}
	}
	if err := w.res.Set(assign); err != nil {
		// That child's DNS is closed below; said once, retried quietly.
		lvl := slog.LevelError
		if w.retrying() {
			lvl = slog.LevelDebug
		}
		w.a.log.Log(ctx, lvl, "web: a resolver port could not be opened; that child's DNS is closed until it can", "err", err)
	}
	serving := w.res.Serving()
	retry := false
	for name, a := range assign {
		retry = retry || serving[name] != a.Port
	}
	err := fw.Apply(tableFor(serving))
	closedNow := map[string]bool{}
	for _, name := range noPort {
		closedNow[name] = true
	}
	for name, a := range assign {
		if serving[name] != a.Port {
			closedNow[name] = true
		}
	}
	w.mu.Lock()
	was := w.closed
	w.closed, w.retry = closedNow, retry
	w.mu.Unlock()
	for name := range closedNow {
		if !was[name] && err == nil {
			w.a.event(ctx, name, "web_closed", nil)
		}
	}
	if err != nil {
		w.a.log.Error("web: firewall rules not written; children's DNS is not filtered", "err", err)
		if w.active.Load() || w.firewallErr() == nil {
			w.a.event(ctx, "", "web_unavailable", map[string]any{"error": err.Error()})
		}
	}
	w.setFirewallErr(err)
}

// upstream reads the system's resolvers again, without --dns-upstream:
// resolv.conf, or what a consoleFirewall says the machine's own were
// (Windows: the system's setting is then kidtime's own resolver).
func (w *safeWeb) upstream(fw WebFirewall) {
	if len(w.a.cfg.DNSUpstream) != 0 {
		return
	}
	read := func() ([]string, error) { return systemResolvers("/etc/resolv.conf") }
	if u, ok := fw.(interface{ Upstream() ([]string, error) }); ok {
		read = u.Upstream
	}
	up, err := read()
	switch {
	case err != nil && len(w.res.Upstream()) == 0:
		w.a.log.Error("web: no upstream resolvers: children's lookups fail until there is one (--dns-upstream)", "err", err)
	case err == nil && !slices.Equal(up, w.res.Upstream()):
		w.a.log.Info("web: upstream resolvers", "servers", up)
		w.res.SetUpstream(up)
	}
}

// retrying reports whether a resolver port did not open at the last apply
// (a port a closing listener still held, or another program's): the
// child's DNS is closed meanwhile, and the next flush tries again.
func (w *safeWeb) retrying() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.retry
}

func (w *safeWeb) firewallErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fwErr
}

// Blocked counts a blocked lookup (web.Counter; called by the resolver).
func (w *safeWeb) Blocked(child, category, name string) {
	day := dayOf(w.a.now())
	k := store.WebBlock{Child: child, Day: day, Category: category}
	if w.detail.Load() {
		k.Name = name
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) == 0 {
		select { // the serve loop sets its flush timer
		case w.counted <- struct{}{}:
		default:
		}
	}
	w.pending[k]++
	if day != w.day {
		w.day, w.today = day, map[string]map[string]int64{}
	}
	if w.today[child] != nil {
		w.today[child][category]++
	}
}

// flush writes the counts waiting (called with the usage flush).
func (w *safeWeb) flush(ctx context.Context) {
	if w == nil {
		return
	}
	w.seedMu.Lock()
	defer w.seedMu.Unlock()
	w.mu.Lock()
	if len(w.pending) == 0 {
		w.mu.Unlock()
		return
	}
	bs := make([]store.WebBlock, 0, len(w.pending))
	for k, n := range w.pending {
		k.Count = n
		bs = append(bs, k)
	}
	w.pending = map[store.WebBlock]int64{}
	w.mu.Unlock()
	if err := w.a.st.AddWebBlocked(ctx, bs); err != nil {
		var ve *store.ValidationError
		if errors.As(err, &ve) {
			// A child removed meanwhile (or a count the store refuses):
			// writing again would not help.
			w.a.log.Warn("web: blocked-lookup counts dropped", "err", err)
			return
		}
		w.a.log.Error("web: blocked-lookup counts not written; kept for the next flush", "err", err)
		w.mu.Lock()
		for _, b := range bs {
			n := b.Count
			b.Count = 0
			w.pending[b] += n
		}
		w.mu.Unlock()
	}
}

// status is a child's safe web for the API, under their policy p.
func (w *safeWeb) status(ctx context.Context, name string, p rules.WebPolicy, now time.Time) *apitype.WebStatus {
	st := &apitype.WebStatus{Filter: p.Filter.String(), SafeSearch: p.SafeSearch}
	if w == nil {
		return st
	}
	st.Active = w.active.Load() && web.Compile(p).Filtered()
	day := dayOf(now)
	w.mu.Lock()
	if w.closed[name] && st.Active {
		st.Active, st.Closed = false, true
	}
	if w.consoleMode && w.console != name {
		st.Active = false // only the console's child is filtered (Windows)
	}
	if day != w.day {
		w.day, w.today = day, map[string]map[string]int64{}
	}
	counts, ok := w.today[name]
	w.mu.Unlock()
	if !ok {
		// First asked today: what the store has, plus what waits for it.
		w.seedMu.Lock()
		defer w.seedMu.Unlock()
		stored, err := w.a.st.WebBlocked(ctx, name, day)
		if err != nil {
			w.a.log.Warn("web: today's counts not read", "child", name, "err", err)
			stored = map[string]int64{}
		}
		w.mu.Lock()
		for k, n := range w.pending {
			if k.Child == name && k.Day == day {
				stored[k.Category] += n
			}
		}
		if w.day == day {
			w.today[name] = stored
		}
		counts = stored
		w.mu.Unlock()
	}
	w.mu.Lock()
	st.ByCategory = map[string]int64{}
	for c, n := range counts {
		st.ByCategory[c] = n
		st.BlockedToday += n
	}
	w.mu.Unlock()
	return st
}

// loadDetail reads the parents' setting: keep the names of blocked
// lookups (off by default).
func (w *safeWeb) loadDetail(ctx context.Context) {
	w.detail.Store(localapi.Options(ctx, w.a.st, w.a.PolicyFile()).WebDetail)
}

func webList(l web.List) apitype.WebList {
	return apitype.WebList{Name: l.Name, Category: l.Category, Domains: l.Domains, Source: l.Source, Updated: l.Updated, Shipped: l.Shipped}
}

// WebLists are the installed lists (localapi's web backend).
func (a *Agent) WebLists(context.Context) (apitype.WebLists, error) {
	if a.web == nil {
		return apitype.WebLists{}, localapi.ErrWebUnavailable
	}
	out := apitype.WebLists{Lists: []apitype.WebList{}, Active: a.web.active.Load()}
	for _, l := range a.web.res.Catalog().Lists {
		out.Lists = append(out.Lists, webList(l))
	}
	return out, nil
}

// WebImport installs a list read from r and reloads the lists.
func (a *Agent) WebImport(ctx context.Context, category, source string, r io.Reader, by string) (apitype.WebImport, error) {
	if a.web == nil {
		return apitype.WebImport{}, localapi.ErrWebUnavailable
	}
	l, st, err := web.Import(a.web.dir, category, source, r, a.now())
	if errors.Is(err, web.ErrBadList) {
		return apitype.WebImport{}, &localapi.WebListError{Reason: strings.TrimPrefix(err.Error(), web.ErrBadList.Error()+": ")}
	}
	if err != nil {
		return apitype.WebImport{}, err
	}
	a.web.reloadLists()
	a.event(ctx, "", "web_list_imported", map[string]any{"by": by, "list": l.Name, "category": category, "domains": st.Domains, "skipped": st.Skipped})
	return apitype.WebImport{List: webList(l), Skipped: st.Skipped}, nil
}

// WebDetail turns the names of blocked lookups on or off (the parents'
// setting, already stored).
func (a *Agent) WebDetail(_ context.Context, on bool) {
	if a.web != nil {
		a.web.detail.Store(on)
	}
}

// WebUpstreams parses --dns-upstream: HOST:PORT[,HOST:PORT...] (a bare
// HOST gets port 53).
func WebUpstreams(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		host, port, err := net.SplitHostPort(part)
		if err != nil {
			host, port = part, "53"
		}
		if net.ParseIP(host) == nil {
			return nil, fmt.Errorf("--dns-upstream %q: want an IP address and a port (1.1.1.1:53)", part)
		}
		if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
			return nil, fmt.Errorf("--dns-upstream %q: port %q is not a number 1–65535", part, port)
		}
		out = append(out, net.JoinHostPort(host, port))
	}
	return out, nil
}
