// Package web is kidtime's safe web: the domain sets (a compact, sorted
// table of reversed names), the parsers of the common list formats, the
// lists shipped in assets and imported by parents, the per-child decision
// (deny, allow, categories, SafeSearch) and the loopback resolver that
// answers each child's lookups (DESIGN.md §13, issue 14).
package web

import (
	"bytes"
	"slices"
	"sort"
)

// Set is an immutable set of domains, each with a mask of categories,
// matched by suffix: a domain in the set covers its subdomains.
//
// Names are stored reversed by label with a trailing dot ("www.example.com"
// → "com.example.www."), sorted, one after the other in a single byte
// slice, with a 4-byte offset and a 1-byte mask each: about 25 bytes for a
// domain of 20 characters, no pointer for the GC to scan. A name covered by
// a shorter one is dropped when the set is built (its categories join the
// shorter one's), so no key is a label-prefix of another, and a lookup is
// one binary search: the greatest key not above the reversed query is the
// only one that can cover it.
type Set struct {
	data  []byte
	offs  []uint32 // n+1 offsets into data
	masks []uint8
}

// Len is how many names the set holds (after covered ones were dropped).
func (s *Set) Len() int {
	if s == nil || len(s.offs) == 0 {
		return 0
	}
	return len(s.offs) - 1
}

// Bytes is the memory the set holds, roughly.
func (s *Set) Bytes() int {
	if s == nil {
		return 0
	}
	return cap(s.data) + 4*cap(s.offs) + cap(s.masks)
}

// maxName is the longest name looked up (DNS: 253 characters).
const maxName = 255

// Match reports the categories of the entry covering host ("" host or no
// entry: 0, false). host may end with a dot and have upper-case letters.
func (s *Set) Match(host string) (uint8, bool) {
	if s.Len() == 0 {
		return 0, false
	}
	var buf [maxName + 1]byte
	q, ok := reverse(buf[:0], host)
	if !ok {
		return 0, false
	}
	return s.match(q)
}

func (s *Set) match(q []byte) (uint8, bool) {
	n := s.Len()
	// The first key greater than q; the one before it is the candidate.
	i := sort.Search(n, func(i int) bool { return bytes.Compare(s.key(i), q) > 0 })
	if i == 0 {
		return 0, false
	}
	k := s.key(i - 1)
	if bytes.HasPrefix(q, k) {
		return s.masks[i-1], true
	}
	return 0, false
}

func (s *Set) key(i int) []byte { return s.data[s.offs[i]:s.offs[i+1]] }

// reverse appends host's labels in reverse order, each followed by a dot,
// in lower case. ok is false for an empty name, an empty label or one too
// long.
func reverse(dst []byte, host string) ([]byte, bool) {
	if len(host) > 0 && host[len(host)-1] == '.' {
		host = host[:len(host)-1]
	}
	if host == "" || len(host) > maxName-1 {
		return dst, false
	}
	end := len(host)
	for i := len(host) - 1; i >= -1; i-- {
		if i >= 0 && host[i] != '.' {
			continue
		}
		if end-i-1 == 0 {
			return dst, false
		}
		for j := i + 1; j < end; j++ {
			c := host[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		dst = append(dst, '.')
		end = i
	}
	return dst, true
}

// Builder collects names for a Set without a string per name: the reversed
// names go into one growing byte slice.
type Builder struct {
	data []byte
	ents []ent
}

type ent struct {
	off, n uint32
	mask   uint8
}

// Add adds a domain with a mask of categories; a name that is not a
// domain (see rules.NormalDomain; checked by the parsers) is skipped and
// false returned.
func (b *Builder) Add(domain string, mask uint8) bool {
	off := len(b.data)
	var ok bool
	b.data, ok = reverse(b.data, domain)
	if !ok {
		b.data = b.data[:off]
		return false
	}
	b.ents = append(b.ents, ent{uint32(off), uint32(len(b.data) - off), mask})
	return true
}

// Len is how many names were added.
func (b *Builder) Len() int { return len(b.ents) }

// Build sorts, merges duplicates and drops names covered by a shorter one
// (their masks join it). The builder is empty afterwards.
func (b *Builder) Build() *Set {
	key := func(e ent) []byte { return b.data[e.off : e.off+e.n] }
	slices.SortFunc(b.ents, func(x, y ent) int { return bytes.Compare(key(x), key(y)) })
	size := 0
	kept := b.ents[:0]
	for _, e := range b.ents {
		if len(kept) > 0 {
			last := &kept[len(kept)-1]
			if bytes.HasPrefix(key(e), key(*last)) { // same name, or covered by the last kept
				last.mask |= e.mask
				continue
			}
		}
		kept = append(kept, e)
		size += int(e.n)
	}
	s := &Set{data: make([]byte, 0, size), offs: make([]uint32, 0, len(kept)+1), masks: make([]uint8, 0, len(kept))}
	for _, e := range kept {
		s.offs = append(s.offs, uint32(len(s.data)))
		s.data = append(s.data, key(e)...)
		s.masks = append(s.masks, e.mask)
	}
	s.offs = append(s.offs, uint32(len(s.data)))
	b.data, b.ents = nil, nil
	return s
}

// NewSet builds a set of domains, all with mask.
func NewSet(mask uint8, domains ...string) *Set {
	var b Builder
	for _, d := range domains {
		b.Add(d, mask)
	}
	return b.Build()
}
