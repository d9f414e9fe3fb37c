package kidtime_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportRules enforces the import rules of DESIGN.md §3 with `go list -deps`
// for every OS the product is built for.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list over the whole module")
	}
	needGoTool(t)
	for _, goos := range []string{"linux", "windows"} {
		t.Run(goos, func(t *testing.T) {
			pkgs := listDeps(t, goos)
			for _, p := range pkgs {
				rel := strings.TrimPrefix(p.ImportPath, module+"/")
				if !strings.HasPrefix(p.ImportPath, module+"/") {
					continue
				}
				for _, r := range importRules {
					if !r.applies(rel) {
						continue
					}
					deps := p.Deps
					if r.direct {
						deps = p.Imports
						for _, d := range slices.Concat(p.TestImports, p.XTestImports) {
							if !slices.Contains(testsMay, d) {
								deps = append(deps, d)
							}
						}
					}
					for _, d := range deps {
						if r.forbids(rel, d) {
							t.Errorf("%s (GOOS=%s) imports %s: %s", p.ImportPath, goos, d, r.why)
						}
					}
				}
			}
		})
	}
}

const module = "github.com/kidtime/kidtime"

type pkg struct {
	ImportPath   string
	Deps         []string // every package it depends on
	Imports      []string // the packages it imports itself
	TestImports  []string // the packages its tests import
	XTestImports []string // the packages its external (_test package) tests import
	Standard     bool
}

// needGoTool skips a test that runs the go command when there is none: the
// Windows build of these tests under Wine (make test-windows) cannot start
// the Linux go tool; make test-unit checks the rules for every OS.
func needGoTool(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skipf("needs the go command: %v (make test-unit checks these rules for every OS)", err)
	}
}

func listDeps(t *testing.T, goos string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps,Imports,TestImports,XTestImports,Standard", "./...")
	// CGO_ENABLED=1: list the Fyne app for every OS too (nothing is compiled).
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list (GOOS=%s): %v\n%s", goos, err, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// isStd reports whether an import path belongs to the standard library
// (no dot in its first element).
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// testsMay are what a package's tests may import whatever its rules say:
// the whole agent in-process (agent/agenttest) and the OS facts it is fed.
var testsMay = []string{module + "/agent/agenttest", module + "/agent/facts"}

type rule struct {
	pkgPrefix string // relative to the module; "" matches all
	why       string
	forbids   func(pkg, dep string) bool
	direct    bool // checks the package's own imports and its tests', not all its dependencies
}

func (r rule) applies(rel string) bool {
	return rel == r.pkgPrefix || strings.HasPrefix(rel, r.pkgPrefix+"/")
}

var importRules = []rule{
	{"rules", "rules is pure: standard library only", func(_, d string) bool { return !isStd(d) }, false},
	{"assets", "assets is standard library only", func(_, d string) bool { return !isStd(d) }, false},
	{"agent/apitype", "apitype: standard library and rules only", func(_, d string) bool {
		return !isStd(d) && !strings.HasPrefix(d, module+"/rules")
	}, false},
	{"agent", "the agent never imports fyne (it builds without cgo)", func(_, d string) bool {
		return strings.HasPrefix(d, "fyne.io/")
	}, false},
	{"cmd/kidtimed", "the daemon builds without cgo: no fyne", func(_, d string) bool {
		return strings.HasPrefix(d, "fyne.io/")
	}, false},
	{"cmd/kidtime", "the CLI builds without cgo: no fyne", func(p, d string) bool {
		return p == "cmd/kidtime" && strings.HasPrefix(d, "fyne.io/")
	}, false},
	{"cmd/kidtime-app", "the app shipped links no test code: its screenshots and demo are tests", func(_, d string) bool {
		for _, t := range []string{"fyne.io/fyne/v2/test", "github.com/stretchr/testify", "go.yaml.in/yaml/v3", module + "/agent/agenttest"} {
			if d == t || strings.HasPrefix(d, t+"/") {
				return true
			}
		}
		return false
	}, false},
	{"ui", "the UI talks to the agent only through agent/client (and the companion through agent/desktop)", func(p, d string) bool {
		if !strings.HasPrefix(d, module+"/agent") {
			return false
		}
		allowed := []string{module + "/agent/client", module + "/agent/apitype"}
		if strings.HasPrefix(p, "ui/companion") {
			allowed = append(allowed, module+"/agent/desktop")
		}
		for _, a := range allowed {
			if d == a || strings.HasPrefix(d, a+"/") {
				return false
			}
		}
		return true
	}, true},
	{"ui", "the UI imports no OS library (godbus, xgb, x/sys) itself: OS probes live in agent/desktop", func(_, d string) bool {
		return isOSLibrary(d)
	}, true},
	{"cmd", "no program links the test helpers (agent/internal/ostest: useradd, uid switching)", func(_, d string) bool {
		return d == module+"/agent/internal/ostest"
	}, false},
	{"agent/monitor", "monitor depends on small interfaces, not on platform or store", func(_, d string) bool {
		return strings.HasPrefix(d, module+"/agent/platform") || strings.HasPrefix(d, module+"/agent/store")
	}, false},
	{"agent/enforce", "enforce depends on small interfaces, not on platform or store", func(_, d string) bool {
		return strings.HasPrefix(d, module+"/agent/platform") || strings.HasPrefix(d, module+"/agent/store")
	}, false},
	{"agent/hub/wire", "the hub's wire is what both ends agree on: standard library only", func(_, d string) bool { return !isStd(d) }, false},
	{"agent/hubsync", "a PC links the NATS client, never the server", func(_, d string) bool {
		return inModule(d, "github.com/nats-io/nats-server/v2") || d == module+"/agent/hub"
	}, true},
	{"cmd/kidtimed", "the daemon every PC runs does not carry the hub's NATS server: kidtime-hub does (kidtimed hub runs it)", func(_, d string) bool {
		return inModule(d, "github.com/nats-io/nats-server/v2") || d == module+"/agent/hub"
	}, false},
	{"cmd/kidtime", "the CLI speaks to the hub through its local socket only: no NATS", func(_, d string) bool {
		return strings.HasPrefix(d, "github.com/nats-io/")
	}, false},
	{"agent/facts", "the OS facts are plain types: standard library only", func(_, d string) bool { return !isStd(d) }, false},
	{"agent/ident", "a file's identity is parsing only: standard library only", func(_, d string) bool { return !isStd(d) }, false},
	{"agent/localapi", "the handlers reach the running agent only through their Backend interface", func(_, d string) bool {
		return d == module+"/agent" || inModule(d, module+"/agent/platform") || inModule(d, module+"/agent/catalog")
	}, true},
	{"agent/family", "the stored family knows nothing of what runs (no platform, monitor, enforce)", func(_, d string) bool {
		return inModule(d, module+"/agent/platform") || inModule(d, module+"/agent/monitor") || inModule(d, module+"/agent/enforce")
	}, false},
	{"cmd", "no program links the in-process agent of the tests (agent/agenttest)", func(_, d string) bool {
		return d == module+"/agent/agenttest"
	}, false},
	{"agent/web", "the safe web knows the rules and the lists, not the rest of the agent (the agent's wiring feeds it)", func(_, d string) bool {
		return strings.HasPrefix(d, module+"/agent/") && !inModule(d, module+"/agent/web") && !inModule(d, module+"/agent/internal")
	}, true},
	{"agent/localapi", "the handlers do not link the resolver and the firewall (DNS and netlink libraries): the agent answers for them", func(_, d string) bool {
		return inModule(d, module+"/agent/web")
	}, true},
}

// TestImportRulesCatchViolations checks that the rules above can fail.
func TestImportRulesCatchViolations(t *testing.T) {
	cases := []struct {
		sentence string
		pkg, dep string
		want     bool
	}{
		{"rules importing a third-party module is caught", "rules", "github.com/x/y", true},
		{"rules importing the standard library is fine", "rules", "time", false},
		{"the agent importing fyne is caught", "agent/store", "fyne.io/fyne/v2", true},
		{"the console importing the store is caught", "ui/console", module + "/agent/store", true},
		{"the console importing the client is fine", "ui/console", module + "/agent/client", false},
		{"the companion importing desktop probes is fine", "ui/companion", module + "/agent/desktop", false},
		{"the console importing desktop probes is caught", "ui/console", module + "/agent/desktop", true},
		{"monitor importing platform is caught", "agent/monitor", module + "/agent/platform", true},
		{"the safe web importing the store is caught", "agent/web", module + "/agent/store", true},
		{"the safe web importing rules is fine", "agent/web", module + "/rules", false},
		{"the handlers importing the safe web are caught", "agent/localapi", module + "/agent/web", true},
		{"the app may import fyne", "cmd/kidtime-app", "fyne.io/fyne/v2", false},
		{"the CLI importing fyne is caught", "cmd/kidtime", "fyne.io/fyne/v2", true},
		{"the companion importing godbus is caught", "ui/companion", "github.com/godbus/dbus/v5", true},
		{"the companion importing an xgb extension is caught", "ui/companion", "github.com/jezek/xgb/xproto", true},
		{"the console importing x/sys is caught", "ui/console", "golang.org/x/sys/windows", true},
		{"a UI helper importing xgb is caught", "ui/uitest", "github.com/jezek/xgb", true},
		{"the UI importing another golang.org/x module is fine", "ui/console", "golang.org/x/text/language", false},
		{"a module whose path only starts like x/sys is not x/sys", "ui/console", "golang.org/x/sysinfo", false},
		{"agent/desktop importing xgb is fine", "agent/desktop", "github.com/jezek/xgb/xproto", false},
		{"the daemon linking the OS test helpers is caught", "cmd/kidtimed", module + "/agent/internal/ostest", true},
		{"the app linking the OS test helpers is caught", "cmd/kidtime-app", module + "/agent/internal/ostest", true},
		{"facts importing the store is caught", "agent/facts", module + "/agent/store", true},
		{"the handlers importing the agent's wiring are caught", "agent/localapi", module + "/agent", true},
		{"the handlers importing platform are caught", "agent/localapi", module + "/agent/platform/fake", true},
		{"the handlers importing the store are fine", "agent/localapi", module + "/agent/store", false},
		{"the family importing the monitor is caught", "agent/family", module + "/agent/monitor", true},
		{"the app linking the in-process test agent is caught", "cmd/kidtime-app", module + "/agent/agenttest", true},
	}
	for _, c := range cases {
		got := false
		for _, r := range importRules {
			if r.applies(c.pkg) && r.forbids(c.pkg, c.dep) {
				got = true
			}
		}
		if got != c.want {
			t.Errorf("%s: got violation=%v", c.sentence, got)
		}
	}
}

// osLibraries are the modules that talk to the operating system: only the
// agent's OS adapters (agent/platform, agent/desktop, agent/ipc) use them.
var osLibraries = []string{"github.com/godbus/dbus/v5", "github.com/jezek/xgb", "golang.org/x/sys"}

func isOSLibrary(path string) bool {
	for _, m := range osLibraries {
		if inModule(path, m) {
			return true
		}
	}
	return false
}

// inModule reports whether an import path is the package mod or one below it.
func inModule(path, mod string) bool {
	return path == mod || strings.HasPrefix(path, mod+"/")
}

// linkRule names a module that a shipped program must not link on one OS.
type linkRule struct {
	goos   string
	cmds   []string // the programs, relative to the module
	module string   // the module (and every package under it) they must not link
	why    string
}

func (r linkRule) applies(goos, cmd string) bool {
	return r.goos == goos && slices.Contains(r.cmds, cmd)
}

// linkRules are DESIGN.md §3's rules on what the binaries link, checked on
// the programs as they are built: CGO_ENABLED=0, for the OS in question.
var linkRules = []linkRule{
	{"linux", []string{"cmd/kidtimed"}, "github.com/jezek/xgb",
		"kidtimed links no X11 code (it uses agent/desktop/notify, not agent/desktop)"},
	{"windows", []string{"cmd/kidtimed", "cmd/kidtime"}, "github.com/godbus/dbus/v5",
		"Windows binaries link no D-Bus code"},
	{"windows", []string{"cmd/kidtimed", "cmd/kidtime"}, "github.com/go-ole/go-ole",
		"Windows binaries link no COM (gopsutil's WMI; agent/platform uses x/sys/windows)"},
	{"windows", []string{"cmd/kidtimed", "cmd/kidtime"}, "github.com/yusufpapurcu/wmi",
		"Windows binaries link no WMI (gopsutil's; agent/platform uses x/sys/windows)"},
}

// forbiddenLinks returns the packages of deps that the rules forbid cmd to
// link on goos, each with the rule's reason.
func forbiddenLinks(goos, cmd string, deps []string) (found [][2]string) {
	for _, r := range linkRules {
		if !r.applies(goos, cmd) {
			continue
		}
		for _, d := range deps {
			if inModule(d, r.module) {
				found = append(found, [2]string{d, r.why})
			}
		}
	}
	return found
}

// TestLinkRules checks what the daemon and the CLI link, with `go list`
// over each program as it is built for each OS.
func TestLinkRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list over the programs")
	}
	needGoTool(t)
	byOS := map[string][]string{}
	for _, r := range linkRules {
		for _, c := range r.cmds {
			if !slices.Contains(byOS[r.goos], c) {
				byOS[r.goos] = append(byOS[r.goos], c)
			}
		}
	}
	for goos, cmds := range byOS {
		t.Run(goos, func(t *testing.T) {
			args := []string{"list", "-json=ImportPath,Deps"}
			for _, c := range cmds {
				args = append(args, "./"+c)
			}
			cmd := exec.Command("go", args...)
			cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
			out, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("go list (GOOS=%s): %v\n%s", goos, err, stderr)
			}
			dec := json.NewDecoder(strings.NewReader(string(out)))
			seen := 0
			for dec.More() {
				var p pkg
				if err := dec.Decode(&p); err != nil {
					t.Fatalf("decode go list: %v", err)
				}
				seen++
				rel := strings.TrimPrefix(p.ImportPath, module+"/")
				for _, f := range forbiddenLinks(goos, rel, p.Deps) {
					t.Errorf("%s (GOOS=%s CGO_ENABLED=0) links %s: %s\n\tsee who imports it: GOOS=%s go list -deps -f '{{.ImportPath}}: {{join .Imports \" \"}}' ./%s | grep %s",
						rel, goos, f[0], f[1], goos, rel, f[0])
				}
			}
			if seen != len(cmds) {
				t.Fatalf("go list (GOOS=%s) described %d programs, want %d", goos, seen, len(cmds))
			}
		})
	}
}

// TestLinkRulesCatchViolations checks that the link rules can fail.
func TestLinkRulesCatchViolations(t *testing.T) {
	cases := []struct {
		sentence  string
		goos, cmd string
		dep       string
		want      bool
	}{
		{"kidtimed linking xgb on Linux is caught", "linux", "cmd/kidtimed", "github.com/jezek/xgb", true},
		{"kidtimed linking an xgb extension on Linux is caught", "linux", "cmd/kidtimed", "github.com/jezek/xgb/xproto", true},
		{"kidtimed linking D-Bus on Linux is fine (logind, notifications)", "linux", "cmd/kidtimed", "github.com/godbus/dbus/v5", false},
		{"the app linking xgb on Linux is fine (the companion's probes)", "linux", "cmd/kidtime-app", "github.com/jezek/xgb", false},
		{"kidtimed.exe linking D-Bus is caught", "windows", "cmd/kidtimed", "github.com/godbus/dbus/v5", true},
		{"kidtime.exe linking D-Bus's introspection is caught", "windows", "cmd/kidtime", "github.com/godbus/dbus/v5/introspect", true},
		{"kidtimed.exe linking go-ole is caught", "windows", "cmd/kidtimed", "github.com/go-ole/go-ole/oleutil", true},
		{"kidtimed.exe linking WMI is caught", "windows", "cmd/kidtimed", "github.com/yusufpapurcu/wmi", true},
		{"kidtimed.exe linking x/sys/windows is fine", "windows", "cmd/kidtimed", "golang.org/x/sys/windows", false},
		{"kidtimed linking gopsutil's WMI on Linux is not a Windows violation", "linux", "cmd/kidtimed", "github.com/yusufpapurcu/wmi", false},
	}
	for _, c := range cases {
		got := len(forbiddenLinks(c.goos, c.cmd, []string{"fmt", c.dep})) > 0
		if got != c.want {
			t.Errorf("%s: got violation=%v", c.sentence, got)
		}
	}
}
