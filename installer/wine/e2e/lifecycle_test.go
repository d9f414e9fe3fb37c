//go:build kidtime_wine_e2e

package e2e

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	// serviceUp bounds the wait for the service to answer over the pipe
	// after an install or an upgrade, on a loaded 2-core machine (a quiet
	// one: about a second).
	serviceUp = 2 * time.Minute
	// programsGone bounds the wait after an uninstall for the programs and
	// the service to go: the service's process outlives its "stopped" by a
	// moment, and Wine deletes a program in use when its last handle closes.
	programsGone = 90 * time.Second
	parentPIN    = "246810"
)

// usageHas asks for Kid's usage by app until app is listed, within a bound.
func (w *wineEnv) usageHas(t *testing.T, app string, within time.Duration) (string, error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := w.kidtime(t, "--json", "usage", "Kid", "--by", "app")
		if err == nil && strings.Contains(strings.ToLower(out), app) {
			return out, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s is not listed", app)
			}
			return out, err
		}
		time.Sleep(time.Second)
	}
}

// login checks pin with kidtime login, as a parent would.
func (w *wineEnv) login(t *testing.T, pin string) (string, error) {
	t.Helper()
	return w.runIn(t, pin+"\n", 60*time.Second, cli, "login", "--pin-stdin")
}

// productVersion is the DisplayVersion the registry gives an installed
// product.
func (w *wineEnv) productVersion(t *testing.T, code string) string {
	t.Helper()
	out, _ := w.run(t, 30*time.Second, "reg", "query", `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\`+code, "/v", "DisplayVersion")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "DisplayVersion" {
			return f[2]
		}
	}
	return ""
}

// kept is what was there before an upgrade.
type kept struct {
	gamesUsed int64
	children  []string
}

// upgradeKeepsData: a parent sets a PIN and changes a rule with
// kidtime.exe over the pipe; then a family's upgrade (the newer MSI,
// no policy) and a school's (the same msiexec line, POLICYFILE again) each
// leave one product of the new version, and the PIN still logs in (a wrong
// one does not), the rule, the children and the day's usage are all there.
func (w *wineEnv) upgradeKeepsData(t *testing.T, msiFamily, msiSchool string) {
	if out, err := w.runIn(t, parentPIN+"\n", 60*time.Second, cli, "setup", "--pin-stdin"); err != nil {
		t.Fatalf("setup --pin-stdin: %v\n%s", err, out)
	}
	if out, err := w.login(t, parentPIN); err != nil {
		t.Fatalf("login with the PIN just set: %v\n%s", err, out)
	}
	if out, err := w.kidtime(t, "limit", "Kid", "--games", "5h"); err != nil {
		t.Fatalf("limit Kid --games 5h: %v\n%s", err, out)
	}
	if out, _ := w.kidtime(t, "rules", "show", "Kid"); !strings.Contains(out, "5h") {
		t.Fatalf("rules show Kid after limit --games 5h:\n%s", out)
	}
	// No second child: Wine has one account (Kid's; "Guest" and the like
	// are refused, "no account ... on this computer"), so `child add` is
	// not run here; the children are checked by name all the same.
	before := w.status(t)
	if !before.Setup {
		t.Fatal("status says no PIN after setup")
	}
	k := kept{gamesUsed: before.Children[0].GamesUsedSec}
	for _, c := range before.Children {
		k.children = append(k.children, c.Name)
	}
	t.Logf("before the upgrades: children %v, Kid's games %d s", k.children, k.gamesUsed)

	for _, up := range []struct {
		who, msi, version string
		args              []string
	}{
		{"a family's upgrade (no policy)", msiFamily, "0.1.2", nil},
		{"a school's upgrade (POLICYFILE again)", msiSchool, "0.1.3", []string{`POLICYFILE=C:\` + e2eDir + `\policy.json`}},
	} {
		start := time.Now()
		w.msiexec(t, append([]string{"/i", winPath(up.msi), "/qn"}, up.args...)...)
		took := time.Since(start)
		w.waitStatus(t, serviceUp)
		t.Logf("%s to %s: msiexec %v, the service answers %v after it began", up.who, up.version,
			took.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
		w.checkKept(t, up.who, up.version, k)
	}
}

// checkKept checks that what a parent made survived an upgrade to version.
func (w *wineEnv) checkKept(t *testing.T, who, version string, k kept) {
	t.Helper()
	switch codes := w.installedProducts(t); {
	case len(codes) != 1:
		t.Errorf("%s: installed kidtime products %v, want one (the old one removed)", who, codes)
	case w.productVersion(t, codes[0]) != version:
		t.Errorf("%s: the installed version is %q, want %s", who, w.productVersion(t, codes[0]), version)
	}
	after := w.status(t)
	if !after.Setup {
		t.Errorf("%s: the PIN is gone", who)
	}
	if out, err := w.login(t, parentPIN); err != nil {
		t.Errorf("%s: the PIN no longer logs in: %v\n%s", who, err, out)
	}
	if out, err := w.login(t, "135790"); err == nil {
		t.Errorf("%s: a wrong PIN logs in:\n%s", who, out)
	}
	if out, _ := w.kidtime(t, "rules", "show", "Kid"); !strings.Contains(out, "5h") {
		t.Errorf("%s: Kid's games limit (5h, set with the CLI) is gone:\n%s", who, out)
	}
	var names []string
	for _, c := range after.Children {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, k.children) {
		t.Errorf("%s: children %v, before %v", who, names, k.children)
	}
	if i := slices.Index(names, "Kid"); i < 0 || after.Children[i].GamesUsedSec < k.gamesUsed {
		t.Errorf("%s: Kid's games today %+v, before %d s", who, after.Children, k.gamesUsed)
	}
	if out, err := w.usageHas(t, "e2egame", 30*time.Second); err != nil {
		t.Errorf("%s: the usage by app lost e2egame: %v\n%s", who, err, out)
	}
}

// uninstallKeepsData: msiexec /x takes the programs, the service, the Run
// key, the shortcut and the PATH entry, and keeps %ProgramData%\kidtime.
func (w *wineEnv) uninstallKeepsData(t *testing.T, msi string) {
	// the safe web's browser policy, written by the running service, goes
	// with the uninstall (kidtimed web-remove, the MSI's RemoveSafeWeb)
	policyBefore, policyOut := w.firefoxDoHPolicy(t)
	if !policyBefore {
		t.Errorf("before uninstall the service had not written the browsers' policy (Firefox's DNSOverHTTPS):\n%s", policyOut)
	}
	start := time.Now()
	w.msiexec(t, "/x", winPath(msi), "/qn")
	t.Logf("msiexec /x in %v", time.Since(start).Round(100*time.Millisecond))
	progs := []string{"kidtimed.exe", "kidtime.exe", "kidtime-hub.exe", "kidtime-app.exe"}
	left := func() []string {
		var l []string
		for _, p := range progs {
			if _, err := os.Stat(w.c("Program Files/kidtime/" + p)); !errors.Is(err, os.ErrNotExist) {
				l = append(l, fmt.Sprintf("%s (%v)", p, err))
			}
		}
		return l
	}
	serviceThere := func() (bool, string) {
		out, _ := w.run(t, 30*time.Second, "sc", "query", "kidtimed")
		return strings.Contains(out, "RUNNING") || strings.Contains(out, "STOPPED") || strings.Contains(out, "PENDING"), out
	}
	// Asked again until all are gone, within programsGone: the last
	// answer is the one checked, and the time it took is logged.
	deadline := time.Now().Add(programsGone)
	for {
		there, _ := serviceThere()
		if len(left()) == 0 && !there || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if l := left(); len(l) > 0 {
		t.Errorf("%v after uninstall: still there %v, want gone; kidtime's processes under Wine: %v", programsGone, l, hostProcesses("kidtime"))
	}
	if there, out := serviceThere(); there {
		t.Errorf("the service is still there %v after uninstall:\n%s", programsGone, out)
	}
	t.Logf("programs and service gone %v after msiexec /x began", time.Since(start).Round(100*time.Millisecond))
	w.checkAppRemoved(t)
	if there, out := w.firefoxDoHPolicy(t); policyBefore && there {
		t.Errorf("the browsers' policy stays after uninstall (kidtimed web-remove did not run or failed):\n%s", out)
	}
	for _, f := range []string{"ProgramData/kidtime/kidtime.db", "ProgramData/kidtime/policy.json"} {
		if _, err := os.Stat(w.c(f)); err != nil {
			t.Errorf("the data must stay: %v", err)
		}
	}
}

// firefoxDoHPolicy reports whether Firefox's DNS-over-HTTPS policy, which
// the safe web writes (agent/web/browsers_windows.go), is in the registry.
func (w *wineEnv) firefoxDoHPolicy(t *testing.T) (bool, string) {
	out, err := w.run(t, 30*time.Second, "reg", "query", `HKLM\SOFTWARE\Policies\Mozilla\Firefox\DNSOverHTTPS`, "/v", "Locked")
	return err == nil && strings.Contains(out, "Locked"), out
}

// hostProcesses are the command lines of the host's processes that run a
// Windows program whose command line holds name (Wine's tasklist lists
// nothing): what keeps a program in use.
func hostProcesses(name string) []string {
	var found []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		cmd := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
		if low := strings.ToLower(cmd); err == nil && strings.Contains(low, name) && strings.Contains(low, ".exe") {
			found = append(found, filepath.Base(filepath.Dir(d))+": "+cmd)
		}
	}
	return found
}
