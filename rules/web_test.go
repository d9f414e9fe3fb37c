package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestWebPreset(t *testing.T) {
	cases := []struct {
		sentence string
		ages     []int
		filter   WebFilter
		video    Video
		block    []string
	}{
		{"the youngest (0–8) see only the allow-list, YouTube strict", []int{0, 5, 8}, WebAllowlist, VideoStrict,
			[]string{"adult", "dating", "gambling", "games", "proxy", "social"}},
		{"9–12: standard filtering, YouTube strict", []int{9, 12}, WebStandard, VideoStrict, []string{"adult", "dating", "gambling", "proxy"}},
		{"13–15: standard filtering, YouTube moderate", []int{13, 15}, WebStandard, VideoModerate, []string{"adult", "dating", "gambling", "proxy"}},
		{"16–17: light filtering, YouTube moderate", []int{16, 17}, WebLight, VideoModerate, []string{"adult", "gambling", "proxy"}},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			for _, age := range c.ages {
				w := Preset(age).Web
				if w.Filter != c.filter || !w.SafeSearch || w.Video != c.video || !slices.Equal(w.Block, c.block) {
					t.Errorf("age %d: %+v; want filter %v, safeSearch, video %q, block %v", age, w, c.filter, c.video, c.block)
				}
			}
		})
	}
	if w := Unrestricted().Web; w.Filter != WebOff || w.SafeSearch || len(w.Block) != 0 {
		t.Errorf("an adult's (unrestricted) web: %+v; want nothing filtered", w)
	}
}

func webChild(web string) string {
	return fmt.Sprintf(`{"version": 1, "children": [{"name": "An", "birthYear": 2014, "accounts": ["an"], "web": %s}]}`, web)
}

func TestWebResolve(t *testing.T) {
	now := at(mon, 10, 0, 0) // 2025: An (2014) is 11
	cases := []struct {
		sentence string
		web      string
		check    func(w WebPolicy) bool
	}{
		{"nothing given keeps the preset", `{}`, func(w WebPolicy) bool {
			return w.Filter == WebStandard && w.SafeSearch && w.Video == VideoStrict
		}},
		{"filter off still blocks adult content and gambling for a child", `{"filter": "off"}`, func(w WebPolicy) bool {
			return w.Filter == WebOff && slices.Equal(w.Block, []string{"adult", "gambling"})
		}},
		{"a block list without adult and gambling gets them all the same", `{"block": ["social"]}`, func(w WebPolicy) bool {
			return slices.Equal(w.Block, []string{"adult", "gambling", "social"})
		}},
		{"SafeSearch off turns restricted YouTube off", `{"safeSearch": false}`, func(w WebPolicy) bool {
			return !w.SafeSearch && w.Video == VideoOff
		}},
		{"deny and allow are normalised: lower case, no trailing dot, no *.", `{"deny": ["Game.Example.COM."], "allow": ["*.school.edu.vn"]}`, func(w WebPolicy) bool {
			return slices.Equal(w.Deny, []string{"game.example.com"}) && slices.Equal(w.Allow, []string{"school.edu.vn"})
		}},
		{"strict adds social networks and game sites", `{"filter": "strict"}`, func(w WebPolicy) bool {
			return slices.Contains(w.Block, "social") && slices.Contains(w.Block, "games")
		}},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			f, err := ParseFile([]byte(webChild(c.web)))
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.Children[0].Policy(now)
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(p.Web) {
				t.Errorf("web %s resolved to %+v", c.web, p.Web)
			}
			// What is resolved survives a round trip of the file.
			b, err := EncodeFile(f)
			if err != nil {
				t.Fatal(err)
			}
			g, err := ParseFile(b)
			if err != nil {
				t.Fatalf("round trip: %v\n%s", err, b)
			}
			q, _ := g.Children[0].Policy(now)
			if !slices.Equal(q.Web.Block, p.Web.Block) || q.Web.Filter != p.Web.Filter || q.Web.SafeSearch != p.Web.SafeSearch {
				t.Errorf("round trip changed the web policy: %+v, then %+v", p.Web, q.Web)
			}
		})
	}
	t.Run("a default profile for adults filters nothing", func(t *testing.T) {
		f, err := ParseFile([]byte(`{"version": 1, "defaultProfile": {"preset": "none"}}`))
		if err != nil {
			t.Fatal(err)
		}
		p, _ := f.DefaultProfile.Policy()
		if len(p.Web.Block) != 0 || p.Web.SafeSearch {
			t.Errorf("default profile none: %+v", p.Web)
		}
	})
}

func TestWebParseErrors(t *testing.T) {
	cases := []struct {
		sentence   string
		web        string
		path, key  string
		reasonPart string
	}{
		{"an unknown filter names the field and the levels", `{"filter": "medium"}`, "children[0].web.filter", KeyWebFilter, "want off, light"},
		{"an unknown category", `{"block": ["gamblin"]}`, "children[0].web.block[0]", KeyWebCategory, "unknown category"},
		{"education is not a category to block", `{"block": ["education"]}`, "children[0].web.block[0]", KeyWebCategory, "unknown category"},
		{"a URL is not a domain", `{"deny": ["https://x.com/a"]}`, "children[0].web.deny[0]", KeyWebDomain, "not an address"},
		{"a single label is not a domain", `{"allow": ["localhost"]}`, "children[0].web.allow[0]", KeyWebDomain, "full domain"},
		{"Vietnamese letters need punycode", `{"deny": ["trò-chơi.vn"]}`, "children[0].web.deny[0]", KeyWebDomain, "punycode"},
		{"a domain twice", `{"deny": ["a.com", "A.com"]}`, "children[0].web.deny[1]", "", "listed twice"},
		{"an unknown field", `{"filters": "light"}`, "children[0].web.filters", "", "unknown field"},
		{"safeSearch wants true or false", `{"safeSearch": "yes"}`, "children[0].web.safeSearch", "", "want true or false"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			_, err := ParseFile([]byte(webChild(c.web)))
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("ParseFile: %v; want one error", err)
			}
			e := es[0]
			if e.Path != c.path || e.Key != c.key || !strings.Contains(e.Reason, c.reasonPart) {
				t.Errorf("got %s (key %q); want path %s, key %q, reason with %q", e, e.Key, c.path, c.key, c.reasonPart)
			}
		})
	}
}

func TestCLIParsers(t *testing.T) {
	if _, err := ParseWebFilter("--filter", "Strict"); err == nil {
		t.Error("--filter Strict (capital) was accepted")
	}
	if f, err := ParseWebFilter("--filter", "allowlist"); err != nil || f != WebAllowlist {
		t.Errorf("allowlist: %v %v", f, err)
	}
	if _, err := ParseWebCategory("--category", "education", true); err == nil {
		t.Error("education accepted as a category to block")
	}
	if _, err := ParseWebCategory("--category", "education", false); err != nil {
		t.Errorf("education refused for a list: %v", err)
	}
	var fe *FieldError
	if _, err := ParseWebDomain("--deny", "bad domain"); !errors.As(err, &fe) || fe.Path != "--deny" || fe.Key != KeyWebDomain {
		t.Errorf("a bad domain: %v", err)
	}
}

func FuzzNormalDomain(f *testing.F) {
	for _, s := range []string{"example.com", "*.a.b", "A.COM.", "xn--tr-chi-xva.vn", "a..b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalDomain(s)
		if err != nil {
			return
		}
		if d2, err := NormalDomain(d); err != nil || d2 != d {
			t.Errorf("NormalDomain(%q) = %q, which normalises to %q, %v", s, d, d2, err)
		}
	})
}
