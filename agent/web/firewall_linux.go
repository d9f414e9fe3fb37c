package web

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Firewall writes kidtime's nftables table over netlink (no nft binary).
// The table outlives the daemon on purpose: if kidtimed dies, a child's
// DNS still goes to their port on loopback, where nothing answers, so it
// fails closed; a restart serves the port again. Only RemoveTable (at
// uninstall) takes it away.
type Firewall struct {
	c     *nftables.Conn
	table *nftables.Table
}

// NewFirewall opens a netlink connection to nftables, for kidtime's table.
func NewFirewall() (*Firewall, error) { return newFirewall(TableName) }

// NewFirewallNamed is NewFirewall for a table of another name (tests that
// run several daemons side by side).
func NewFirewallNamed(name string) (*Firewall, error) { return newFirewall(name) }

func newFirewall(name string) (*Firewall, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	return &Firewall{c: c, table: &nftables.Table{Family: nftables.TableFamilyINet, Name: name}}, nil
}

// Close closes the connection (the table stays).
func (f *Firewall) Close() error { return f.c.CloseLasting() }

// Apply replaces the whole table with r, in one atomic batch: there is no
// moment where a child's DNS goes unredirected.
func (f *Firewall) Apply(r Rules) error {
	c := f.c
	t := c.AddTable(f.table) // make sure it exists, so that deleting it cannot fail
	c.DelTable(t)
	t = c.AddTable(f.table)
	nat := c.AddChain(&nftables.Chain{Name: "dns", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	pol := nftables.ChainPolicyAccept
	filter := c.AddChain(&nftables.Chain{Name: "closed", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityFilter, Policy: &pol})
	v4 := &nftables.Set{Table: t, Name: "resolvers4", KeyType: nftables.TypeIPAddr}
	v6 := &nftables.Set{Table: t, Name: "resolvers6", KeyType: nftables.TypeIP6Addr}
	var e4, e6 []nftables.SetElement
	for _, a := range resolverAddrs {
		if a.Is4() {
			b := a.As4()
			e4 = append(e4, nftables.SetElement{Key: b[:]})
		} else {
			b := a.As16()
			e6 = append(e6, nftables.SetElement{Key: b[:]})
		}
	}
	if err := c.AddSet(v4, e4); err != nil {
		return fmt.Errorf("nftables: set of resolvers: %w", err)
	}
	if err := c.AddSet(v6, e6); err != nil {
		return fmt.Errorf("nftables: set of resolvers: %w", err)
	}
	reject := &expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_ADMIN_PROHIBITED}
	accounts := make([]Redirect, 0, len(r.Children)+len(r.Closed))
	accounts = append(accounts, r.Children...)
	for _, uid := range r.Closed {
		accounts = append(accounts, Redirect{UID: uid}) // Port 0: no resolver
	}
	for _, ch := range accounts {
		owner := []expr.Any{
			&expr.Meta{Key: expr.MetaKeySKUID, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(ch.UID)},
		}
		for _, proto := range []byte{unix.IPPROTO_UDP, unix.IPPROTO_TCP} {
			if ch.Port != 0 {
				// meta skuid UID meta l4proto P th dport 53 redirect to :PORT
				c.AddRule(&nftables.Rule{Table: t, Chain: nat, Exprs: cat(owner, l4(proto), dport(expr.CmpOpEq, 53),
					[]expr.Any{
						&expr.Immediate{Register: 1, Data: binaryutil.BigEndian.PutUint16(ch.Port)},
						&expr.Redir{RegisterProtoMin: 1},
					})})
			}
			// Port 53 still, after the NAT chain: not redirected. Either
			// the child has no resolver (Port 0), or the packet belongs to
			// a flow the kernel tracked before this rule came (NAT is
			// decided at a flow's first packet): a program that kept its
			// socket to an outside server open would go on unfiltered.
			c.AddRule(&nftables.Rule{Table: t, Chain: filter, Exprs: cat(owner, l4(proto), dport(expr.CmpOpEq, 53), []expr.Any{reject})})
			// meta skuid UID meta l4proto P th dport 853 reject (DoT, DoQ)
			c.AddRule(&nftables.Rule{Table: t, Chain: filter, Exprs: cat(owner, l4(proto), dport(expr.CmpOpEq, 853), []expr.Any{reject})})
			if r.PortHi >= r.PortLo && r.PortLo > 0 {
				// Another child's resolver port on loopback: refused (the
				// child's own port is what their redirected DNS reaches).
				// Only on loopback, where the resolver listens: the same
				// ports elsewhere (a game's server) stay open.
				sib := cat(owner, l4(proto), oifLoopback(), []expr.Any{
					&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
					&expr.Range{Op: expr.CmpOpEq, Register: 1, FromData: binaryutil.BigEndian.PutUint16(r.PortLo), ToData: binaryutil.BigEndian.PutUint16(r.PortHi)},
				})
				if ch.Port != 0 {
					sib = append(sib, &expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.BigEndian.PutUint16(ch.Port)})
				}
				c.AddRule(&nftables.Rule{Table: t, Chain: filter, Exprs: append(sib, reject)})
			}
		}
		// Anything to a public resolver's address (DoH, DoQ, other ports).
		for _, s := range []struct {
			proto  byte
			set    *nftables.Set
			off, n uint32
		}{{unix.NFPROTO_IPV4, v4, 16, 4}, {unix.NFPROTO_IPV6, v6, 24, 16}} {
			c.AddRule(&nftables.Rule{Table: t, Chain: filter, Exprs: cat(owner, []expr.Any{
				&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{s.proto}},
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: s.off, Len: s.n},
				&expr.Lookup{SourceRegister: 1, SetName: s.set.Name, SetID: s.set.ID},
				reject,
			})})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: write table %s: %w", f.table.Name, err)
	}
	return nil
}

func l4(proto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
	}
}

// oifLoopback matches packets that leave through the loopback interface
// (meta oifname "lo").
func oifLoopback() []expr.Any {
	name := make([]byte, unix.IFNAMSIZ)
	copy(name, "lo")
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: name},
	}
}

func dport(op expr.CmpOp, port uint16) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: op, Register: 1, Data: binaryutil.BigEndian.PutUint16(port)},
	}
}

func cat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Remove deletes kidtime's table (uninstall).
func (f *Firewall) Remove() error {
	t := f.c.AddTable(f.table)
	f.c.DelTable(t)
	if err := f.c.Flush(); err != nil {
		return fmt.Errorf("nftables: remove table %s: %w", f.table.Name, err)
	}
	return nil
}

// RemoveTable deletes the named table (kidtime's: TableName), if there is
// one.
func RemoveTable(name string) error {
	f, err := newFirewall(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Remove()
}

// TableExists reports whether the named table is in the kernel.
func TableExists(name string) (bool, error) { return tableExists(name) }

func tableExists(name string) (bool, error) {
	c, err := nftables.New()
	if err != nil {
		return false, err
	}
	ts, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	for _, t := range ts {
		if t.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// RemoveStaleTables deletes the tables of kidtime's shape (family inet,
// named kidtime…) whose rules name only accounts that no longer exist: the
// leftovers of a daemon or a test run that was killed, or of an uninstall
// that did not finish. Left in place, they would close or redirect the DNS
// of the next account given one of those ids. A table that names any
// existing account is kept: it may be a running kidtime's. Accounts are
// looked up as os/user does without cgo (/etc/passwd): a directory's
// accounts (LDAP, sssd) look gone, so this is for test runs and the
// benchmark, which make local accounts, not for a school's PCs. It returns
// the names of the tables removed.
func RemoveStaleTables() ([]string, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, fmt.Errorf("nftables: %w", err)
	}
	defer c.CloseLasting()
	ts, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("nftables: list tables: %w", err)
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, fmt.Errorf("nftables: list chains: %w", err)
	}
	var removed []string
	for _, t := range ts {
		if !strings.HasPrefix(t.Name, TableName) {
			continue
		}
		uids := map[uint32]bool{}
		for _, ch := range chains {
			if ch.Table.Name != t.Name {
				continue
			}
			rs, err := c.GetRules(t, ch)
			if err != nil {
				return removed, fmt.Errorf("nftables: rules of %s: %w", t.Name, err)
			}
			for _, r := range rs {
				if uid, ok := ruleOwner(r.Exprs); ok {
					uids[uid] = true
				}
			}
		}
		if len(uids) == 0 {
			continue
		}
		stale := true
		for uid := range uids {
			if _, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
				stale = false
				break
			}
		}
		if !stale {
			continue
		}
		c.DelTable(t)
		if err := c.Flush(); err != nil {
			return removed, fmt.Errorf("nftables: remove table %s: %w", t.Name, err)
		}
		removed = append(removed, t.Name)
	}
	return removed, nil
}

// ruleOwner is the account a rule of Apply's matches (meta skuid ==).
func ruleOwner(exprs []expr.Any) (uint32, bool) {
	for i := 0; i+1 < len(exprs); i++ {
		m, ok := exprs[i].(*expr.Meta)
		if !ok || m.Key != expr.MetaKeySKUID {
			continue
		}
		if cmp, ok := exprs[i+1].(*expr.Cmp); ok && cmp.Op == expr.CmpOpEq && len(cmp.Data) == 4 {
			return binaryutil.NativeEndian.Uint32(cmp.Data), true
		}
	}
	return 0, false
}
