package web

import (
	"errors"
	"net/netip"
)

// ErrNoFirewall is returned where kidtime cannot redirect a child's DNS:
// every OS but Linux (nftables, by account) and Windows (the system
// resolver, following the child at the console: firewall_windows.go).
var ErrNoFirewall = errors.New("per-account DNS redirection is not available on this system (Linux and Windows only for now)")

// ErrEncryptedDNSOpen wraps a failure to write the firewall rules that
// close encrypted DNS and outside DNS servers to the children: the system
// resolver setting may be in place, but a child's own program can get
// round it. The agent reports it.
var ErrEncryptedDNSOpen = errors.New("encrypted DNS and outside DNS servers are not closed to the children")

// TableName is kidtime's own nftables table (family inet). Nothing else of
// the machine's firewall is touched.
const TableName = "kidtime"

// Redirect is one child account's rule: its DNS goes to Port on loopback.
type Redirect struct {
	UID  uint32
	Port uint16
}

// Rules is everything kidtime's table holds: each child account's DNS
// redirect, and for those accounts the ports to refuse: encrypted DNS (853,
// TCP and UDP, to anyone), every port of the well-known public resolvers
// (DoH and DoQ on 443, OpenDNS's 5353...), and the other children's
// resolver ports in [PortLo, PortHi] on loopback.
//
// Closed are the accounts of filtered children that have no resolver to
// go to (no port left, or their port could not be opened): their DNS is
// refused outright (TCP and UDP 53 to anyone, plus all of the above), so
// that a child kidtime cannot filter gets no DNS rather than unfiltered
// DNS.
type Rules struct {
	Children       []Redirect
	Closed         []uint32
	PortLo, PortHi uint16
}

// resolverAddrs are the addresses of the well-known public resolvers that
// serve DNS over HTTPS, TLS or QUIC. A child's packets to them are refused
// (their plain DNS on port 53 is redirected first, so it still works,
// through kidtime). Sources: the providers' own setup pages (Cloudflare
// 1.1.1.1 and 1.1.1.1 for Families, Google Public DNS, Quad9, OpenDNS and
// FamilyShield, AdGuard DNS, CleanBrowsing, Mullvad DNS, Control D, DNS.SB,
// AliDNS, DNSPod) and the curl project's list of public DoH servers
// (github.com/curl/curl/wiki/DNS-over-HTTPS).
var resolverAddrs = func() []netip.Addr {
	var out []netip.Addr
	for _, s := range []string{
		"1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3",
		"8.8.8.8", "8.8.4.4",
		"9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11", "149.112.112.11",
		"208.67.222.222", "208.67.220.220", "208.67.222.123", "208.67.220.123",
		"94.140.14.14", "94.140.15.15", "94.140.14.15", "94.140.15.16",
		"185.228.168.9", "185.228.169.9", "185.228.168.168", "185.228.169.168",
		"194.242.2.2", "194.242.2.3", "194.242.2.4",
		"76.76.2.0", "76.76.10.0",
		"185.222.222.222", "45.11.45.11",
		"223.5.5.5", "223.6.6.6", "119.29.29.29",
		"2606:4700:4700::1111", "2606:4700:4700::1001", "2606:4700:4700::1112", "2606:4700:4700::1002",
		"2606:4700:4700::1113", "2606:4700:4700::1003",
		"2001:4860:4860::8888", "2001:4860:4860::8844",
		"2620:fe::fe", "2620:fe::9", "2620:fe::10", "2620:fe::11",
		"2620:119:35::35", "2620:119:53::53",
		"2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff",
		"2a07:e340::2",
		"2400:3200::1", "2400:3200:baba::1",
	} {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}()

// ResolverAddrs lists the public resolvers' addresses refused to children.
func ResolverAddrs() []netip.Addr { return append([]netip.Addr(nil), resolverAddrs...) }
