package web

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/kidtime/kidtime/rules"
)

// ListStats is what reading a list found.
type ListStats struct {
	Domains int // names given to add
	Skipped int // lines that are not a domain (exceptions, rules with paths, IPs, bad names)
	Lines   int
}

// maxLine is the longest line read; a longer one is skipped.
const maxLine = 4096

// ParseList reads a list in any of the common formats, line by line, and
// calls add for each domain in it (lower case, checked with
// rules.NormalDomain):
//
//   - hosts files: "0.0.0.0 ads.example.com", "127.0.0.1 a.com b.com"
//     (the address is dropped; localhost and the like are skipped);
//   - plain domain lists: "example.com", "*.example.com";
//   - filter lines: "||example.com^" with or without "$options".
//
// Comments ("#", "!", "[Adblock Plus 2.0]") and blank lines are passed
// over; exceptions ("@@||…"), rules with a path or a wildcard inside, and
// anything else that names no whole domain are counted as skipped: a list
// never blocks more than it says, and never stops reading at one bad line.
func ParseList(r io.Reader, add func(domain string)) (ListStats, error) {
	var st ListStats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLine)
	for sc.Scan() {
		st.Lines++
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 && !strings.HasPrefix(line, "##") {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || line[0] == '!' || line[0] == '[' {
			continue
		}
		for _, d := range lineDomains(line) {
			if d == "" {
				st.Skipped++
				continue
			}
			st.Domains++
			add(d)
		}
	}
	if err := sc.Err(); err != nil {
		return st, fmt.Errorf("read list at line %d: %w", st.Lines+1, err)
	}
	return st, nil
}

// notHosts are names a hosts file maps that are no one's web site.
var notHosts = map[string]bool{
	"localhost": true, "localhost.localdomain": true, "local": true, "broadcasthost": true,
	"ip6-localhost": true, "ip6-loopback": true, "ip6-localnet": true, "ip6-mcastprefix": true,
	"ip6-allnodes": true, "ip6-allrouters": true, "ip6-allhosts": true, "0.0.0.0": true,
}

// lineDomains returns the domains of one line ("" for each thing that is
// not one).
func lineDomains(line string) []string {
	if strings.HasPrefix(line, "@@") {
		return []string{""}
	}
	if rest, ok := strings.CutPrefix(line, "||"); ok {
		if i := strings.IndexByte(rest, '$'); i >= 0 {
			rest = rest[:i]
		}
		d, ok := strings.CutSuffix(rest, "^")
		if !ok {
			return []string{""} // "||example.com/path" or "||ex*": not a whole domain
		}
		return []string{domain(d)}
	}
	fields := strings.Fields(line)
	if len(fields) > 1 {
		if _, err := netip.ParseAddr(fields[0]); err != nil {
			return []string{""}
		}
		var out []string
		for _, f := range fields[1:] {
			if notHosts[strings.ToLower(f)] {
				continue
			}
			out = append(out, domain(f))
		}
		return out
	}
	if _, err := netip.ParseAddr(line); err == nil {
		return []string{""}
	}
	return []string{domain(line)}
}

func domain(s string) string {
	d, err := rules.NormalDomain(s)
	if err != nil || notHosts[d] {
		return ""
	}
	return d
}
