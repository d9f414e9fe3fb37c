package kidtime_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules enforces the import rules of DESIGN.md §3 with `go list -deps`
// for every OS the product is built for.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("go list over the whole module")
	}
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
	ImportPath string
	Deps       []string // every package it depends on
	Imports    []string // the packages it imports itself
	Standard   bool
}

func listDeps(t *testing.T, goos string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps,Imports,Standard", "./...")
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

type rule struct {
	pkgPrefix string // relative to the module; "" matches all
	why       string
	forbids   func(pkg, dep string) bool
	direct    bool // checks the package's own imports, not all its dependencies
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
	{"agent/monitor", "monitor depends on small interfaces, not on platform or store", func(_, d string) bool {
		return strings.HasPrefix(d, module+"/agent/platform") || strings.HasPrefix(d, module+"/agent/store")
	}, false},
	{"agent/enforce", "enforce depends on small interfaces, not on platform or store", func(_, d string) bool {
		return strings.HasPrefix(d, module+"/agent/platform") || strings.HasPrefix(d, module+"/agent/store")
	}, false},
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
		{"the app may import fyne", "cmd/kidtime-app", "fyne.io/fyne/v2", false},
		{"the CLI importing fyne is caught", "cmd/kidtime", "fyne.io/fyne/v2", true},
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
