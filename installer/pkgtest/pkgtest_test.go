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
