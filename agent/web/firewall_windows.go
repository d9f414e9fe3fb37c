package web

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// On Windows the DNS Client service resolves for every account, so DNS
// cannot be sent somewhere by account as nftables does on Linux. kidtime
// follows the child who holds the console instead: while one does, every
// network interface's DNS server is kidtime's resolver on loopback
// (127.0.0.1 and ::1, port 53, serving that child's policy); otherwise the
// interfaces get back the servers they had. Encrypted DNS (853, the public
// resolvers' addresses) and plain DNS to other servers are blocked for the
// children's own programs by Windows Firewall rules that name their
// accounts (loopback is never filtered by Windows Firewall, so the
// resolver stays reachable).

// The interfaces' DNS settings, and where kidtime keeps what it replaced.
const (
	tcpipInterfaces  = `SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\Interfaces`
	tcpip6Interfaces = `SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters\Interfaces`
	backupRoot       = `SOFTWARE\kidtime\web`
)

// Firewall is kidtime's hold on the system resolver (Windows).
type Firewall struct {
	// V4, V6 are the interfaces' keys (HKLM); Backup is where the replaced
	// values are kept (HKLM). Tests point them at keys of their own.
	V4, V6, Backup string
	// Group names kidtime's Windows Firewall rules.
	Group string
	// SIDOf gives an account's SID from its uid (the firewall rules name
	// accounts by SID); nil: the rules are not written (an error says so).
	SIDOf func(uint32) (string, error)
	// notify: tell the DNS Client of the change (the real interfaces only).
	notify bool
	// blocked are the accounts whose firewall rules are in place.
	blocked []string
}

// NewFirewall is kidtime's hold on the machine's interfaces.
func NewFirewall() (*Firewall, error) { return NewFirewallNamed(TableName) }

// NewFirewallNamed is NewFirewall with its backup and rules under name.
func NewFirewallNamed(name string) (*Firewall, error) {
	f := &Firewall{V4: tcpipInterfaces, V6: tcpip6Interfaces, Backup: backupRoot + `\` + name, Group: name, notify: true}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, f.V4, registry.READ)
	if err != nil {
		return nil, fmt.Errorf("the network interfaces' settings (HKLM\\%s): %w", f.V4, err)
	}
	k.Close()
	return f, nil
}

// ConsolePort is where the resolver must listen: the system's resolver
// setting holds addresses, never ports.
func (f *Firewall) ConsolePort() int { return 53 }

// SetAccountSIDs gives the firewall the uid → SID lookup.
func (f *Firewall) SetAccountSIDs(fn func(uint32) (string, error)) { f.SIDOf = fn }

// Apply points the interfaces' DNS at loopback while r has any child
// (redirected or closed: a closed child's DNS goes to loopback too, where
// nothing answers), and gives them back their servers otherwise; then the
// firewall rules for the children's accounts.
func (f *Firewall) Apply(r Rules) error {
	var uids []uint32
	for _, c := range r.Children {
		uids = append(uids, c.UID)
	}
	uids = append(uids, r.Closed...)
	if len(uids) > 0 {
		if err := f.point(); err != nil {
			return err
		}
	} else if err := f.restore(); err != nil {
		return err
	}
	return f.block(uids)
}

// Close does nothing: what Apply wrote stays (a child's DNS fails while
// kidtimed is down, closed); Remove takes it away.
func (f *Firewall) Close() error { return nil }

// Remove gives the interfaces back their servers and deletes kidtime's
// firewall rules (uninstall).
func (f *Firewall) Remove() error {
	err := f.restore()
	f.blocked = nil
	return errors.Join(err, f.removeRules())
}

// RemoveTable is Remove for the named hold (kidtimed web-remove).
func RemoveTable(name string) error {
	f := &Firewall{V4: tcpipInterfaces, V6: tcpip6Interfaces, Backup: backupRoot + `\` + name, Group: name, notify: true}
	return f.Remove()
}

// TableExists reports whether kidtime holds the interfaces' DNS (a backup
// of theirs is kept).
func TableExists(name string) (bool, error) {
	f := &Firewall{Backup: backupRoot + `\` + name}
	saved, err := f.saved()
	return len(saved) > 0, err
}

// Upstream are the DNS servers the interfaces have of their own (the values
// kept while kidtime holds them, else theirs, else DHCP's): where the
// resolver forwards.
func (f *Firewall) Upstream() ([]string, error) {
	saved, err := f.saved()
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(list string) {
		for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
			if ip := net.ParseIP(s); ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
				if hp := net.JoinHostPort(s, "53"); !slices.Contains(out, hp) {
					out = append(out, hp)
				}
			}
		}
	}
	for _, fam := range []struct{ root, tag string }{{f.V4, "v4"}, {f.V6, "v6"}} {
		ifaces, err := subkeys(fam.root)
		if err != nil {
			continue
		}
		for _, id := range ifaces {
			k, err := registry.OpenKey(registry.LOCAL_MACHINE, fam.root+`\`+id, registry.QUERY_VALUE)
			if err != nil {
				continue
			}
			own, _, _ := k.GetStringValue("NameServer")
			if keep, ok := saved[fam.tag+`\`+id]; ok {
				own = strings.TrimPrefix(keep, "=")
				if keep == "-" {
					own = ""
				}
			}
			if own == "" {
				own, _, _ = k.GetStringValue("DhcpNameServer")
			}
			k.Close()
			add(own)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("system resolver: no interface has a DNS server of its own")
	}
	return out, nil
}

// point writes loopback as every interface's DNS server, keeping the value
// it had first (once: a second point keeps the first backup).
func (f *Firewall) point() error {
	bk, _, err := registry.CreateKey(registry.LOCAL_MACHINE, f.Backup, registry.ALL_ACCESS)
	if err != nil {
		return fmt.Errorf("system resolver: keep the interfaces' DNS servers (HKLM\\%s): %w", f.Backup, err)
	}
	defer bk.Close()
	var errs []error
	changed := false
	for _, fam := range []struct{ root, tag, addr string }{{f.V4, "v4", "127.0.0.1"}, {f.V6, "v6", "::1"}} {
		ifaces, err := subkeys(fam.root)
		if err != nil {
			if fam.tag == "v6" && errors.Is(err, registry.ErrNotExist) {
				continue // no IPv6 stack
			}
			errs = append(errs, err)
			continue
		}
		for _, id := range ifaces {
			path := fam.root + `\` + id
			k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.SET_VALUE)
			if err != nil {
				errs = append(errs, fmt.Errorf("system resolver: open HKLM\\%s: %w", path, err))
				continue
			}
			old, _, err := k.GetStringValue("NameServer")
			if err == nil && old == fam.addr {
				k.Close()
				continue
			}
			keep := "=" + old // "=" and the value, or "-": there was none
			if errors.Is(err, registry.ErrNotExist) {
				keep = "-"
			}
			name := fam.tag + `\` + id
			if _, _, err := bk.GetStringValue(name); errors.Is(err, registry.ErrNotExist) {
				if err := bk.SetStringValue(name, keep); err != nil {
					k.Close()
					errs = append(errs, fmt.Errorf("system resolver: keep %s: %w", name, err))
					continue
				}
			}
			if err := f.setServer(&k, id, fam.tag == "v6", fam.addr); err != nil {
				errs = append(errs, fmt.Errorf("system resolver: HKLM\\%s NameServer: %w", path, err))
			}
			k.Close()
			changed = true
		}
	}
	if changed {
		f.flush()
	}
	return errors.Join(errs...)
}

// restore gives each interface back the value kept, and forgets it.
func (f *Firewall) restore() error {
	saved, err := f.saved()
	if err != nil || len(saved) == 0 {
		return err
	}
	bk, err := registry.OpenKey(registry.LOCAL_MACHINE, f.Backup, registry.ALL_ACCESS)
	if err != nil {
		return fmt.Errorf("system resolver: HKLM\\%s: %w", f.Backup, err)
	}
	defer bk.Close()
	var errs []error
	for name, keep := range saved {
		tag, id, _ := strings.Cut(name, `\`)
		root := f.V4
		if tag == "v6" {
			root = f.V6
		}
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, root+`\`+id, registry.SET_VALUE)
		switch {
		case errors.Is(err, registry.ErrNotExist):
			// The interface is gone: nothing to give back.
		case err != nil:
			errs = append(errs, fmt.Errorf("system resolver: open HKLM\\%s\\%s: %w", root, id, err))
			continue
		case keep == "-":
			err = k.DeleteValue("NameServer")
			if errors.Is(err, registry.ErrNotExist) {
				err = nil
			}
			if err == nil && f.notify {
				err = f.setServer(nil, id, tag == "v6", "")
			}
			k.Close()
		default:
			err = f.setServer(&k, id, tag == "v6", strings.TrimPrefix(keep, "="))
			k.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("system resolver: give %s back: %w", name, err))
			continue
		}
		if err := bk.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	f.flush()
	if len(errs) == 0 {
		_ = registry.DeleteKey(registry.LOCAL_MACHINE, f.Backup)
	}
	return errors.Join(errs...)
}

// saved are the kept values by "v4\{GUID}".
func (f *Firewall) saved() (map[string]string, error) {
	bk, err := registry.OpenKey(registry.LOCAL_MACHINE, f.Backup, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("system resolver: HKLM\\%s: %w", f.Backup, err)
	}
	defer bk.Close()
	names, err := bk.ReadValueNames(-1)
	if err != nil {
		return nil, fmt.Errorf("system resolver: HKLM\\%s: %w", f.Backup, err)
	}
	out := map[string]string{}
	for _, n := range names {
		if v, _, err := bk.GetStringValue(n); err == nil {
			out[n] = v
		}
	}
	return out, nil
}

func subkeys(path string) ([]string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, fmt.Errorf("system resolver: HKLM\\%s: %w", path, err)
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("system resolver: HKLM\\%s: %w", path, err)
	}
	return names, nil
}

var (
	iphlpapi                = windows.NewLazySystemDLL("iphlpapi.dll")
	procSetInterfaceDNS     = iphlpapi.NewProc("SetInterfaceDnsSettings")
	dnsapi                  = windows.NewLazySystemDLL("dnsapi.dll")
	procDnsFlushResolverCch = dnsapi.NewProc("DnsFlushResolverCache")
)

// dnsInterfaceSettings is DNS_INTERFACE_SETTINGS (version 1).
type dnsInterfaceSettings struct {
	Version             uint32
	Flags               uint64
	Domain              *uint16
	NameServer          *uint16
	SearchList          *uint16
	RegistrationEnabled uint32
	RegisterAdapterName uint32
	EnableLLMNR         uint32
	QueryAdapterName    uint32
	ProfileNameServer   *uint16
}

const (
	dnsSettingIPv6       = 0x1
	dnsSettingNameserver = 0x2
)

// setServer sets an interface's DNS servers: through
// SetInterfaceDnsSettings where Windows has it (10 2004 and later: it also
// tells the DNS Client), else the registry value itself (k; nil with
// notify means the value is already written).
func (f *Firewall) setServer(k *registry.Key, id string, v6 bool, servers string) error {
	if f.notify && procSetInterfaceDNS.Find() == nil {
		guid, err := windows.GUIDFromString(id)
		if err == nil {
			s := dnsInterfaceSettings{Version: 1, Flags: dnsSettingNameserver}
			if v6 {
				s.Flags |= dnsSettingIPv6
			}
			if s.NameServer, err = syscall.UTF16PtrFromString(servers); err != nil {
				return err
			}
			r, _, _ := procSetInterfaceDNS.Call(uintptr(unsafe.Pointer(&guid)), uintptr(unsafe.Pointer(&s)))
			if r == 0 {
				return nil
			}
			if k == nil {
				return fmt.Errorf("SetInterfaceDnsSettings: %w", syscall.Errno(r))
			}
			// else: the registry, below
		}
	}
	if k == nil {
		return nil
	}
	return k.SetStringValue("NameServer", servers)
}

// flush empties the DNS Client's cache, so that answers got before the
// change are not served after it.
func (f *Firewall) flush() {
	if f.notify && procDnsFlushResolverCch.Find() == nil {
		_, _, _ = procDnsFlushResolverCch.Call()
	}
}

// block writes, for each child account, Windows Firewall rules refusing
// its programs TCP and UDP 53 and 853 to anyone (the loopback resolver is
// not filtered), and anything to the public resolvers' addresses. There is
// no API for these rules in golang.org/x/sys/windows (they are COM's
// INetFwPolicy2, or WFP): PowerShell's NetSecurity module writes them.
// When it cannot, the error wraps ErrEncryptedDNSOpen.
func (f *Firewall) block(uids []uint32) error {
	var sids []string
	for _, uid := range uids {
		if f.SIDOf == nil {
			return fmt.Errorf("%w: the accounts' SIDs are unknown", ErrEncryptedDNSOpen)
		}
		sid, err := f.SIDOf(uid)
		if err != nil {
			return fmt.Errorf("%w: account %d: %w", ErrEncryptedDNSOpen, uid, err)
		}
		sids = append(sids, sid)
	}
	slices.Sort(sids)
	sids = slices.Compact(sids)
	if slices.Equal(sids, f.blocked) {
		return nil
	}
	if err := f.removeRules(); err != nil && len(sids) == 0 {
		return err
	}
	f.blocked = nil
	if len(sids) == 0 {
		return nil
	}
	var sddl strings.Builder
	sddl.WriteString("O:LSD:")
	for _, s := range sids {
		fmt.Fprintf(&sddl, "(A;;CC;;;%s)", s)
	}
	var addrs []string
	for _, a := range resolverAddrs {
		addrs = append(addrs, a.String())
	}
	script := fmt.Sprintf(`$ErrorActionPreference = 'Stop'
New-NetFirewallRule -Group '%[1]s' -DisplayName 'kidtime: DNS of children (TCP)' -Direction Outbound -Action Block -Protocol TCP -RemotePort 53,853 -LocalUser '%[2]s' | Out-Null
New-NetFirewallRule -Group '%[1]s' -DisplayName 'kidtime: DNS of children (UDP)' -Direction Outbound -Action Block -Protocol UDP -RemotePort 53,853 -LocalUser '%[2]s' | Out-Null
New-NetFirewallRule -Group '%[1]s' -DisplayName 'kidtime: public resolvers' -Direction Outbound -Action Block -RemoteAddress %[3]s -LocalUser '%[2]s' | Out-Null
'kidtime-rules=' + @(Get-NetFirewallRule -Group '%[1]s' -ErrorAction SilentlyContinue).Count
`, f.Group, sddl.String(), strings.Join(addrs, ","))
	out, err := powershell(script)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrEncryptedDNSOpen, err)
	}
	// Checked, not trusted: a stand-in powershell.exe (Wine's) does
	// nothing and exits 0.
	if !strings.Contains(out, "kidtime-rules=3") {
		return fmt.Errorf("%w: powershell.exe exited 0 but the firewall rules are not there (it said %q): not Windows PowerShell?", ErrEncryptedDNSOpen, out)
	}
	f.blocked = sids
	return nil
}

// removeRules deletes kidtime's firewall rules.
func (f *Firewall) removeRules() error {
	_, err := powershell(fmt.Sprintf(`Get-NetFirewallRule -Group '%s' -ErrorAction SilentlyContinue | Remove-NetFirewallRule`, f.Group))
	if errors.Is(err, errNoPowerShell) {
		return nil // without it, no rule was ever written
	}
	if err != nil {
		return fmt.Errorf("remove the firewall rules of group %s: %w", f.Group, err)
	}
	return nil
}

// errNoPowerShell: the system has no Windows PowerShell (Wine).
var errNoPowerShell = errors.New("no Windows PowerShell on this system, so no Windows Firewall rule can be written")

// powershell runs script and returns what it wrote.
func powershell(script string) (string, error) {
	exe, err := exec.LookPath("powershell.exe")
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNoPowerShell, err)
	}
	out, err := exec.Command(exe, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", script).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("powershell: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}
