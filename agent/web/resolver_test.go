package web

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/rules"
	"github.com/miekg/dns"
)

// fakeUpstream is a DNS server on loopback standing for the upstream
// resolvers (no test ever asks a real one): every A query is answered with
// an address made from the name, safe hosts with their documented
// addresses; it counts the questions it gets.
type fakeUpstream struct {
	Addr    string
	queries atomic.Int64
	srv     *dns.Server
}

var upstreamAddrs = map[string]string{
	"forcesafesearch.google.com.":   "216.239.38.120",
	"restrict.youtube.com.":         "216.239.38.120",
	"restrictmoderate.youtube.com.": "216.239.38.119",
	"strict.bing.com.":              "204.79.197.220",
	"safe.duckduckgo.com.":          "52.142.124.215",
}

func startUpstream(t testing.TB) *fakeUpstream {
	t.Helper()
	ostest.SkipUnderWine(t, "UDP sockets (Wine lacks WSAIoctl SIO_UDP_CONNRESET, which Go calls)")
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &fakeUpstream{Addr: pc.LocalAddr().String()}
	u.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		u.queries.Add(1)
		m := new(dns.Msg)
		m.SetReply(q)
		qn := q.Question[0]
		if qn.Name == "nxdomain.example." {
			m.Rcode = dns.RcodeNameError
		} else if qn.Qtype == dns.TypeA {
			ip, ok := upstreamAddrs[dns.CanonicalName(qn.Name)]
			if !ok {
				ip = fmt.Sprintf("192.0.2.%d", 1+len(qn.Name)%250)
			}
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: qn.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 120}, A: net.ParseIP(ip)})
		}
		w.WriteMsg(m)
	})}
	started := make(chan struct{})
	u.srv.NotifyStartedFunc = func() { close(started) }
	go u.srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { u.srv.Shutdown() })
	return u
}

// freePort finds a port free for both UDP and TCP on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		l.Close()
		if err == nil {
			pc.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

type counts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counts) Blocked(child, category, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[child+"/"+category]++
}

func (c *counts) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func query(t testing.TB, net_, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: net_, Timeout: 3 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s over %s: %v", name, dns.TypeToString[qtype], net_, err)
	}
	return r
}

func TestResolverAnswers(t *testing.T) {
	up := startUpstream(t)
	cnt := &counts{}
	r := NewResolver([]string{up.Addr}, cnt, nil)
	defer r.Close()
	cat, err := LoadCatalog(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r.SetCatalog(cat)
	an := rules.Preset(11).Web // standard, SafeSearch, YouTube strict
	an.Deny = []string{"denied.example"}
	small := rules.Preset(6).Web // allow-list
	small.Allow = []string{"school.edu.vn"}
	teen := rules.Preset(16).Web
	pAn, pSmall, pTeen := freePort(t), freePort(t), freePort(t)
	if err := r.Set(map[string]Assignment{
		"An":    {Port: pAn, Policy: Compile(an)},
		"Small": {Port: pSmall, Policy: Compile(small)},
		"Teen":  {Port: pTeen, Policy: Compile(teen)},
	}); err != nil {
		t.Fatal(err)
	}
	addr := func(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }
	cases := []struct {
		sentence string
		port     int
		name     string
		qtype    uint16
		rcode    int
		cname    string // the first answer's CNAME target, when one is expected
		ip       string // an A record expected in the answer
	}{
		{"a denied domain is NXDOMAIN", pAn, "www.denied.example", dns.TypeA, dns.RcodeNameError, "", ""},
		{"an adult site is NXDOMAIN", pAn, "pornhub.com", dns.TypeA, dns.RcodeNameError, "", ""},
		{"a gambling site's subdomain is NXDOMAIN", pAn, "m.bet365.com", dns.TypeA, dns.RcodeNameError, "", ""},
		{"an ordinary site is forwarded", pAn, "example.org", dns.TypeA, dns.RcodeSuccess, "", "192.0.2.13"},
		{"an upstream NXDOMAIN stays NXDOMAIN", pAn, "nxdomain.example", dns.TypeA, dns.RcodeNameError, "", ""},
		{"Google search is the SafeSearch host", pAn, "www.google.com", dns.TypeA, dns.RcodeSuccess, "forcesafesearch.google.com.", "216.239.38.120"},
		{"Google Vietnam too", pAn, "www.google.com.vn", dns.TypeA, dns.RcodeSuccess, "forcesafesearch.google.com.", "216.239.38.120"},
		{"an HTTPS record of Google leads to the safe host too", pAn, "www.google.com", dns.TypeHTTPS, dns.RcodeSuccess, "forcesafesearch.google.com.", ""},
		{"Gmail is not rewritten", pAn, "mail.google.com", dns.TypeA, dns.RcodeSuccess, "", ""},
		{"YouTube is strict at 11", pAn, "www.youtube.com", dns.TypeA, dns.RcodeSuccess, "restrict.youtube.com.", ""},
		{"YouTube is moderate at 16", pTeen, "www.youtube.com", dns.TypeA, dns.RcodeSuccess, "restrictmoderate.youtube.com.", "216.239.38.119"},
		{"Bing is strict", pAn, "www.bing.com", dns.TypeA, dns.RcodeSuccess, "strict.bing.com.", ""},
		{"DuckDuckGo is safe", pAn, "duckduckgo.com", dns.TypeA, dns.RcodeSuccess, "safe.duckduckgo.com.", ""},
		{"the Firefox canary is NXDOMAIN", pAn, "use-application-dns.net", dns.TypeA, dns.RcodeNameError, "", ""},
		{"a public DoH resolver's name is NXDOMAIN", pTeen, "dns.google", dns.TypeA, dns.RcodeNameError, "", ""},
		{"dating is blocked at 11 (standard)", pAn, "tinder.com", dns.TypeA, dns.RcodeNameError, "", ""},
		{"dating is not blocked at 16 (light)", pTeen, "tinder.com", dns.TypeA, dns.RcodeSuccess, "", ""},
		{"adult content is blocked at 16 all the same", pTeen, "xvideos.com", dns.TypeA, dns.RcodeNameError, "", ""},
		{"the allow-list lets education sites through", pSmall, "vi.wikipedia.org", dns.TypeA, dns.RcodeSuccess, "", ""},
		{"the allow-list lets the parent's allowed school through", pSmall, "www.school.edu.vn", dns.TypeA, dns.RcodeSuccess, "", ""},
		{"the allow-list blocks anything else", pSmall, "example.org", dns.TypeA, dns.RcodeNameError, "", ""},
		{"the allow-list blocks Google search too", pSmall, "www.google.com", dns.TypeA, dns.RcodeNameError, "", ""},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			for _, n := range []string{"udp", "tcp"} {
				m := query(t, n, addr(c.port), c.name, c.qtype)
				if m.Rcode != c.rcode {
					t.Fatalf("%s: rcode %s; want %s\n%v", n, dns.RcodeToString[m.Rcode], dns.RcodeToString[c.rcode], m)
				}
				if c.cname != "" {
					cn, ok := m.Answer[0].(*dns.CNAME)
					if len(m.Answer) == 0 || !ok || cn.Target != c.cname {
						t.Fatalf("%s: answer %v; want a CNAME to %s", n, m.Answer, c.cname)
					}
				}
				if c.ip != "" {
					found := false
					for _, rr := range m.Answer {
						if a, ok := rr.(*dns.A); ok && a.A.String() == c.ip {
							found = true
						}
					}
					if !found {
						t.Fatalf("%s: answer %v; want %s", n, m.Answer, c.ip)
					}
				}
			}
		})
	}
	t.Run("blocked lookups are counted per child and category, the canary is not", func(t *testing.T) {
		if got := cnt.get("An/adult"); got != 2 { // udp and tcp
			t.Errorf("An/adult = %d; want 2", got)
		}
		if got := cnt.get("An/deny"); got != 2 {
			t.Errorf("An/deny = %d; want 2", got)
		}
		if got := cnt.get("Small/allowlist"); got != 4 {
			t.Errorf("Small/allowlist = %d; want 4", got)
		}
		if got := cnt.get("An/"); got != 0 {
			t.Errorf("uncounted blocks were counted: %d", got)
		}
	})
	t.Run("a second lookup comes from the cache", func(t *testing.T) {
		before := up.queries.Load()
		query(t, "udp", addr(pAn), "cached.example.org", dns.TypeA)
		query(t, "udp", addr(pAn), "CACHED.example.org", dns.TypeA)
		if n := up.queries.Load() - before; n != 1 {
			t.Errorf("upstream asked %d times; want 1", n)
		}
	})
	t.Run("a child removed loses their port", func(t *testing.T) {
		if err := r.Set(map[string]Assignment{"An": {Port: pAn, Policy: Compile(an)}}); err != nil {
			t.Fatal(err)
		}
		c := &dns.Client{Net: "udp", Timeout: 300 * time.Millisecond}
		m := new(dns.Msg)
		m.SetQuestion("example.org.", dns.TypeA)
		if _, _, err := c.Exchange(m, addr(pSmall)); err == nil {
			t.Error("the removed child's port still answers")
		}
	})
}

func TestResolverUpstreamDown(t *testing.T) {
	ostest.SkipUnderWine(t, "UDP sockets (Wine lacks WSAIoctl SIO_UDP_CONNRESET, which Go calls)")
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // never answers
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r := NewResolver([]string{pc.LocalAddr().String()}, nil, nil)
	r.client.Timeout = 200 * time.Millisecond
	defer r.Close()
	pol := Compile(rules.Preset(12).Web)
	m := new(dns.Msg)
	m.SetQuestion("example.org.", dns.TypeA)
	r.Set(map[string]Assignment{})
	if a := r.Answer("An", m); a.Rcode != dns.RcodeRefused {
		t.Errorf("a child without a policy: %s; want REFUSED (never unfiltered)", dns.RcodeToString[a.Rcode])
	}
	p := freePort(t)
	if err := r.Set(map[string]Assignment{"An": {Port: p, Policy: pol}}); err != nil {
		t.Fatal(err)
	}
	if a := r.Answer("An", m); a.Rcode != dns.RcodeServerFailure {
		t.Errorf("upstream down: %s; want SERVFAIL", dns.RcodeToString[a.Rcode])
	}
}
