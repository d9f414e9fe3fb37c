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

// BenchmarkQPS asks from many UDP clients at once (each its own socket,
// one query in flight), cache hits over a hundred names, and reports
// queries per second and the p99 of each query's time under that load.
// "direct" asks the fake upstream itself with the same clients: the
// baseline of the same run (the load generator shares the machine's cores
// with the server in both).
func BenchmarkQPS(b *testing.B) {
	for _, clients := range []int{8, 64, 256} {
		for _, target := range []string{"direct", "kidtime"} {
			b.Run(fmt.Sprintf("%s/clients=%d", target, clients), func(b *testing.B) {
				var addr string
				if target == "direct" {
					addr = startUpstream(b).Addr
				} else {
					addr, _ = benchResolver(b)
				}
				qps(b, addr, clients)
			})
		}
	}
}

// qps runs b.N queries from clients UDP sockets, each asking one at a
// time with a prepacked query (only its id changes).
func qps(b *testing.B, addr string, clients int) {
	queries := make([][]byte, 100)
	for i := range queries {
		m := new(dns.Msg)
		m.SetQuestion(fmt.Sprintf("h%d.example.org.", i), dns.TypeA)
		queries[i], _ = m.Pack()
	}
	// Warm the cache.
	c, err := net.Dial("udp", addr)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 512)
	for _, q := range queries {
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write(q)
		c.Read(buf)
	}
	c.Close()
	var mu sync.Mutex
	var lat []time.Duration
	var lost int
	per := b.N/clients + 1
	var wg sync.WaitGroup
	b.ResetTimer()
	t0 := time.Now()
	for k := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("udp", addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			q := make([]byte, 512)
			resp := make([]byte, 512)
			mine := make([]time.Duration, 0, per)
			miss := 0
			for i := range per {
				n := copy(q, queries[(i+k)%len(queries)])
				id := uint16(i)
				q[0], q[1] = byte(id>>8), byte(id)
				s := time.Now()
				conn.SetDeadline(s.Add(time.Second))
				if _, err := conn.Write(q[:n]); err != nil {
					miss++
					continue
				}
				for {
					m, err := conn.Read(resp)
					if err != nil {
						miss++
						break
					}
					if m >= 2 && resp[0] == q[0] && resp[1] == q[1] {
						mine = append(mine, time.Since(s))
						break
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			lost += miss
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/el.Seconds(), "queries/s")
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
	b.ReportMetric(float64(lost), "lost")
}
