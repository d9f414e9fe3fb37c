package platform

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// sids is every SID this process has seen (process owners, sessions,
// accounts), so that [UserIsAdmin] and [KillUser] can go from a uid back to
// the account.
var sids = newSIDCache(SIDToUID)

// rememberSID records sid and returns its uid.
func rememberSID(sid string) uint32 { return sids.remember(sid) }

// computerName is this machine's NetBIOS name ("" when unreadable), the
// domain part of its local accounts.
func computerName() string {
	n, err := windows.ComputerName()
	if err != nil {
		return ""
	}
	return n
}

// sidName returns the account name of sid (bare for a local account,
// DOMAIN\name otherwise; see accountName), looked up once and cached. ""
// when the system cannot name it.
func sidName(sid string) string {
	if n, ok := sids.name(sid); ok {
		return n
	}
	n := ""
	if s, err := windows.StringToSid(sid); err == nil {
		if acct, dom, _, err := s.LookupAccount(""); err == nil {
			n = accountName(acct, dom, computerName())
		}
	}
	sids.setName(sid, n)
	return n
}

// tokenSID returns the string SID of a token's user.
func tokenSID(tok windows.Token) (string, error) {
	tu, err := tok.GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("token user: %w", err)
	}
	return tu.User.Sid.String(), nil
}

// processSID returns the SID of the account a process (opened with at least
// PROCESS_QUERY_LIMITED_INFORMATION) runs as. As LocalSystem this works for
// every process but protected ones (which run as SYSTEM).
func processSID(h windows.Handle) (string, error) {
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return "", fmt.Errorf("open process token: %w", err)
	}
	defer tok.Close()
	return tokenSID(tok)
}

// processGroupSIDs returns the group SIDs in a process's token, deny-only
// ones included (a UAC-filtered administrator's token has Administrators as
// deny-only).
func processGroupSIDs(pid uint32) ([]string, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(h)
	var tok windows.Token
	if err := windows.OpenProcessToken(h, windows.TOKEN_QUERY, &tok); err != nil {
		return nil, err
	}
	defer tok.Close()
	tg, err := tok.GetTokenGroups()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range tg.AllGroups() {
		out = append(out, g.Sid.String())
	}
	return out, nil
}

// resolveUID returns the SID behind uid, listing the machine's accounts
// when the cache has not seen it yet.
func resolveUID(uid uint32) (string, error) {
	sid, err := sids.sid(uid)
	if errors.Is(err, errUnknownUID) {
		if _, lerr := ListAccounts(); lerr == nil {
			sid, err = sids.sid(uid)
		}
	}
	return sid, err
}

// UserIsAdmin reports whether the account behind uid (a SID mapped by
// [SIDToUID]; see [LookupAccount]) administers the machine, and so is never
// restricted: LocalSystem and every other non-person account (see
// personSID), the built-in Administrator, members (direct or through nested
// groups) of the local Administrators group or of kidtime-admin. The
// membership comes from NetUserGetLocalGroups, or, for accounts that call
// cannot resolve (Entra ID), from the token of one of the account's running
// processes.
func UserIsAdmin(uid uint32) (bool, error) {
	sid, err := resolveUID(uid)
	if err != nil {
		return false, fmt.Errorf("platform: is uid %d an admin: %w", uid, err)
	}
	return sidIsAdmin(sid)
}

func sidIsAdmin(sid string) (bool, error) {
	if !personSID(sid) {
		return true, nil
	}
	if wineE2EStandard != nil && wineE2EStandard(sid) {
		return false, nil // only in the Wine end-to-end build: wineadmin_e2e_windows.go
	}
	name := sidName(sid)
	if name != "" {
		qualified := name
		if !strings.Contains(name, `\`) {
			qualified = computerName() + `\` + name
		}
		if groups, err := localGroups(qualified); err == nil {
			return adminByGroups(groups, administratorsName()), nil
		}
	}
	// Fall back to a running process of the account.
	procs, err := ScanProcs()
	if err != nil {
		return false, fmt.Errorf("platform: is %s an admin: %w", sid, err)
	}
	uid := SIDToUID(sid)
	ka := ""
	if s, _, _, err := windows.LookupSID("", kidtimeAdminGroup); err == nil {
		ka = s.String()
	}
	for _, p := range procs {
		if p.UID != uid {
			continue
		}
		if groups, err := processGroupSIDs(uint32(p.PID)); err == nil {
			return adminBySIDs(groups, ka), nil
		}
	}
	return false, fmt.Errorf("platform: is %s (%s) an admin: cannot read its groups and it runs no process", sid, name)
}

// wineE2EStandard is nil in every shipped build. Only a build with the tag
// kidtime_wine_e2e (installer/wine/e2e's MSI) sets it, to let the suite's
// one Wine user, an administrator, be the child (wineadmin_e2e_windows.go).
var wineE2EStandard func(sid string) bool

// administratorsName is the localized name of BUILTIN\Administrators.
func administratorsName() string {
	s, err := windows.StringToSid(sidAdministrators)
	if err != nil {
		return ""
	}
	n, _, _, err := s.LookupAccount("")
	if err != nil {
		return ""
	}
	return n
}

var (
	modNetapi32               = windows.NewLazySystemDLL("netapi32.dll")
	procNetUserGetLocalGroups = modNetapi32.NewProc("NetUserGetLocalGroups")
)

const (
	lgIncludeIndirect   = 1          // NetUserGetLocalGroups: nested groups too
	maxPreferredLength  = 0xFFFFFFFF // MAX_PREFERRED_LENGTH
	filterNormalAccount = 0x0002     // FILTER_NORMAL_ACCOUNT
	ufAccountDisable    = 0x0002     // UF_ACCOUNTDISABLE
	profileListKey      = `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList`
)

// localGroups lists the local groups of an account (DOMAIN\name), nested
// memberships included.
func localGroups(account string) ([]string, error) {
	if err := procNetUserGetLocalGroups.Find(); err != nil {
		return nil, err
	}
	name, err := windows.UTF16PtrFromString(account)
	if err != nil {
		return nil, err
	}
	var buf *byte
	var read, total uint32
	r, _, _ := procNetUserGetLocalGroups.Call(0, uintptr(unsafe.Pointer(name)), 0, lgIncludeIndirect,
		uintptr(unsafe.Pointer(&buf)), maxPreferredLength, uintptr(unsafe.Pointer(&read)), uintptr(unsafe.Pointer(&total)))
	if buf != nil {
		defer windows.NetApiBufferFree(buf)
	}
	if r != 0 {
		return nil, fmt.Errorf("NetUserGetLocalGroups %s: %w", account, windows.Errno(r))
	}
	out := make([]string, 0, read)
	for i := range uintptr(read) {
		// LOCALGROUP_USERS_INFO_0 { LPWSTR lgrui0_name }
		p := *(**uint16)(unsafe.Add(unsafe.Pointer(buf), i*unsafe.Sizeof(uintptr(0))))
		out = append(out, windows.UTF16PtrToString(p))
	}
	return out, nil
}

// LocalAccount is an account people log in with on this machine.
type LocalAccount struct {
	Name  string // bare for a local account, DOMAIN\name otherwise
	SID   string
	UID   uint32 // SIDToUID(SID)
	Admin bool
}

// ListAccounts lists the accounts people log in with: the enabled normal
// local accounts (NetUserEnum, which includes Microsoft-linked ones) and
// every person account that has a profile on the machine (the registry's
// ProfileList, which adds domain and Entra ID accounts that have logged on
// here), each once, sorted by name. Non-person accounts (see personSID) are
// left out. Either source failing alone is not an error.
func ListAccounts() ([]LocalAccount, error) {
	seen := map[string]bool{}
	var out []LocalAccount
	add := func(sid string) {
		if seen[sid] || !personSID(sid) {
			return
		}
		seen[sid] = true
		name := sidName(sid)
		if name == "" {
			return // a profile of a deleted account
		}
		uid := rememberSID(sid)
		admin, _ := sidIsAdmin(sid)
		out = append(out, LocalAccount{Name: name, SID: sid, UID: uid, Admin: admin})
	}
	names, errEnum := netUserNames()
	for _, n := range names {
		if s, _, _, err := windows.LookupSID("", n); err == nil {
			add(s.String())
		}
	}
	profiles, errProf := profileSIDs()
	for _, s := range profiles {
		add(s)
	}
	if errEnum != nil && errProf != nil {
		return nil, fmt.Errorf("platform: list accounts: %w", errors.Join(errEnum, errProf))
	}
	slices.SortFunc(out, func(a, b LocalAccount) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// netUserNames lists the enabled normal local accounts (USER_INFO_1).
func netUserNames() ([]string, error) {
	var out []string
	var resume uint32
	for {
		var buf *byte
		var read, total uint32
		err := windows.NetUserEnum(nil, 1, filterNormalAccount, &buf, maxPreferredLength, &read, &total, &resume)
		if buf != nil {
			for i := range uintptr(read) {
				u := (*userInfo1)(unsafe.Add(unsafe.Pointer(buf), i*unsafe.Sizeof(userInfo1{})))
				if u.Flags&ufAccountDisable == 0 {
					out = append(out, windows.UTF16PtrToString(u.Name))
				}
			}
			windows.NetApiBufferFree(buf)
		}
		if errors.Is(err, windows.ERROR_MORE_DATA) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("NetUserEnum: %w", err)
		}
		return out, nil
	}
}

// userInfo1 is USER_INFO_1.
type userInfo1 struct {
	Name        *uint16
	Password    *uint16
	PasswordAge uint32
	Priv        uint32
	HomeDir     *uint16
	Comment     *uint16
	Flags       uint32
	ScriptPath  *uint16
}

// profileSIDs lists the SIDs with a profile on this machine.
func profileSIDs() ([]string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, profileListKey, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, fmt.Errorf("open ProfileList: %w", err)
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("read ProfileList: %w", err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, ".bak") {
			continue // a profile Windows set aside
		}
		out = append(out, n)
	}
	return out, nil
}

// LookupAccount returns the uid of an account name ("alice", "PC\alice",
// "DOMAIN\bob", "AzureAD\Carol"): SIDToUID of its SID, which is remembered
// so that [UserIsAdmin] and [KillUser] can act on the uid. Names of groups
// and other non-user SIDs are refused. (LookupAccountName alone, unlike
// os/user.Lookup, needs no domain controller for a domain account's
// primary group.)
func LookupAccount(name string) (uint32, error) {
	sid, _, typ, err := windows.LookupSID("", name)
	if err != nil {
		return 0, fmt.Errorf("platform: look up account %q: %w", name, err)
	}
	if typ != windows.SidTypeUser {
		return 0, fmt.Errorf("platform: look up account %q: it is not a user account (SID type %d)", name, typ)
	}
	return rememberSID(sid.String()), nil
}
