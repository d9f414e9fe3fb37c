package agent_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/agent/web"
	"github.com/miekg/dns"
)

// dnsAskEnv makes this test binary a DNS client (run as a child's uid):
// "NET ADDR NAME" prints the rcode and the A records, or "error ...".
const dnsAskEnv = "KT_AGENT_DNS"

func init() {
	if cmd := os.Getenv(dnsAskEnv); cmd != "" {
		os.Exit(dnsAsk(strings.Fields(cmd)))
	}
}

func dnsAsk(args []string) int {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(args[2]), dns.TypeA)
	r, _, err := (&dns.Client{Net: args[0], Timeout: 2 * time.Second}).Exchange(m, args[1])
	if err != nil {
		fmt.Println("error", err)
		return 0
	}
	out := []string{dns.RcodeToString[r.Rcode]}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	fmt.Println(strings.Join(out, " "))
	return 0
}

// outsideDNS serves UDP and TCP on ip:53, standing for a resolver out on
// the network that a child's program asks directly: every A is
// 203.0.113.53. The address is "" when port 53 cannot be had there.
func outsideDNS(t *testing.T, ip string) string {
	t.Helper()
	addr := net.JoinHostPort(ip, "53")
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.ParseIP("203.0.113.53")})
		w.WriteMsg(m)
	})
	for _, n := range []string{"udp", "tcp"} {
		s := &dns.Server{Addr: addr, Net: n, Handler: h}
		started := make(chan error, 1)
		s.NotifyStartedFunc = func() { started <- nil }
		go func() { started <- s.ListenAndServe() }()
		if err := <-started; err != nil {
			t.Logf("no outside resolver on %s/%s: %v", addr, n, err)
			return ""
		}
		t.Cleanup(func() { s.Shutdown() })
	}
	return addr
}

// withChildIDsFrom makes the next child the store adds get an id above
// first (a store that has seen that many children come and go).
func withChildIDsFrom(t *testing.T, data string, first int64) {
	t.Helper()
	path := filepath.Join(data, "kidtime.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO children (id, name, birth_year, created_ms) VALUES (?, 'Old', 2000, 0)`, first); err != nil {
		t.Fatal(err)
	}
}

// TestAgentSafeWebRealFirewall runs the agent with kidtime's real nftables
// table (one of its own) and asks DNS as the child's real uid. The child's
// id is over 999: before, such a child got no port and no rule at all, so
// their lookups went out unfiltered.
func TestAgentSafeWebRealFirewall(t *testing.T) {
	ostest.NeedRoot(t)
	table := fmt.Sprintf("kidtime_agent_%d", os.Getpid())
	t.Cleanup(func() { web.RemoveTable(table) })
	out4, out6 := outsideDNS(t, "127.0.0.6"), outsideDNS(t, "::1")
	if out4 == "" {
		t.Skip("no outside resolver")
	}
	w := newWorld(t)
	w.dnsUpstream = []string{upstreamServer(t)}
	w.webPorts = 31000 + os.Getpid()%300*100
	withChildIDsFrom(t, w.data, 1500)
	deps := w.deps()
	deps.Firewall = func() (agent.WebFirewall, error) { return web.NewFirewallNamed(table) }
	c, _ := w.startWith(deps)
	setUp(t, c)
	ctx := ctxT(t)
	if err := c.RemoveChild(ctx, "Old"); err != nil {
		t.Fatal(err)
	}
	if !eventually(10*time.Second, func() bool {
		st := childStatus(t, c, "An")
		return st.Web != nil && st.Web.Active
	}) {
		t.Fatalf("An's web: %+v; want active", childStatus(t, c, "An").Web)
	}
	bin := ostest.HelperBinary(t, w.dir)
	other := ostest.FreeUID(t)
	ask := func(uid, gid uint32, cmd string) string {
		out, errb, code := ostest.RunAs(t, uid, gid, bin, dnsAskEnv+"="+cmd)
		if code != 0 {
			t.Fatalf("dns %q as %d: exit %d: %s", cmd, uid, code, errb)
		}
		return strings.TrimSpace(string(out))
	}
	type dnsCase struct {
		sentence string
		uid, gid uint32
		cmd      string
		want     string
	}
	cases := []dnsCase{
		{"the child's query to an outside server is answered by kidtime", w.kid, w.kid, "udp " + out4 + " example.org", "NOERROR 192.0.2.9"},
		{"over TCP too", w.kid, w.kid, "tcp " + out4 + " example.org", "NOERROR 192.0.2.9"},
		{"an adult site is blocked", w.kid, w.kid, "udp " + out4 + " www.pornhub.com", "NXDOMAIN"},
		{"the child's process running with another group is still the child's", w.kid, other, "udp " + out4 + " www.pornhub.com", "NXDOMAIN"},
		{"another account is untouched", other, other, "udp " + out4 + " example.org", "NOERROR 203.0.113.53"},
	}
	if out6 != "" {
		cases = append(cases,
			dnsCase{"an IPv6 resolver is redirected too", w.kid, w.kid, "udp " + out6 + " www.pornhub.com", "NXDOMAIN"},
			dnsCase{"IPv6 over TCP too", w.kid, w.kid, "tcp " + out6 + " example.org", "NOERROR 192.0.2.9"})
	}
	for _, tc := range cases {
		if got := ask(tc.uid, tc.gid, tc.cmd); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %s as %d/%d: %q; want %q…", tc.sentence, tc.cmd, tc.uid, tc.gid, got, tc.want)
		}
	}
	t.Run("a child removed: their rules go, the default profile's come", func(t *testing.T) {
		// The account falls back to the default profile (made at setup):
		// still filtered, by that profile's rules (a young child's allowed
		// sites only), never the outside server's answer.
		if err := c.RemoveChild(ctx, "An"); err != nil {
			t.Fatal(err)
		}
		var got string
		if !eventually(10*time.Second, func() bool {
			got = ask(w.kid, w.kid, "udp "+out4+" example.org")
			return strings.HasPrefix(got, "NXDOMAIN")
		}) {
			t.Errorf("after An was removed their account got %q; want the default profile's answer (NXDOMAIN: not on its allowed list)", got)
		}
		if got := ask(w.kid, w.kid, "udp "+out4+" www.pornhub.com"); !strings.HasPrefix(got, "NXDOMAIN") {
			t.Errorf("after An was removed their account got %q for an adult site", got)
		}
	})
}
