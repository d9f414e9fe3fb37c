package platform

// The decisions behind Windows accounts, kept free of system calls so that
// they are tested on every OS: how a SID becomes the uid the agent keys
// everything by, which SIDs enforcement must never act on, which group
// memberships make an administrator, and the cache that turns a uid back
// into its SID.

import (
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
)

// SIDToUID maps a Windows SID, in its string form ("S-1-5-21-…"), to the
// 32-bit id that stands for the account wherever the agent keys by uid
// (Process.UID, Session.UID, accounts): FNV-1a of the string. It is the same
// function as agent/ipc.SIDToUID, which identifies API callers; a test on
// Windows holds the two equal.
func SIDToUID(sid string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(sid))
	return h.Sum32()
}

// Well-known SIDs the Windows code names.
const (
	sidLocalSystem    = "S-1-5-18"
	sidLocalService   = "S-1-5-19"
	sidNetworkService = "S-1-5-20"
	sidAdministrators = "S-1-5-32-544"
)

// builtinAdminRID is the relative id of the machine's (or domain's)
// built-in Administrator account.
const builtinAdminRID = 500

// sidParts splits a SID string into its numeric fields after "S"; nil when
// the string is not a SID.
func sidParts(sid string) []uint64 {
	f := strings.Split(sid, "-")
	if len(f) < 3 || !strings.EqualFold(f[0], "S") {
		return nil
	}
	out := make([]uint64, 0, len(f)-1)
	for _, s := range f[1:] {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}

// personSID reports whether sid names an account a person logs in with and
// that enforcement may therefore act on: a local, Microsoft-linked or domain
// account (S-1-5-21-d1-d2-d3-RID) other than the built-in Administrator, or
// an Entra ID (Azure AD) account (S-1-12-1-…). Everything else is protected:
// LocalSystem, LocalService and NetworkService; service, virtual and
// IIS/Hyper-V accounts (S-1-5-80-…, S-1-5-82-…, S-1-5-83-…); the Window
// Manager (DWM-n, S-1-5-90-…) and font driver (UMFD-n, S-1-5-96-…) accounts
// that run inside every desktop session; well-known groups; and anything
// that does not parse.
func personSID(sid string) bool {
	p := sidParts(sid)
	switch {
	case len(p) == 7 && p[0] == 1 && p[1] == 5 && p[2] == 21:
		return p[6] != builtinAdminRID
	case len(p) >= 3 && p[0] == 1 && p[1] == 12 && p[2] == 1:
		return true
	}
	return false
}

// adminByGroups reports whether an account whose local groups (names, as
// NetUserGetLocalGroups lists them, indirect memberships included) are
// groups is an administrator: a member of the machine's Administrators group
// (whose name is localized: adminsName, as the system names S-1-5-32-544;
// "Administrators" when that name could not be read) or of kidtime-admin.
// Names compare case-insensitively, as Windows compares them.
func adminByGroups(groups []string, adminsName string) bool {
	if adminsName == "" {
		adminsName = "Administrators"
	}
	for _, g := range groups {
		if i := strings.LastIndexByte(g, '\\'); i >= 0 {
			g = g[i+1:] // BUILTIN\Administrators
		}
		if strings.EqualFold(g, adminsName) || strings.EqualFold(g, kidtimeAdminGroup) {
			return true
		}
	}
	return false
}

// adminBySIDs is adminByGroups for a token's group SIDs: Administrators
// (present in a UAC-filtered token too, as a deny-only group, which still
// means the account is an administrator) or kidtime-admin's SID when known.
func adminBySIDs(groupSIDs []string, kidtimeAdminSID string) bool {
	for _, s := range groupSIDs {
		if strings.EqualFold(s, sidAdministrators) || (kidtimeAdminSID != "" && strings.EqualFold(s, kidtimeAdminSID)) {
			return true
		}
	}
	return false
}

// kidtimeAdminGroup is the local group whose members administer kidtime
// (agent/ipc.AdminGroup).
const kidtimeAdminGroup = "kidtime-admin"

// accountName is how the agent names a Windows account: the bare name for
// an account of this computer (as a parent types it in `child add
// --account`), DOMAIN\name for a domain or Entra ID account.
func accountName(account, domain, computer string) string {
	if domain == "" || strings.EqualFold(domain, computer) {
		return account
	}
	return domain + `\` + account
}

// Errors of [sidCache.sid].
var (
	errUnknownUID   = errors.New("no account with this uid has been seen")
	errAmbiguousUID = errors.New("two accounts share this uid (hash collision)")
)

// sidCache remembers the SIDs seen (process owners, sessions, accounts), so
// that a uid can be turned back into its SID, and their account names.
type sidCache struct {
	hash func(string) uint32

	mu    sync.Mutex
	byUID map[uint32]string
	clash map[uint32]bool
	names map[string]string // SID → name; "" when the lookup failed
}

func newSIDCache(hash func(string) uint32) *sidCache {
	return &sidCache{hash: hash, byUID: map[uint32]string{}, clash: map[uint32]bool{}, names: map[string]string{}}
}

// remember records sid and returns its uid. Two SIDs with one uid make that
// uid ambiguous for good: [sidCache.sid] then refuses to choose.
func (c *sidCache) remember(sid string) uint32 {
	uid := c.hash(sid)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byUID[uid]; ok && old != sid {
		c.clash[uid] = true
	} else if !ok {
		c.byUID[uid] = sid
	}
	return uid
}

// sid returns the SID of uid.
func (c *sidCache) sid(uid uint32) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clash[uid] {
		return "", fmt.Errorf("platform: uid %d: %w", uid, errAmbiguousUID)
	}
	s, ok := c.byUID[uid]
	if !ok {
		return "", fmt.Errorf("platform: uid %d: %w", uid, errUnknownUID)
	}
	return s, nil
}

// name returns the cached account name of sid and whether it was cached
// (a failed lookup is cached as "").
func (c *sidCache) name(sid string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.names[sid]
	return n, ok
}

// setName caches sid's account name ("" for a failed lookup).
func (c *sidCache) setName(sid, name string) {
	c.mu.Lock()
	c.names[sid] = name
	c.mu.Unlock()
}
