package platform

import (
	"errors"
	"testing"
)

// fnv1a is FNV-1a (32 bit) written out from its definition, independent of
// hash/fnv, as agent/ipc.SIDToUID specifies it (FNV-1a of the SID string).
func fnv1a(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func TestSIDToUID(t *testing.T) {
	cases := []struct {
		why string
		sid string
		// want is 0 when only the equality with fnv1a is checked.
		want uint32
	}{
		{"the empty string gives the FNV-1a offset basis, so the function is FNV-1a 32", "", 0x811c9dc5},
		{"a published FNV-1a 32 test vector", "a", 0xe40c292c},
		{"another published test vector", "foobar", 0xbf9cf968},
		{"LocalSystem maps like any string", "S-1-5-18", 0},
		{"a local account's SID", "S-1-5-21-3623811015-3361044348-30300820-1013", 0},
		{"an Entra ID account's SID", "S-1-12-1-1234567890-1234567890-1234567890-1234567890", 0},
	}
	for _, c := range cases {
		got := SIDToUID(c.sid)
		if got != fnv1a(c.sid) {
			t.Errorf("%s: SIDToUID(%q) = %#x, FNV-1a says %#x", c.why, c.sid, got, fnv1a(c.sid))
		}
		if c.want != 0 && got != c.want {
			t.Errorf("%s: SIDToUID(%q) = %#x, want %#x", c.why, c.sid, got, c.want)
		}
	}
	if SIDToUID("S-1-5-21-1-2-3-1001") == SIDToUID("S-1-5-21-1-2-3-1002") {
		t.Error("two accounts of one machine must not share a uid")
	}
}

func TestPersonSID(t *testing.T) {
	cases := []struct {
		why  string
		sid  string
		want bool
	}{
		{"a local account (RID 1001) is a person's", "S-1-5-21-3623811015-3361044348-30300820-1001", true},
		{"a domain account is a person's", "S-1-5-21-1004336348-1177238915-682003330-51234", true},
		{"the guest account (RID 501) is a person's: a child may use it", "S-1-5-21-1-2-3-501", true},
		{"the built-in Administrator (RID 500) is protected", "S-1-5-21-3623811015-3361044348-30300820-500", false},
		{"an Entra ID (Azure AD) account is a person's", "S-1-12-1-1234567890-1234567890-1234567890-1234567890", true},
		{"LocalSystem is protected", "S-1-5-18", false},
		{"LocalService is protected", "S-1-5-19", false},
		{"NetworkService is protected", "S-1-5-20", false},
		{"a per-service virtual account (NT SERVICE\\…) is protected", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", false},
		{"an IIS application pool identity is protected", "S-1-5-82-1036420768-1044797643-1061213386-2937092688-4282445334", false},
		{"a Hyper-V virtual machine account is protected", "S-1-5-83-1-1234-5678-9012-3456", false},
		{"the Window Manager account in each session (DWM-2) is protected", "S-1-5-90-0-2", false},
		{"the font driver host account in each session (UMFD-2) is protected", "S-1-5-96-0-2", false},
		{"the Administrators group is no account at all", "S-1-5-32-544", false},
		{"Everyone is a well-known group", "S-1-1-0", false},
		{"a S-1-5-21 SID without the three domain fields is malformed", "S-1-5-21-1001", false},
		{"a S-1-5-21 SID with a field too many is malformed", "S-1-5-21-1-2-3-4-1001", false},
		{"a lowercase s- still parses", "s-1-5-21-1-2-3-1001", true},
		{"a name is not a SID", "alice", false},
		{"a SID with a non-numeric field is not a SID", "S-1-5-21-a-2-3-1001", false},
		{"the empty string (owner unknown) is protected", "", false},
	}
	for _, c := range cases {
		if got := personSID(c.sid); got != c.want {
			t.Errorf("%s: personSID(%q) = %v", c.why, c.sid, got)
		}
	}
}

func TestAdminByGroups(t *testing.T) {
	cases := []struct {
		why    string
		groups []string
		admins string
		want   bool
	}{
		{"a member of Administrators is an admin", []string{"Users", "Administrators"}, "Administrators", true},
		{"the localized name counts (German Windows)", []string{"Benutzer", "Administratoren"}, "Administratoren", true},
		{"on a localized system the English name is just another group", []string{"Administrators"}, "Administratoren", false},
		{"names compare case-insensitively, as Windows does", []string{"administrators"}, "Administrators", true},
		{"a domain-qualified name is matched by its last part", []string{`BUILTIN\Administrators`}, "Administrators", true},
		{"a member of kidtime-admin is an admin", []string{"Users", "kidtime-admin"}, "Administrators", true},
		{"kidtime-admin in other case", []string{"KidTime-Admin"}, "Administrators", true},
		{"a standard user is not", []string{"Users", "Remote Desktop Users"}, "Administrators", false},
		{"no groups at all is not an admin", nil, "Administrators", false},
		{"when the localized name is unknown, Administrators is assumed", []string{"Administrators"}, "", true},
		{"a group merely containing the word is not the group", []string{"Administrators-old"}, "Administrators", false},
	}
	for _, c := range cases {
		if got := adminByGroups(c.groups, c.admins); got != c.want {
			t.Errorf("%s: adminByGroups(%q, %q) = %v", c.why, c.groups, c.admins, got)
		}
	}
}

func TestAdminBySIDs(t *testing.T) {
	const ka = "S-1-5-21-1-2-3-1005"
	cases := []struct {
		why    string
		groups []string
		ka     string
		want   bool
	}{
		{"a token with Administrators (deny-only in a UAC-filtered token too) is an admin's", []string{"S-1-1-0", "S-1-5-32-545", "S-1-5-32-544"}, ka, true},
		{"a token with kidtime-admin's SID is an admin's", []string{"S-1-5-32-545", ka}, ka, true},
		{"a standard user's token (Users, Everyone, Interactive) is not", []string{"S-1-1-0", "S-1-5-32-545", "S-1-5-4"}, ka, false},
		{"without a kidtime-admin group only Administrators counts", []string{"S-1-5-32-545"}, "", false},
		{"an empty kidtime-admin SID never matches an empty entry", []string{""}, "", false},
	}
	for _, c := range cases {
		if got := adminBySIDs(c.groups, c.ka); got != c.want {
			t.Errorf("%s: adminBySIDs(%q, %q) = %v", c.why, c.groups, c.ka, got)
		}
	}
}

func TestAccountName(t *testing.T) {
	cases := []struct {
		why                       string
		account, domain, computer string
		want                      string
	}{
		{"a local account is named bare, as a parent types it", "alice", "KIDS-PC", "KIDS-PC", "alice"},
		{"the computer name compares case-insensitively", "alice", "kids-pc", "KIDS-PC", "alice"},
		{"a domain account keeps its domain", "bob", "SCHOOL", "KIDS-PC", `SCHOOL\bob`},
		{"an Entra ID account keeps AzureAD", "Carol", "AzureAD", "KIDS-PC", `AzureAD\Carol`},
		{"no domain at all is bare", "dave", "", "KIDS-PC", "dave"},
		{"an unknown computer name qualifies every account", "alice", "KIDS-PC", "", `KIDS-PC\alice`},
	}
	for _, c := range cases {
		if got := accountName(c.account, c.domain, c.computer); got != c.want {
			t.Errorf("%s: accountName = %q, want %q", c.why, got, c.want)
		}
	}
}

func TestSIDCache(t *testing.T) {
	c := newSIDCache(SIDToUID)
	alice := "S-1-5-21-1-2-3-1001"
	uid := c.remember(alice)
	if uid != SIDToUID(alice) {
		t.Fatalf("remember returns SIDToUID: %d != %d", uid, SIDToUID(alice))
	}
	// A SID remembered twice is the same account, not a clash.
	c.remember(alice)
	if got, err := c.sid(uid); err != nil || got != alice {
		t.Errorf("a remembered uid resolves to its SID: %q, %v", got, err)
	}
	if _, err := c.sid(uid + 1); !errors.Is(err, errUnknownUID) {
		t.Errorf("a uid never seen is unknown, got %v", err)
	}
	if _, ok := c.name(alice); ok {
		t.Error("a SID whose name was never looked up has no cached name")
	}
	c.setName(alice, "alice")
	if n, ok := c.name(alice); !ok || n != "alice" {
		t.Errorf("a cached name comes back: %q %v", n, ok)
	}
	c.setName("S-1-5-21-1-2-3-9999", "")
	if n, ok := c.name("S-1-5-21-1-2-3-9999"); !ok || n != "" {
		t.Errorf("a failed lookup is cached as empty so it is not repeated: %q %v", n, ok)
	}

	// Two SIDs with one uid (forced here; FNV-1a collisions are rare but
	// exist): the uid is refused for good rather than resolved to either.
	clash := newSIDCache(func(string) uint32 { return 7 })
	clash.remember("S-1-5-21-1-2-3-1001")
	clash.remember("S-1-5-21-1-2-3-1002")
	if _, err := clash.sid(7); !errors.Is(err, errAmbiguousUID) {
		t.Errorf("colliding SIDs make the uid ambiguous, got %v", err)
	}
	clash.remember("S-1-5-21-1-2-3-1001")
	if _, err := clash.sid(7); !errors.Is(err, errAmbiguousUID) {
		t.Errorf("an ambiguous uid stays ambiguous, got %v", err)
	}
}
