package pkgtest

import (
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/installer/service"
	"github.com/kidtime/kidtime/rules"
)

// TestDebUnitMatchesTemplate renders installer/service's SystemdUnit the
// way kardianos/service does for /usr/sbin/kidtimed and compares it with
// the unit the .deb ships, so that `kidtimed install` and the package never
// drift apart. The one intended difference: the packaged ExecStart adds
// $KIDTIMED_OPTS (from /etc/default/kidtimed, where the postinst puts the
// school policy).
func TestDebUnitMatchesTemplate(t *testing.T) {
	cfg := service.Config(nil)
	want := service.SystemdUnit
	for old, new := range map[string]string{
		"{{Description}}":                        cfg.Description,
		"{{Path | cmdEscape}}":                   "/usr/sbin/kidtimed",
		"{{range Arguments}} {{. | cmd}}{{end}}": " " + strings.Join(cfg.Arguments, " ") + " $KIDTIMED_OPTS",
		"{{Name}}":                               cfg.Name,
	} {
		if !strings.Contains(want, old) {
			t.Fatalf("installer/service.SystemdUnit no longer contains %q: update this test and installer/deb/kidtimed.service together", old)
		}
		want = strings.ReplaceAll(want, old, new)
	}
	if strings.Contains(want, "{{") {
		t.Fatalf("installer/service.SystemdUnit has template fields this test does not know:\n%s", want)
	}
	b, err := os.ReadFile("../deb/kidtimed.service")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "#") {
			got = append(got, l)
		}
	}
	if g := strings.TrimSpace(strings.Join(got, "\n")); g != strings.TrimSpace(want) {
		t.Errorf("installer/deb/kidtimed.service (without comments) differs from installer/service.SystemdUnit rendered for /usr/sbin/kidtimed:\n--- got\n%s\n--- want\n%s", g, want)
	}
}

// TestSchoolPolicy: the example lab policy is valid and manages every
// account (a lab has no named children): no games, lessons' hours only.
func TestSchoolPolicy(t *testing.T) {
	b, err := os.ReadFile("../school/school-lab.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := rules.ParseFile(b)
	if err != nil {
		t.Fatalf("school-lab.json: %v", err)
	}
	if f.DefaultProfile == nil {
		t.Fatal("school-lab.json has no defaultProfile: the lab's student accounts would not be managed")
	}
	monday := time.Date(2026, 11, 30, 10, 0, 0, 0, time.Local)
	if _, _, err := f.PolicyFor("hocsinh01", monday); err != nil {
		t.Errorf("a student account gets no policy: %v", err)
	}
	var hotline bool
	for _, h := range f.Help {
		hotline = hotline || h.Number == "111"
	}
	if !hotline {
		t.Error("school-lab.json must keep the hotline 111 in its help contacts")
	}
}

// TestMSIServiceName: the MSI registers the service under the name the
// daemon uses (kardianos looks it up by name for start/stop/status).
func TestMSIServiceName(t *testing.T) {
	b, err := os.ReadFile("../msi/kidtime.wxs")
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	var names []string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "ServiceInstall" || se.Name.Local == "ServiceControl") {
			for _, a := range se.Attr {
				if a.Name.Local == "Name" {
					names = append(names, a.Value)
				}
			}
		}
	}
	if len(names) != 2 {
		t.Fatalf("want one ServiceInstall and one ServiceControl, found names %v", names)
	}
	for _, n := range names {
		if n != service.Name {
			t.Errorf("MSI service name %q, the daemon's is %q", n, service.Name)
		}
	}
}

// TestMSIDataDirOrder: the data folder is made trustworthy before anything
// is put in it or runs from it. An existing %ProgramData%\kidtime that the
// installer did not make (a student could create it first and plant a
// kidtime.db or policy.json) is moved aside by MoveAsideDataDir, which must
// come after InstallFiles and before LockDataDir, MarkDataDir (the marker,
// written last), the policy check and copy, and StartServices.
func TestMSIDataDirOrder(t *testing.T) {
	b, err := os.ReadFile("../msi/kidtime.wxs")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Actions []struct {
			ID          string `xml:"Id,attr"`
			Property    string `xml:"Property,attr"`
			ExeCommand  string `xml:"ExeCommand,attr"`
			Execute     string `xml:"Execute,attr"`
			Impersonate string `xml:"Impersonate,attr"`
			Return      string `xml:"Return,attr"`
		} `xml:"Product>CustomAction"`
		Sequence struct {
			Items []struct {
				XMLName   xml.Name
				Action    string `xml:"Action,attr"`
				After     string `xml:"After,attr"`
				Before    string `xml:"Before,attr"`
				Sequence  string `xml:"Sequence,attr"`
				Condition string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"Product>InstallExecuteSequence"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}

	// The standard actions this file schedules after (MSI's defaults).
	seq := map[string]int{"StopServices": 1900, "RemoveFiles": 3500, "InstallFiles": 4000, "InstallServices": 5800, "StartServices": 5900}
	after := map[string]string{}
	cond := map[string]string{}
	for _, it := range doc.Sequence.Items {
		if it.XMLName.Local != "Custom" {
			continue
		}
		cond[it.Action] = strings.TrimSpace(it.Condition)
		switch {
		case it.Sequence != "":
			n := 0
			for _, c := range it.Sequence {
				n = n*10 + int(c-'0')
			}
			seq[it.Action] = n
		case it.After != "":
			after[it.Action] = it.After
		default:
			t.Errorf("custom action %s is scheduled neither by Sequence nor After", it.Action)
		}
	}
	// wixl numbers an After= action right after its anchor; resolve the chains.
	for len(after) > 0 {
		progress := false
		for a, anchor := range after {
			if n, ok := seq[anchor]; ok {
				seq[a] = n + 1
				delete(after, a)
				progress = true
			}
		}
		if !progress {
			t.Fatalf("InstallExecuteSequence: unresolvable After= chain: %v", after)
		}
	}
	// Two After= the same anchor would get the same number: order unknown.
	at := map[int]string{}
	for a, n := range seq {
		if o, dup := at[n]; dup {
			t.Errorf("%s and %s both at sequence %d", a, o, n)
		}
		at[n] = a
	}

	order := []string{"InstallFiles", "MoveAsideDataDir", "LockDataDir", "MarkDataDir", "CheckPolicy", "CopyPolicy", "StartServices"}
	for i := 1; i < len(order); i++ {
		p, okp := seq[order[i-1]]
		n, okn := seq[order[i]]
		if !okp || !okn {
			t.Fatalf("InstallExecuteSequence lacks %s or %s", order[i-1], order[i])
		}
		if p >= n {
			t.Errorf("InstallExecuteSequence: %s (%d) must come before %s (%d)", order[i-1], p, order[i], n)
		}
	}
	// The service's process is gone before its program is removed or
	// replaced, on every install, upgrade and uninstall (PowerShell's path
	// is set on all of them).
	for _, pair := range [][2]string{{"StopServices", "WaitServiceGone"}, {"WaitServiceGone", "RemoveFiles"}, {"WaitServiceGone", "InstallFiles"}} {
		if p, n := seq[pair[0]], seq[pair[1]]; p == 0 || n == 0 || p >= n {
			t.Errorf("InstallExecuteSequence: %s (%d) must come before %s (%d)", pair[0], p, pair[1], n)
		}
	}
	for _, a := range []string{"WaitServiceGone", "SetPowerShellExe"} {
		if c := cond[a]; c != "" {
			t.Errorf("%s runs under %q, want always (an uninstall too)", a, c)
		}
	}
	for _, a := range []string{"MoveAsideDataDir", "LockDataDir", "MarkDataDir"} {
		if c := cond[a]; c != `NOT REMOVE~="ALL"` {
			t.Errorf("%s runs under %q, want every install, upgrade and repair: NOT REMOVE~=\"ALL\"", a, c)
		}
	}

	byID := map[string]int{}
	for i, a := range doc.Actions {
		byID[a.ID] = i
	}
	for _, id := range []string{"MoveAsideDataDir", "LockDataDir", "MarkDataDir"} {
		i, ok := byID[id]
		if !ok {
			t.Fatalf("no CustomAction %s", id)
		}
		a := doc.Actions[i]
		if a.Execute != "deferred" || a.Impersonate != "no" || a.Return != "check" || a.Property != "CMDEXE" {
			t.Errorf("%s: want a deferred, non-impersonated (LocalSystem), checked cmd action; got Execute=%q Impersonate=%q Return=%q Property=%q", id, a.Execute, a.Impersonate, a.Return, a.Property)
		}
		if !strings.HasPrefix(a.ExeCommand, `/d /s /c "`) || !strings.HasSuffix(a.ExeCommand, `"`) {
			t.Errorf("%s: want cmd /d /s /c \"...\", got %s", id, a.ExeCommand)
		}
	}
	mv := doc.Actions[byID["MoveAsideDataDir"]].ExeCommand
	for _, want := range []string{
		".installed-by-kidtime",               // the marker
		"O:(SY|BA)",                           // the owner, by SID
		`ren "[DATADIR]" "kidtime.untrusted-`, // moved aside, never deleted
		`mkdir "[DATADIR]"`,                   // then made anew
	} {
		if !strings.Contains(mv, want) {
			t.Errorf("MoveAsideDataDir no longer contains %q: %s", want, mv)
		}
	}
	for _, bad := range []string{"rmdir", "rd ", "del ", "Remove-Item"} {
		if strings.Contains(mv, bad) {
			t.Errorf("MoveAsideDataDir must never delete the folder it finds (%q): %s", bad, mv)
		}
	}
	if strings.Contains(doc.Actions[byID["LockDataDir"]].ExeCommand, "mkdir") {
		t.Error("LockDataDir must not make the folder: a name taken after MoveAsideDataDir would be locked and kept")
	}
	if !strings.Contains(doc.Actions[byID["MarkDataDir"]].ExeCommand, `[DATADIR]\.installed-by-kidtime`) {
		t.Error("MarkDataDir does not write [DATADIR]\\.installed-by-kidtime")
	}
}
