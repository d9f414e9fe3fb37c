package web

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestSetMatch(t *testing.T) {
	const adult, gambling, social = 1, 2, 4
	var b Builder
	for _, e := range []struct {
		d string
		m uint8
	}{
		{"example.com", adult},
		{"bet.example.com", gambling}, // covered by example.com: its category joins it
		{"casino.test", gambling},
		{"face.book", social},
		{"a-b.example.org", social},
		{"casino.test", adult}, // twice: the masks join
	} {
		if !b.Add(e.d, e.m) {
			t.Fatalf("Add(%q) refused", e.d)
		}
	}
	if b.Add("bad..name", adult) || b.Add("", adult) {
		t.Error("an empty label was added")
	}
	s := b.Build()
	cases := []struct {
		sentence string
		host     string
		mask     uint8
		ok       bool
	}{
		{"a listed domain matches", "example.com", adult | gambling, true},
		{"its subdomains match", "www.example.com", adult | gambling, true},
		{"deep subdomains, upper case and a final dot match", "A.B.C.Example.COM.", adult | gambling, true},
		{"a name that only ends with the same letters does not", "myexample.com", 0, false},
		{"the parent of a listed domain does not", "com", 0, false},
		{"a sibling does not", "b.example.org", 0, false},
		{"a name sorting between two keys does not", "example.net", 0, false},
		{"a listed name twice has both categories", "www.casino.test", adult | gambling, true},
		{"a subdomain of a name with a dash matches ('-' sorts before '.')", "b.a-b.example.org", social, true},
		{"an empty name finds nothing", "", 0, false},
		{"a name with an empty label finds nothing", "a..example.com", 0, false},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			m, ok := s.Match(c.host)
			if m != c.mask || ok != c.ok {
				t.Errorf("Match(%q) = %d, %v; want %d, %v", c.host, m, ok, c.mask, c.ok)
			}
		})
	}
	if s.Len() != 4 {
		t.Errorf("Len = %d; want 4 (bet.example.com covered, casino.test merged)", s.Len())
	}
	var empty *Set
	if _, ok := empty.Match("example.com"); ok {
		t.Error("a nil set matched")
	}
}

// TestSetAgainstNaive checks the binary search against a plain walk up the
// labels, on random names from a small alphabet (many shared suffixes).
func TestSetAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	label := func() string { return []string{"a", "b", "a-b", "c", "ab", "b0"}[r.IntN(6)] }
	name := func() string {
		n := 1 + r.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = label()
		}
		return strings.Join(parts, ".")
	}
	naive := map[string]uint8{}
	var b Builder
	for range 300 {
		d, m := name(), uint8(1<<r.IntN(6))
		b.Add(d, m)
		naive[d] |= m
	}
	s := b.Build()
	for range 5000 {
		q := name()
		var want uint8
		found := false
		labels := strings.Split(q, ".")
		for i := range labels {
			if m, ok := naive[strings.Join(labels[i:], ".")]; ok {
				found = true
				want = m // the shortest covering name's mask includes the longer ones'
			}
		}
		got, ok := s.Match(q)
		if ok != found || ok && got&want != want {
			t.Fatalf("Match(%q) = %d, %v; naive %d, %v", q, got, ok, want, found)
		}
	}
}

// genDomains makes n distinct, realistic names (2–4 labels, 20 characters
// on average).
func genDomains(n int) []string {
	r := rand.New(rand.NewPCG(7, 7))
	tlds := []string{"com", "net", "org", "vn", "com.vn", "info", "xyz", "io"}
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	word := func(lo, hi int) string {
		b := make([]byte, lo+r.IntN(hi-lo+1))
		for i := range b {
			b[i] = letters[r.IntN(len(letters))]
		}
		return string(b)
	}
	out := make([]string, n)
	for i := range out {
		d := word(5, 14) + "." + tlds[r.IntN(len(tlds))]
		if r.IntN(3) == 0 {
			d = word(2, 6) + "." + d
		}
		out[i] = fmt.Sprintf("%s%d", d[:0], i) + d // the index makes each name distinct
	}
	return out
}

// TestMillionDomains loads 1,000,000 names and reports the heap they hold
// (issue 14: at most 50 MB of RSS for a million; the test fails above 40 MB
// of heap for the set) and the time to build.
func TestMillionDomains(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("builds a million names (and measures: not under -race)")
	}
	names := genDomains(1_000_000)
	var b Builder
	for _, d := range names {
		b.Add(d, 1)
	}
	probe := names[123456]
	names = nil
	runtime.GC()
	debug.FreeOSMemory()
	s := b.Build()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("1M names: set %d entries, %.1f MB (data+offsets+masks), heap after build %.1f MB",
		s.Len(), float64(s.Bytes())/1e6, float64(after.HeapAlloc)/1e6)
	if s.Bytes() > 40<<20 {
		t.Errorf("the set of a million names takes %.1f MB; the budget is 40 MB of the 50 MB RSS", float64(s.Bytes())/1e6)
	}
	if _, ok := s.Match("www." + probe); !ok {
		t.Errorf("%s not found among the million", probe)
	}
	runtime.KeepAlive(s)
}

func BenchmarkMatch(b *testing.B) {
	names := genDomains(1_000_000)
	var bd Builder
	for _, d := range names {
		bd.Add(d, 1)
	}
	s := bd.Build()
	queries := make([]string, 1024)
	r := rand.New(rand.NewPCG(3, 3))
	for i := range queries {
		if i%2 == 0 {
			queries[i] = "www." + names[r.IntN(len(names))] // a hit
		} else {
			queries[i] = fmt.Sprintf("cdn%d.unlisted-%d.example.com", i, r.IntN(1000)) // a miss
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Match(queries[i&1023])
	}
}
