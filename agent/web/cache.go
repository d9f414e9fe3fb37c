package web

import (
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cache keeps upstream answers for their TTL (at most maxCacheTTL), at
// most size of them; when full, the entries past their time go first, else
// an arbitrary tenth. Answers do not depend on the child (the policy is
// applied before the cache is asked), so one cache serves all.
type cache struct {
	mu   sync.Mutex
	size int
	m    map[cacheKey]cached
}

type cacheKey struct {
	name          string
	qtype, qclass uint16
	do, cd        bool
}

type cached struct {
	msg     *dns.Msg
	stored  time.Time
	expires time.Time
}

const (
	maxCacheTTL = 5 * time.Minute
	minCacheTTL = 5 * time.Second
)

// newCache holds up to size answers. The map grows as answers come (a
// map made for 4,096 up front was half of the idle daemon's heap).
func newCache(size int) *cache { return &cache{size: size, m: map[cacheKey]cached{}} }

// get returns a copy of the answer with its TTLs lowered by its age.
func (c *cache) get(k cacheKey, now time.Time) (*dns.Msg, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	m := e.msg.Copy()
	age := uint32(now.Sub(e.stored) / time.Second)
	for _, sec := range [][]dns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			if h.Rrtype == dns.TypeOPT {
				continue
			}
			if h.Ttl > age {
				h.Ttl -= age
			} else {
				h.Ttl = 1
			}
		}
	}
	return m, true
}

func (c *cache) put(k cacheKey, m *dns.Msg, now time.Time) {
	ttl := maxCacheTTL
	for _, sec := range [][]dns.RR{m.Answer, m.Ns} {
		for _, rr := range sec {
			t := time.Duration(rr.Header().Ttl) * time.Second
			if rr.Header().Rrtype == dns.TypeSOA {
				t = min(t, time.Duration(rr.(*dns.SOA).Minttl)*time.Second)
			}
			ttl = min(ttl, t)
		}
	}
	if ttl < minCacheTTL {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		n := 0
		for key, e := range c.m {
			if !now.Before(e.expires) || n < c.size/10 {
				delete(c.m, key)
				n++
			}
		}
	}
	c.m[k] = cached{msg: m.Copy(), stored: now, expires: now.Add(ttl)}
}
