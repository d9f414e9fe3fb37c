// Package platform holds the operating-system adapters of the kidtime service
// (DESIGN.md §2, §5, §6): the process table, executable hashing, login
// sessions, and the actions the enforcer takes (terminate a process, kill all
// processes of a user, run a program as a user).
//
// On Linux the process table is kept current from netlink proc-connector
// events ([WatchProcs]) and reconciled by a cheap /proc scan ([ScanProcs]);
// sessions come from systemd-logind over the system D-Bus ([ConnectLogind]).
// On Windows the process table comes from a Toolhelp snapshot plus each
// process's token (owners as [SIDToUID] of their SID), sessions from the
// Terminal Services API ([WTSSessions]) and accounts from NetUserEnum and the
// profile list ([ListAccounts]); on other systems from gopsutil. There the
// caller polls: [WatchProcs] returns an error wrapping
// [errors.ErrUnsupported]. Everything
// that cannot work on a system says so with such an error rather than
// pretending.
//
// The package never decides anything: it reports facts and carries out
// actions. Policy lives in rules, decisions in agent/monitor and
// agent/enforce. agent/platform/fake is an in-memory double for their tests.
package platform
