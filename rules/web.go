package rules

import (
	"fmt"
	"slices"
	"strings"
)

// WebFilter is how much of the web a child's lookups are filtered for.
type WebFilter uint8

// The filter levels, from none to the strictest. Every child also has adult
// content and gambling blocked whatever the level (MandatoryWebBlock).
const (
	WebOff       WebFilter = iota // only what every child has blocked, and the parent's deny list
	WebLight                      // 16–17: adult, gambling, proxies
	WebStandard                   // 9–15: light + dating
	WebStrict                     // standard + social networks and game sites
	WebAllowlist                  // the youngest: only education sites, help pages and the parent's allow list
)

var webFilterNames = []string{"off", "light", "standard", "strict", "allowlist"}

// String returns the policy-file name of f.
func (f WebFilter) String() string { return enumName(webFilterNames, int(f)) }

// MarshalText writes the policy-file name of f.
func (f WebFilter) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText reads off, light, standard, strict or allowlist.
func (f *WebFilter) UnmarshalText(b []byte) error {
	i, err := parseEnum(webFilterNames, string(b), "filter")
	*f = WebFilter(i)
	return err
}

// WebFilters lists the filter names, for help texts.
func WebFilters() []string { return slices.Clone(webFilterNames) }

// The web categories a policy can block; WebEducation is the category of
// the sites the allow-list mode lets through. Lists of domains (assets,
// imports) carry one of these; a name outside them is refused, so that a
// typo never blocks nothing.
const (
	WebAdult     = "adult"
	WebGambling  = "gambling"
	WebDating    = "dating"
	WebProxy     = "proxy" // VPNs, web proxies, anonymisers: the ways round the filter
	WebSocial    = "social"
	WebGames     = "games"
	WebEducation = "education"
)

// WebBlockCategories are the categories "block" accepts, in display order.
var WebBlockCategories = []string{WebAdult, WebGambling, WebDating, WebProxy, WebSocial, WebGames}

// MandatoryWebBlock is blocked for every child (0–17) whatever the policy
// says: adult content, and gambling, which is illegal in Vietnam (Decree
// 06/2017/NĐ-CP allows only licensed betting, never online for residents).
var MandatoryWebBlock = []string{WebAdult, WebGambling}

// IsWebCategory reports whether name is a category a list may carry.
func IsWebCategory(name string) bool {
	return name == WebEducation || slices.Contains(WebBlockCategories, name)
}

// filterBlocks is what each level blocks.
var filterBlocks = map[WebFilter][]string{
	WebOff:       nil,
	WebLight:     {WebAdult, WebGambling, WebProxy},
	WebStandard:  {WebAdult, WebGambling, WebProxy, WebDating},
	WebStrict:    {WebAdult, WebGambling, WebProxy, WebDating, WebSocial, WebGames},
	WebAllowlist: {WebAdult, WebGambling, WebProxy, WebDating, WebSocial, WebGames},
}

// WebFilterBlocks is what level f blocks by itself (a child has adult
// sites and gambling blocked at every level).
func WebFilterBlocks(f WebFilter) []string { return slices.Clone(filterBlocks[f]) }

// WebSpec is a profile's web settings as a parent wrote them; nil and
// empty fields keep the preset's.
type WebSpec struct {
	Filter     *WebFilter `json:"filter,omitempty"`
	SafeSearch *bool      `json:"safeSearch,omitempty"`
	// Block, when given, is the whole list of blocked categories (it
	// replaces the level's); adult and gambling are blocked for a child all
	// the same.
	Block []string `json:"block,omitempty"`
	// Deny and Allow are single domains (and their subdomains). Allow wins
	// over a category, deny wins over allow.
	Deny  []string `json:"deny,omitempty"`
	Allow []string `json:"allow,omitempty"`
}

// Video is how restricted YouTube is.
type Video string

// The YouTube modes, answered with YouTube's documented hosts.
const (
	VideoOff      Video = ""
	VideoStrict   Video = "strict"   // restrict.youtube.com
	VideoModerate Video = "moderate" // restrictmoderate.youtube.com
)

// WebPolicy is a child's resolved web rules.
type WebPolicy struct {
	Filter WebFilter `json:"filter"`
	// SafeSearch answers search engines' names with their safe hosts.
	SafeSearch bool `json:"safeSearch"`
	// Video is YouTube's restricted mode when SafeSearch is on.
	Video Video `json:"video,omitempty"`
	// Block are the blocked categories, sorted.
	Block []string `json:"block,omitempty"`
	Deny  []string `json:"deny,omitempty"`
	Allow []string `json:"allow,omitempty"`
}

// WebPreset is the web part of the age preset: the allow-list for the
// youngest (0–8), standard filtering for 9–15, light for 16–17; SafeSearch
// on for every child, YouTube strict up to 12 and moderate from 13 (as
// YouTube's supervised "Explore more" starts at 13). Adults (18+, and ages
// below 0 get the strictest) are not filtered.
func WebPreset(age int) WebPolicy {
	var f WebFilter
	switch {
	case age <= 8:
		f = WebAllowlist
	case age <= 15:
		f = WebStandard
	case age <= 17:
		f = WebLight
	default:
		return WebPolicy{}
	}
	p := WebPolicy{Filter: f, SafeSearch: true, Video: VideoStrict, Block: slices.Clone(filterBlocks[f])}
	if age >= 13 {
		p.Video = VideoModerate
	}
	slices.Sort(p.Block)
	return p
}

// applyWeb puts a profile's web settings on top of the preset's. child
// says whether the policy is a child's (mandatory blocks apply).
func (p *Policy) applyWeb(s *WebSpec, child bool) {
	if s != nil {
		if s.Filter != nil {
			p.Web.Filter = *s.Filter
			p.Web.Block = slices.Clone(filterBlocks[*s.Filter])
		}
		if s.SafeSearch != nil {
			p.Web.SafeSearch = *s.SafeSearch
			if p.Web.SafeSearch && p.Web.Video == VideoOff {
				p.Web.Video = VideoStrict
				if p.Age >= 13 {
					p.Web.Video = VideoModerate
				}
			}
		}
		if s.Block != nil {
			p.Web.Block = slices.Clone(s.Block)
		}
		p.Web.Deny = normalDomains(s.Deny)
		p.Web.Allow = normalDomains(s.Allow)
	}
	if !p.Web.SafeSearch {
		p.Web.Video = VideoOff
	}
	if child {
		for _, c := range MandatoryWebBlock {
			if !slices.Contains(p.Web.Block, c) {
				p.Web.Block = append(p.Web.Block, c)
			}
		}
	}
	slices.Sort(p.Web.Block)
	p.Web.Block = slices.Compact(p.Web.Block)
}

func normalDomains(ds []string) []string {
	if len(ds) == 0 {
		return nil
	}
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		if n, err := NormalDomain(d); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// validateWeb adds the web policy's problems to errs.
func (p *Policy) validateWeb(add func(path, value, reason string)) {
	if int(p.Web.Filter) >= len(webFilterNames) {
		add("web.filter", "", "unknown filter")
	}
	for i, c := range p.Web.Block {
		if !slices.Contains(WebBlockCategories, c) {
			add(fmt.Sprintf("web.block[%d]", i), c, "unknown category")
		}
	}
	for _, l := range []struct {
		name string
		ds   []string
	}{{"deny", p.Web.Deny}, {"allow", p.Web.Allow}} {
		for i, d := range l.ds {
			if _, err := NormalDomain(d); err != nil {
				add(fmt.Sprintf("web.%s[%d]", l.name, i), d, err.Error())
			}
		}
	}
}

// MaxWebDomains is how many single domains a policy's deny or allow list
// holds at most (lists of thousands belong in an imported list).
const MaxWebDomains = 500

// NormalDomain checks a domain name and returns it in lower case without a
// trailing dot. It must have at least two labels of letters, digits, '-'
// or '_' (1–63 each, not starting or ending with '-', 253 in all); a leading "*." is dropped (a domain
// covers its subdomains anyway). Names in other scripts are written in
// punycode (xn--…).
func NormalDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	d = strings.TrimPrefix(d, "*.")
	switch {
	case d == "":
		return "", fmt.Errorf("empty domain")
	case len(d) > 253:
		return "", fmt.Errorf("longer than 253 characters")
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/:"):
		return "", fmt.Errorf("give a domain name, not an address (example.com)")
	}
	if !strings.Contains(d, ".") {
		return "", fmt.Errorf("give a full domain name (example.com)")
	}
	for l := range strings.SplitSeq(d, ".") { // no slice of labels: lists of millions go through here
		if l == "" || len(l) > 63 {
			return "", fmt.Errorf("each part between dots must have 1 to 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", fmt.Errorf("a part between dots cannot start or end with '-'")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				if c >= 0x80 {
					return "", fmt.Errorf("write names in other scripts in punycode (xn--…)")
				}
				return "", fmt.Errorf("only letters, digits, '-' and '_' are allowed")
			}
		}
	}
	return d, nil
}
