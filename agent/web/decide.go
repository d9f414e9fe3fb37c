package web

import (
	"strings"

	"github.com/kidtime/kidtime/rules"
)

// Action is what the resolver does with a lookup.
type Action uint8

// The actions.
const (
	Forward Action = iota // ask the upstream resolvers
	Block                 // NXDOMAIN
	Rewrite               // answer with Target's addresses under a CNAME (SafeSearch)
)

// Verdict is the decision about one name for one child, and why.
type Verdict struct {
	Action Action
	// Category is what blocked it: a rules web category, "deny" (the
	// parent's list), "allowlist" (not on the allow-list), or "" when the
	// block is not counted (the DoH canary, encrypted DNS resolvers' names).
	Category string
	Target   string // for Rewrite
}

// Child is one child's web policy, compiled for lookups.
type Child struct {
	Policy rules.WebPolicy
	deny   *Set
	allow  *Set
	mask   uint8 // the blocked categories
}

// Compile makes a child's policy ready for lookups.
func Compile(p rules.WebPolicy) *Child {
	return &Child{Policy: p, deny: NewSet(1, p.Deny...), allow: NewSet(1, p.Allow...), mask: maskOf(p.Block)}
}

// Filtered reports whether the policy changes any lookup at all (an adult
// on the default profile: no, and their DNS is left alone).
func (c *Child) Filtered() bool {
	return c != nil && (c.mask != 0 || c.Policy.SafeSearch || c.deny.Len() > 0 || c.Policy.Filter == rules.WebAllowlist)
}

// Canary is Firefox's canary domain: NXDOMAIN tells Firefox not to turn on
// its own DNS over HTTPS (support.mozilla.org, "Canary domain -
// use-application-dns.net").
const Canary = "use-application-dns.net"

// dohNames are the names of the well-known public encrypted-DNS services
// (DoH, DoT, DoQ), answered NXDOMAIN for children so that a browser or app
// configured to use them cannot find them by name (their addresses are
// dropped by the firewall, see resolverAddrs). Source: the providers' own
// setup pages (Google Public DNS, Cloudflare 1.1.1.1, Quad9, OpenDNS,
// AdGuard DNS, NextDNS, CleanBrowsing, Mullvad, Control D) and the curl
// project's list of public DoH servers (github.com/curl/curl/wiki/DNS-over-HTTPS).
var dohNames = NewSet(1,
	"dns.google", "dns.google.com", "8888.google",
	"cloudflare-dns.com", "one.one.one.one", "1dot1dot1dot1.cloudflare-dns.com", "security.cloudflare-dns.com", "family.cloudflare-dns.com",
	"dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net",
	"doh.opendns.com", "dns.opendns.com", "doh.familyshield.opendns.com",
	"dns.adguard.com", "dns.adguard-dns.com", "dns-family.adguard.com", "family.adguard-dns.com",
	"dns.nextdns.io", "doh.cleanbrowsing.org", "doh.mullvad.net", "dns.mullvad.net",
	"freedns.controld.com", "dns.controld.com", "doh.dns.sb", "dns.alidns.com", "doh.pub", "dns.twnic.tw",
	Canary,
)

// safeHost is the SafeSearch answer for an exact name.
type safeHost struct {
	target string
	video  bool // YouTube: the target depends on the restriction level
}

// Google's documented SafeSearch and YouTube restriction names
// (support.google.com/websearch/answer/186669, support.google.com/a/answer/6214622),
// Bing's (learn.microsoft.com, "Block adult content with SafeSearch") and
// DuckDuckGo's (duckduckgo.com/duckduckgo-help-pages/features/safe-search).
var safeHosts = func() map[string]safeHost {
	m := map[string]safeHost{
		"www.bing.com": {target: "strict.bing.com"}, "bing.com": {target: "strict.bing.com"},
		"duckduckgo.com": {target: "safe.duckduckgo.com"}, "www.duckduckgo.com": {target: "safe.duckduckgo.com"},
		"start.duckduckgo.com": {target: "safe.duckduckgo.com"},
	}
	for _, tld := range []string{"com", "com.vn", "co.uk", "co.jp", "co.kr", "com.au", "com.sg", "de", "fr", "ca", "co.in", "com.tw", "com.hk", "co.th", "com.my", "com.ph", "co.id", "ru", "es", "it", "com.br"} {
		m["google."+tld] = safeHost{target: "forcesafesearch.google.com"}
		m["www.google."+tld] = safeHost{target: "forcesafesearch.google.com"}
	}
	for _, h := range []string{"www.youtube.com", "m.youtube.com", "youtubei.googleapis.com", "youtube.googleapis.com", "www.youtube-nocookie.com"} {
		m[h] = safeHost{video: true}
	}
	return m
}()

// Decide is the verdict for name for the child c under the catalog cat:
// the DoH canary and encrypted-DNS names first, then the parent's deny
// list, then (unless the parent's allow list or, in the allow-list mode,
// an education list has it) the blocked categories and the allow-list,
// then SafeSearch. name may be in any case, with a final dot.
func (cat *Catalog) Decide(c *Child, name string) Verdict {
	if _, ok := dohNames.Match(name); ok {
		return Verdict{Action: Block}
	}
	if _, ok := c.deny.Match(name); ok {
		return Verdict{Action: Block, Category: "deny"}
	}
	_, allowed := c.allow.Match(name)
	if !allowed && c.Policy.Filter == rules.WebAllowlist {
		_, allowed = cat.edu.Match(name)
	}
	if !allowed {
		if m, ok := cat.block.Match(name); ok && m&c.mask != 0 {
			return Verdict{Action: Block, Category: firstCategory(m & c.mask)}
		}
		if c.Policy.Filter == rules.WebAllowlist {
			return Verdict{Action: Block, Category: "allowlist"}
		}
	}
	if c.Policy.SafeSearch {
		if h, ok := safeHosts[strings.TrimSuffix(strings.ToLower(name), ".")]; ok {
			t := h.target
			if h.video {
				t = "restrict.youtube.com"
				if c.Policy.Video == rules.VideoModerate {
					t = "restrictmoderate.youtube.com"
				}
			}
			return Verdict{Action: Rewrite, Target: t}
		}
	}
	return Verdict{Action: Forward}
}
