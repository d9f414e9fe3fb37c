package agent

import (
	"errors"

	"github.com/kidtime/kidtime/rules"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWebUpstreams(t *testing.T) {
	cases := []struct {
		sentence string
		in       string
		want     []string
		err      string
	}{
		{"none: the system's", "", nil, ""},
		{"HOST:PORT, a bare host gets 53, IPv6 in brackets", "127.0.0.1:5353, 9.9.9.9,[2620:fe::fe]:53", []string{"127.0.0.1:5353", "9.9.9.9:53", "[2620:fe::fe]:53"}, ""},
		{"a name is refused: the resolver cannot ask itself", "dns.example:53", nil, "want an IP address"},
		{"a bad port is refused", "1.1.1.1:99999", nil, "not a number 1–65535"},
	}
	for _, c := range cases {
		got, err := WebUpstreams(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "--dns-upstream") {
				t.Errorf("%s: %v; want an error naming --dns-upstream with %q", c.sentence, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.sentence, got, err, c.want)
		}
	}
}

func TestSystemResolvers(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "resolv.conf")
	os.WriteFile(p, []byte("# generated\nnameserver 10.0.0.1\nnameserver fd00::53\nsearch lan\n"), 0o644)
	got, err := systemResolvers(p)
	if err != nil || !slices.Equal(got, []string{"10.0.0.1:53", "[fd00::53]:53"}) {
		t.Errorf("got %v, %v", got, err)
	}
	os.WriteFile(p, []byte("search lan\n"), 0o644)
	if _, err := systemResolvers(p); err == nil {
		t.Error("a resolv.conf without nameserver gave resolvers")
	}
	if _, err := systemResolvers(filepath.Join(dir, "none")); err == nil {
		t.Error("a missing resolv.conf gave resolvers")
	}
}

func TestWebSlots(t *testing.T) {
	cases := []struct {
		sentence string
		ids      []int64
		want     map[int64]int
	}{
		{"small ids keep their own slot", []int64{1, 2, 7}, map[int64]int{1: 1, 2: 2, 7: 7}},
		{"an id over 999 gets the lowest slot no other child's id holds", []int64{1, 2, 1500}, map[int64]int{1: 1, 2: 2, 1500: 3}},
		{"large ids share out the free slots in the order of ids", []int64{1001, 3, 1000, 1}, map[int64]int{1: 1, 3: 3, 1000: 2, 1001: 4}},
		{"the slot of a large id is the same whatever order they come in", []int64{1500, 2, 1}, map[int64]int{1: 1, 2: 2, 1500: 3}},
	}
	for _, c := range cases {
		if got := webSlots(c.ids); !maps.Equal(got, c.want) {
			t.Errorf("%s: %v; want %v", c.sentence, got, c.want)
		}
	}
	t.Run("with every slot taken, a child gets none (their DNS is closed, not open)", func(t *testing.T) {
		var ids []int64
		for id := int64(1); id <= webPortCount; id++ {
			ids = append(ids, id)
		}
		got := webSlots(append(ids, 5000))
		if _, ok := got[5000]; ok || len(got) != webPortCount {
			t.Errorf("999 children and one more: %d slots, the last %v", len(got), got[5000])
		}
	})
}

func TestWebOf(t *testing.T) {
	young := rules.Preset(10)
	cases := []struct {
		sentence string
		cs       childState
		resolved bool
		filtered bool
	}{
		{"a child's resolved rules are filtered", childState{policy: young, day: "2026-12-01"}, true, true},
		{"an adult's default profile is not", childState{policy: rules.Preset(30), day: "2026-12-01"}, true, false},
		{"rules that do not validate: unresolved (closed)", childState{policy: young, policyErr: errors.New("bad"), day: "2026-12-01"}, false, false},
		{"a day never prepared (the store failed): unresolved, never the empty policy's no filter", childState{}, false, false},
	}
	for _, c := range cases {
		pol, resolved := webOf(&c.cs)
		if resolved != c.resolved || resolved && pol.Filtered() != c.filtered {
			t.Errorf("%s: resolved %v, filtered %v", c.sentence, resolved, resolved && pol.Filtered())
		}
	}
}
