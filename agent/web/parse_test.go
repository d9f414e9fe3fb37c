package web

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// raceEnabled is set by race_test.go: the million-name test then skips
// (it measures memory and speed, which the race detector changes).
var raceEnabled bool

func TestParseList(t *testing.T) {
	cases := []struct {
		sentence string
		text     string
		want     []string
		skipped  int
	}{
		{"a hosts file: addresses dropped, localhost and comments passed over",
			"# comment\n127.0.0.1 localhost\n::1 ip6-localhost\n0.0.0.0 Ads.Example.com\n0.0.0.0 a.test b.test # two names\n", []string{"ads.example.com", "a.test", "b.test"}, 0},
		{"a plain list, with a *. and a final dot",
			"example.com\n*.wild.example\nfinal.example.\n\n", []string{"example.com", "wild.example", "final.example"}, 0},
		{"filter lines: ||domain^ with and without options; others skipped",
			"! title\n[Adblock Plus 2.0]\n||bad.example^\n||opt.example^$important\n@@||good.example^\n||path.example/ads\n##.banner\n", []string{"bad.example", "opt.example"}, 3},
		{"bad names and bare addresses are skipped, never fatal",
			"not a domain at all\n10.0.0.1\nexa mple\ngood.example\n-.-\n", []string{"good.example"}, 4},
		{"Windows line ends", "crlf.example\r\n0.0.0.0 crlf2.example\r\n", []string{"crlf.example", "crlf2.example"}, 0},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			var got []string
			st, err := ParseList(strings.NewReader(c.text), func(d string) { got = append(got, d) })
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) || st.Skipped != c.skipped {
				t.Errorf("got %q, %d skipped; want %q, %d", got, st.Skipped, c.want, c.skipped)
			}
		})
	}
}

func FuzzParseList(f *testing.F) {
	f.Add("0.0.0.0 a.example\n||b.example^\nc.example\n")
	f.Fuzz(func(t *testing.T, s string) {
		var b Builder
		ParseList(strings.NewReader(s), func(d string) {
			if !b.Add(d, 1) {
				t.Errorf("the parser gave %q, which the set refuses", d)
			}
		})
		set := b.Build()
		_ = set.Len()
	})
}

func TestImportAndCatalog(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l, st, err := Import(dir, "gambling", "https://lists.example/gambling-only/hosts", strings.NewReader("0.0.0.0 newcasino.example\n0.0.0.0 bet.newcasino.example\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "gambling.hosts" || st.Domains != 2 {
		t.Errorf("import: %+v %+v", l, st)
	}
	if _, _, err := Import(dir, "gambling", "/tmp/empty.txt", strings.NewReader("# nothing\n"), now); err == nil || !strings.Contains(err.Error(), "no domain") {
		t.Errorf("an empty list: %v; want refused", err)
	}
	if _, _, err := Import(dir, "news", "x", strings.NewReader("a.example\n"), now); err == nil {
		t.Error("an unknown category was imported")
	}
	os.WriteFile(filepath.Join(dir, "broken.list"), []byte("# category: nonsense\nx.example\n"), 0o600)
	cat, err := LoadCatalog(dir)
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Errorf("a broken list: %v; want named in the error", err)
	}
	if m, ok := cat.block.Match("www.newcasino.example"); !ok || m != categoryBit("gambling") {
		t.Errorf("the imported domain: %d %v", m, ok)
	}
	if _, ok := cat.block.Match("pornhub.com"); !ok {
		t.Error("the shipped adult list did not load beside the broken import")
	}
	var imported *List
	for i := range cat.Lists {
		if !cat.Lists[i].Shipped {
			imported = &cat.Lists[i]
		}
	}
	if imported == nil || imported.Source != "https://lists.example/gambling-only/hosts" || !imported.Updated.Equal(now) || imported.Domains != 2 {
		t.Errorf("the imported list as listed: %+v", imported)
	}
	// Importing the same source again replaces it.
	if _, _, err := Import(dir, "gambling", "https://lists.example/gambling-only/hosts", strings.NewReader("other.example\n"), now); err != nil {
		t.Fatal(err)
	}
	cat, _ = LoadCatalog(dir)
	if _, ok := cat.block.Match("newcasino.example"); ok {
		t.Error("a re-import kept the old names")
	}
}
