package web

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/rules"
	"github.com/miekg/dns"
)

// The resolver's benchmarks ask over real UDP on loopback, against the fake
// upstream, and report p50/p99 per lookup. BenchmarkLookupDirect asks the
// fake upstream itself: the baseline the others are compared with in the
// same run (added latency = resolver - direct).

func benchResolver(b *testing.B) (addr string, up *fakeUpstream) {
	up = startUpstream(b)
	r := NewResolver([]string{up.Addr}, &counts{}, nil)
	b.Cleanup(r.Close)
	cat, err := LoadCatalog(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	r.SetCatalog(cat)
	p := freePort(b)
	if err := r.Set(map[string]Assignment{"An": {Port: p, Policy: Compile(rules.Preset(11).Web)}}); err != nil {
		b.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), up
}

func lookups(b *testing.B, addr string, name func(i int) string) {
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	conn, err := c.Dial(addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	var lat []time.Duration
	m := new(dns.Msg)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m.SetQuestion(name(i), dns.TypeA)
		t0 := time.Now()
		if _, _, err := c.ExchangeWithConn(m, conn); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}

func BenchmarkLookupDirect(b *testing.B) {
	up := startUpstream(b)
	lookups(b, up.Addr, func(i int) string { return fmt.Sprintf("n%d.example.org.", i) })
}

func BenchmarkLookupHit(b *testing.B) {
	addr, _ := benchResolver(b)
	lookups(b, addr, func(int) string { return "cached.example.org." })
}

func BenchmarkLookupMiss(b *testing.B) {
	addr, _ := benchResolver(b)
	lookups(b, addr, func(i int) string { return fmt.Sprintf("n%d.example.org.", i) })
}

func BenchmarkLookupBlocked(b *testing.B) {
	addr, _ := benchResolver(b)
	lookups(b, addr, func(int) string { return "www.pornhub.com." })
}

// BenchmarkQPS asks with 8 clients at once (cache hits over a hundred
// names) and reports queries per second.
func BenchmarkQPS(b *testing.B) {
	addr, _ := benchResolver(b)
	const clients = 8
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	per := b.N/clients + 1
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
			conn, err := c.Dial(addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			m := new(dns.Msg)
			for i := range per {
				m.SetQuestion(fmt.Sprintf("h%d.example.org.", (i+k)%100), dns.TypeA)
				if _, _, err := c.ExchangeWithConn(m, conn); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*clients)/time.Since(t0).Seconds(), "queries/s")
}
