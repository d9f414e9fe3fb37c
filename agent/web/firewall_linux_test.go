package web

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/rules"
	"github.com/miekg/dns"
)

// The helper: this test binary, re-executed as another uid, asks a DNS
// server or opens a TCP connection and prints what happened.
const helperEnv = "KT_WEB_HELPER"

func TestMain(m *testing.M) {
	if cmd := os.Getenv(helperEnv); cmd != "" {
		os.Exit(helper(strings.Fields(cmd)))
	}
	os.Exit(m.Run())
}

// helper: "dns NET ADDR NAME" prints the rcode and the answers' data;
// "dial ADDR" prints "connected" or the error.
func helper(args []string) int {
	switch args[0] {
	case "dns":
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(args[3]), dns.TypeA)
		c := &dns.Client{Net: args[1], Timeout: 2 * time.Second}
		r, _, err := c.Exchange(m, args[2])
		if err != nil {
			fmt.Println("error", err)
			return 0
		}
		out := []string{dns.RcodeToString[r.Rcode]}
		for _, rr := range r.Answer {
			switch v := rr.(type) {
			case *dns.A:
				out = append(out, v.A.String())
			case *dns.CNAME:
				out = append(out, v.Target)
			}
		}
		fmt.Println(strings.Join(out, " "))
	case "again":
		// "again ADDR NAME FILE": one UDP socket asks, then, once FILE
		// exists, asks again from the same socket (the same flow).
		c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
		conn, err := c.Dial(args[1])
		if err != nil {
			fmt.Println("error", err)
			return 0
		}
		defer conn.Close()
		for round := 0; round < 2; round++ {
			if round == 1 {
				for i := 0; i < 200; i++ {
					if _, err := os.Stat(args[3]); err == nil {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(args[2]), dns.TypeA)
			r, _, err := c.ExchangeWithConn(m, conn)
			if err != nil {
				fmt.Println("error", err)
				continue
			}
			out := []string{dns.RcodeToString[r.Rcode]}
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					out = append(out, a.A.String())
				}
			}
			fmt.Println(strings.Join(out, " "))
		}
	case "dial":
		c, err := net.DialTimeout("tcp", args[1], 2*time.Second)
		if err != nil {
			fmt.Println("error", err)
			return 0
		}
		c.Close()
		fmt.Println("connected")
	}
	return 0
}

// startOutside is a DNS server on ADDR:53 standing for a resolver out on
// the network: it answers every A query with 203.0.113.53.
func startOutside(t *testing.T, ip string) string {
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
			t.Skipf("cannot serve %s/%s for the outside resolver: %v", addr, n, err)
		}
		t.Cleanup(func() { s.Shutdown() })
	}
	return addr
}

// TestFirewallRedirectsOnlyChildren runs real nftables rules (a table of
// its own, not kidtime's) and real processes of two uids.
func TestFirewallRedirectsOnlyChildren(t *testing.T) {
	ostest.NeedRoot(t)
	f, err := newFirewall(fmt.Sprintf("kidtime_test_%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer f.Remove()
	child, other := ostest.FreeUID(t), ostest.FreeUID(t)
	dir := ostest.WorldDir(t)
	bin := ostest.HelperBinary(t, dir)
	run := func(uid uint32, cmd string) string {
		out, errb, code := ostest.RunAs(t, uid, uid, bin, helperEnv+"="+cmd)
		if code != 0 {
			t.Fatalf("helper %q as %d: exit %d: %s", cmd, uid, code, errb)
		}
		return strings.TrimSpace(string(out))
	}
	outside := startOutside(t, "127.0.0.3")
	dot, err := net.Listen("tcp", "127.0.0.3:853")
	if err != nil {
		t.Fatal(err)
	}
	defer dot.Close()
	go func() {
		for {
			c, err := dot.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()

	up := startUpstream(t)
	r := NewResolver([]string{up.Addr}, nil, nil)
	defer r.Close()
	cat, _ := LoadCatalog(t.TempDir())
	r.SetCatalog(cat)
	port, sibling := freePort(t), freePort(t)
	pol := rules.Preset(11).Web
	pol.Deny = []string{"denied.example"}
	if err := r.Set(map[string]Assignment{"An": {Port: port, Policy: Compile(pol)}, "Sib": {Port: sibling, Policy: Compile(rules.Preset(17).Web)}}); err != nil {
		t.Fatal(err)
	}
	lo, hi := uint16(min(port, sibling)), uint16(max(port, sibling))
	if err := f.Apply(Rules{Children: []Redirect{{UID: child, Port: uint16(port)}}, PortLo: lo, PortHi: hi}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		sentence string
		uid      uint32
		cmd      string
		want     string // a prefix of the helper's line
	}{
		{"the child's query to an outside server is answered by kidtime (forwarded)", child, "dns udp " + outside + " example.org", "NOERROR 192.0.2.13"},
		{"over TCP too", child, "dns tcp " + outside + " example.org", "NOERROR 192.0.2.13"},
		{"a denied domain is NXDOMAIN", child, "dns udp " + outside + " www.denied.example", "NXDOMAIN"},
		{"www.google.com is forcesafesearch.google.com", child, "dns udp " + outside + " www.google.com", "NOERROR forcesafesearch.google.com. 216.239.38.120"},
		{"the canary is NXDOMAIN", child, "dns udp " + outside + " use-application-dns.net", "NXDOMAIN"},
		{"another account's query is untouched", other, "dns udp " + outside + " example.org", "NOERROR 203.0.113.53"},
		{"DoT (853) is refused to the child", child, "dial 127.0.0.3:853", "error"},
		{"DoT is open to another account", other, "dial 127.0.0.3:853", "connected"},
		{"a public resolver's HTTPS port is refused to the child", child, "dial 1.1.1.1:443", "error"},
		{"a sibling's resolver port is refused to the child", child, "dns tcp 127.0.0.1:" + strconv.Itoa(sibling) + " pornhub.com", "error"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			if got := run(c.uid, c.cmd); !strings.HasPrefix(got, c.want) {
				t.Errorf("%s as %d: %q; want %q…", c.cmd, c.uid, got, c.want)
			}
		})
	}
	t.Run("with the resolver gone the child's DNS fails closed, it never reaches the outside server", func(t *testing.T) {
		r.Close()
		if got := run(child, "dns udp "+outside+" example.org"); !strings.HasPrefix(got, "error") {
			t.Errorf("child with no resolver: %q; want an error", got)
		}
		if got := run(other, "dns udp "+outside+" example.org"); !strings.HasPrefix(got, "NOERROR 203.0.113.53") {
			t.Errorf("another account: %q", got)
		}
	})
	t.Run("removing the table leaves no rule", func(t *testing.T) {
		if err := f.Remove(); err != nil {
			t.Fatal(err)
		}
		if ok, err := tableExists(f.table.Name); err != nil || ok {
			t.Errorf("table still there: %v %v", ok, err)
		}
		if got := run(child, "dns udp "+outside+" example.org"); !strings.HasPrefix(got, "NOERROR 203.0.113.53") {
			t.Errorf("child after removal: %q; want the outside server's answer", got)
		}
	})
}

// TestFirewallClosesChildWithoutResolver: a filtered child kidtime has no
// resolver for (Rules.Closed) gets no DNS at all, never unfiltered DNS.
func TestFirewallClosesChildWithoutResolver(t *testing.T) {
	ostest.NeedRoot(t)
	f, err := newFirewall(fmt.Sprintf("kidtime_closed_%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer f.Remove()
	child, other := ostest.FreeUID(t), ostest.FreeUID(t)
	bin := ostest.HelperBinary(t, ostest.WorldDir(t))
	outside := startOutside(t, "127.0.0.7")
	dot, err := net.Listen("tcp", "127.0.0.7:853")
	if err != nil {
		t.Fatal(err)
	}
	defer dot.Close()
	go func() {
		for {
			c, err := dot.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if err := f.Apply(Rules{Closed: []uint32{child}, PortLo: 40001, PortHi: 40999}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sentence string
		uid      uint32
		cmd      string
		want     string
	}{
		{"the child's DNS over UDP is refused", child, "dns udp " + outside + " example.org", "error"},
		{"over TCP too", child, "dns tcp " + outside + " example.org", "error"},
		{"DoT too", child, "dial 127.0.0.7:853", "error"},
		{"another account is untouched", other, "dns udp " + outside + " example.org", "NOERROR 203.0.113.53"},
		{"and may use DoT", other, "dial 127.0.0.7:853", "connected"},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			out, errb, code := ostest.RunAs(t, c.uid, c.uid, bin, helperEnv+"="+c.cmd)
			if got := strings.TrimSpace(string(out)); code != 0 || !strings.HasPrefix(got, c.want) {
				t.Errorf("%s as %d: %q (exit %d, %s); want %q…", c.cmd, c.uid, got, code, errb, c.want)
			}
		})
	}
}

// TestFirewallCutsFlowsOpenBefore: a child's program that opened its
// socket to an outside DNS server before kidtime's rules came keeps the
// same flow, which the kernel's NAT decided at its first packet (not
// redirected). Its next query must not be answered from outside.
func TestFirewallCutsFlowsOpenBefore(t *testing.T) {
	ostest.NeedRoot(t)
	f, err := newFirewall(fmt.Sprintf("kidtime_flow_%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer f.Remove()
	child := ostest.FreeUID(t)
	dir := ostest.WorldDir(t)
	bin := ostest.HelperBinary(t, dir)
	outside := startOutside(t, "127.0.0.8")
	up := startUpstream(t)
	r := NewResolver([]string{up.Addr}, nil, nil)
	defer r.Close()
	port := freePort(t)
	if err := r.Set(map[string]Assignment{"An": {Port: port, Policy: Compile(rules.Preset(11).Web)}}); err != nil {
		t.Fatal(err)
	}
	flag := filepath.Join(dir, "rules-applied")
	cmd := ostest.Command(child, child, bin)
	cmd.Env = append(os.Environ(), helperEnv+"=again "+outside+" example.org "+flag)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "NOERROR 203.0.113.53") {
		t.Fatalf("before the rules the child's first query: %q; want the outside server's answer", lines.Text())
	}
	if err := f.Apply(Rules{Children: []Redirect{{UID: child, Port: uint16(port)}}, PortLo: uint16(port), PortHi: uint16(port)}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(flag, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !lines.Scan() {
		t.Fatal("the helper said nothing the second time")
	}
	if got := lines.Text(); strings.Contains(got, "203.0.113.53") {
		t.Errorf("after the rules came, the same socket's query was answered from outside: %q", got)
	}
}

// TestRemoveStaleTables: a table left by a killed daemon or test run, whose
// accounts are gone, is removed; one that names an existing account stays.
func TestRemoveStaleTables(t *testing.T) {
	ostest.NeedRoot(t)
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no account nobody to stand for an existing child: %v", err)
	}
	uid, _ := strconv.ParseUint(nobody.Uid, 10, 32)
	cases := []struct {
		name  string
		rules Rules
		stays bool
	}{
		{fmt.Sprintf("kidtime_stale_%d", os.Getpid()), Rules{Children: []Redirect{{UID: ostest.FreeUID(t), Port: 5301}}, Closed: []uint32{ostest.FreeUID(t)}}, false},
		{fmt.Sprintf("kidtime_live_%d", os.Getpid()), Rules{Closed: []uint32{ostest.FreeUID(t), uint32(uid)}}, true},
	}
	for _, c := range cases {
		f, err := newFirewall(c.name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		defer f.Remove()
		if err := f.Apply(c.rules); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStaleTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		ok, err := TableExists(c.name)
		if err != nil {
			t.Fatal(err)
		}
		if ok != c.stays {
			t.Errorf("table %s (accounts %v %v): there afterwards = %v, want %v; removed %v", c.name, c.rules.Children, c.rules.Closed, ok, c.stays, removed)
		}
	}
}
