package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Counter is told of each counted blocked lookup (the agent keeps counts
// per child, category and day; the name only when the parent turned the
// detail on).
type Counter interface {
	Blocked(child, category, name string)
}

// Resolver answers children's lookups on loopback, one port per child (the
// firewall sends each child's DNS to their port: the port says whose
// policy applies).
type Resolver struct {
	log      *slog.Logger
	upstream atomic.Pointer[[]string]
	client   *dns.Client
	tcp      *dns.Client
	cache    *cache
	count    Counter

	cat      atomic.Pointer[Catalog]
	policies atomic.Pointer[map[string]*Child] // by child name

	mu        sync.Mutex
	listeners map[string]*listener // by child name
}

type listener struct {
	port    int
	servers []*dns.Server
}

// NewResolver makes a resolver that forwards to upstream (HOST:PORT each,
// tried in order) and counts blocks with count.
func NewResolver(upstream []string, count Counter, log *slog.Logger) *Resolver {
	if log == nil {
		log = slog.Default()
	}
	r := &Resolver{
		log: log, count: count, cache: newCache(4096),
		client:    &dns.Client{Net: "udp", Timeout: 2 * time.Second, UDPSize: dns.DefaultMsgSize},
		tcp:       &dns.Client{Net: "tcp", Timeout: 3 * time.Second},
		listeners: map[string]*listener{},
	}
	empty := map[string]*Child{}
	r.policies.Store(&empty)
	r.SetUpstream(upstream)
	r.cat.Store(&Catalog{block: &Set{}, edu: &Set{}})
	return r
}

// SetUpstream replaces the upstream resolvers (HOST:PORT each, tried in
// order).
func (r *Resolver) SetUpstream(up []string) {
	up = slices.Clone(up)
	r.upstream.Store(&up)
}

// Upstream is the upstream resolvers in use.
func (r *Resolver) Upstream() []string { return slices.Clone(*r.upstream.Load()) }

// SetCatalog swaps the lists in use.
func (r *Resolver) SetCatalog(c *Catalog) { r.cat.Store(c) }

// Catalog is the lists in use.
func (r *Resolver) Catalog() *Catalog { return r.cat.Load() }

// Assignment is one child's port and policy.
type Assignment struct {
	Port   int
	Policy *Child
}

// Set makes the resolver listen for exactly these children (by name): new
// ones get their listeners (127.0.0.1 and ::1, UDP and TCP, on Port), gone
// ones lose them, and every child's policy is replaced at once. A port
// that cannot be opened is an error for that child; the others are served.
func (r *Resolver) Set(children map[string]Assignment) error {
	pols := make(map[string]*Child, len(children))
	for name, a := range children {
		pols[name] = a.Policy
	}
	r.policies.Store(&pols)
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for name, l := range r.listeners {
		if a, ok := children[name]; !ok || a.Port != l.port {
			l.close()
			delete(r.listeners, name)
		}
	}
	for name, a := range children {
		if _, ok := r.listeners[name]; ok {
			continue
		}
		l, err := r.listen(name, a.Port)
		if err != nil {
			errs = append(errs, fmt.Errorf("child %s: %w", name, err))
			continue
		}
		r.listeners[name] = l
	}
	return errors.Join(errs...)
}

// Serving is the port each child's listeners are open on (a child whose
// port could not be opened is not there).
func (r *Resolver) Serving() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.listeners))
	for name, l := range r.listeners {
		out[name] = l.port
	}
	return out
}

// Close stops every listener.
func (r *Resolver) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, l := range r.listeners {
		l.close()
		delete(r.listeners, name)
	}
}

func (l *listener) close() {
	for _, s := range l.servers {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.ShutdownContext(ctx)
		cancel()
	}
}

func (r *Resolver) listen(child string, port int) (*listener, error) {
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) { r.serve(child, w, q) })
	l := &listener{port: port}
	for _, host := range []string{"127.0.0.1", "::1"} {
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			if host == "::1" { // no IPv6 loopback here: IPv4 serves
				r.log.Debug("web: no IPv6 loopback listener", "addr", addr, "err", err)
				continue
			}
			l.close()
			return nil, fmt.Errorf("listen on %s/udp: %w", addr, err)
		}
		if uc, ok := pc.(*net.UDPConn); ok {
			// Room for a burst of queries (a browser opening a page asks
			// dozens at once); the kernel caps it at net.core.rmem_max.
			_ = uc.SetReadBuffer(1 << 20)
		}
		tl, err := net.Listen("tcp", addr)
		if err != nil {
			pc.Close()
			l.close()
			return nil, fmt.Errorf("listen on %s/tcp: %w", addr, err)
		}
		// A UDP read waits for the next query however long it takes: the
		// library's default 2 s deadline woke the daemon every 2 s for
		// nothing (issue 9), and Shutdown unblocks the read itself. TCP
		// keeps the default: there it bounds a connection's idle time.
		udp := &dns.Server{PacketConn: pc, Handler: h, ReadTimeout: udpReadWait}
		for _, s := range []*dns.Server{udp, {Listener: tl, Handler: h}} {
			started := make(chan error, 1)
			s.NotifyStartedFunc = func() { started <- nil }
			go func() {
				if err := s.ActivateAndServe(); err != nil {
					started <- err
				}
			}()
			if err := <-started; err != nil {
				l.close()
				return nil, fmt.Errorf("serve %s: %w", addr, err)
			}
			l.servers = append(l.servers, s)
		}
	}
	return l, nil
}

// udpReadWait is how long a UDP listener's read waits before it looks
// again (nothing is done then; the read is re-armed).
const udpReadWait = time.Hour

// negTTL is how long a blocked answer may be cached (so that a parent's
// allow takes effect within a minute).
const negTTL = 60

func (r *Resolver) serve(child string, w dns.ResponseWriter, q *dns.Msg) {
	resp := r.Answer(child, q)
	if resp == nil {
		return
	}
	if _, isUDP := w.RemoteAddr().(*net.UDPAddr); isUDP {
		size := uint16(dns.MinMsgSize)
		if o := q.IsEdns0(); o != nil {
			size = max(o.UDPSize(), size)
		}
		resp.Truncate(int(size))
	}
	if err := w.WriteMsg(resp); err != nil {
		r.log.Debug("web: answer not sent", "child", child, "err", err)
	}
}

// Answer is the resolver's answer to q for child (nil: none, the query is
// dropped).
func (r *Resolver) Answer(child string, q *dns.Msg) *dns.Msg {
	if q.Response || q.Opcode != dns.OpcodeQuery || len(q.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeFormatError)
		return m
	}
	qn := q.Question[0]
	pol := (*r.policies.Load())[child]
	if pol == nil {
		// A port with no policy: refuse rather than answer unfiltered.
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeRefused)
		return m
	}
	v := r.cat.Load().Decide(pol, qn.Name)
	switch v.Action {
	case Block:
		if v.Category != "" && r.count != nil {
			r.count.Blocked(child, v.Category, strings.TrimSuffix(strings.ToLower(qn.Name), "."))
		}
		return blocked(q)
	case Rewrite:
		return r.rewrite(q, v.Target)
	}
	resp, err := r.forward(q, qn)
	if err != nil {
		r.log.Debug("web: upstream failed", "name", qn.Name, "err", err)
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeServerFailure)
		return m
	}
	return resp
}

// blocked is NXDOMAIN with a SOA that lets the answer be cached a minute.
// NXDOMAIN, not 0.0.0.0: it answers every record type (A, AAAA, HTTPS,
// MX...) the same way, and 0.0.0.0 would connect a browser to whatever
// serves on this PC's own port 80 or 443.
func blocked(q *dns.Msg) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(q, dns.RcodeNameError)
	m.RecursionAvailable = true
	m.Ns = []dns.RR{&dns.SOA{
		Hdr: dns.RR_Header{Name: dns.Fqdn(q.Question[0].Name), Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: negTTL},
		Ns:  "kidtime.invalid.", Mbox: "blocked.kidtime.invalid.", Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: negTTL,
	}}
	return m
}

// rewrite answers q with a CNAME to target and target's records of the
// same type (SafeSearch), for every type asked: an HTTPS or AAAA query
// must not lead round the safe host either.
func (r *Resolver) rewrite(q *dns.Msg, target string) *dns.Msg {
	qn := q.Question[0]
	tq := dns.Question{Name: dns.Fqdn(target), Qtype: qn.Qtype, Qclass: qn.Qclass}
	sub := q.Copy()
	sub.Question = []dns.Question{tq}
	up, err := r.forward(sub, tq)
	m := new(dns.Msg)
	m.SetReply(q)
	m.RecursionAvailable = true
	if err != nil {
		m.Rcode = dns.RcodeServerFailure
		return m
	}
	m.Rcode = up.Rcode
	m.Answer = append([]dns.RR{&dns.CNAME{
		Hdr:    dns.RR_Header{Name: qn.Name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 300},
		Target: dns.Fqdn(target),
	}}, up.Answer...)
	m.Ns = up.Ns
	return m
}

// forward asks the upstream resolvers (or the cache) about qn.
func (r *Resolver) forward(q *dns.Msg, qn dns.Question) (*dns.Msg, error) {
	do := false
	if o := q.IsEdns0(); o != nil {
		do = o.Do()
	}
	key := cacheKey{name: strings.ToLower(qn.Name), qtype: qn.Qtype, qclass: qn.Qclass, do: do, cd: q.CheckingDisabled}
	if m, ok := r.cache.get(key, time.Now()); ok {
		m.Id = q.Id
		m.Question = []dns.Question{qn}
		return m, nil
	}
	out := q.Copy()
	out.Id = dns.Id()
	out.Question = []dns.Question{qn}
	var last error
	for _, up := range *r.upstream.Load() {
		resp, _, err := r.client.Exchange(out, up)
		if err == nil && resp.Truncated {
			resp, _, err = r.tcp.Exchange(out, up)
		}
		if err != nil {
			last = err
			continue
		}
		if resp.Rcode == dns.RcodeServerFailure || resp.Rcode == dns.RcodeRefused {
			last = fmt.Errorf("%s answered %s", up, dns.RcodeToString[resp.Rcode])
			continue
		}
		r.cache.put(key, resp, time.Now())
		resp = resp.Copy()
		resp.Id = q.Id
		resp.Question = []dns.Question{qn}
		return resp, nil
	}
	if last == nil {
		last = errors.New("no upstream resolver")
	}
	return nil, last
}
