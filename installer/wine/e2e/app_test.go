//go:build kidtime_wine_e2e

package e2e

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

var shotsDir = flag.String("shots", "", "write the Windows app's screenshots (console, companion; vi, en) to `DIR` (default: build/wine/e2e/screenshots)")

const (
	appExe      = `C:\Program Files\kidtime\kidtime-app.exe`
	runKey      = `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`
	envKey      = `HKLM\System\CurrentControlSet\Control\Session Manager\Environment`
	startMenuLn = "ProgramData/Microsoft/Windows/Start Menu/Programs/kidtime.lnk"
)

// shortcut is where the console's shortcut is: the all-users Start menu, as
// on Windows (ALLUSERS=1), or the installing user's, where Wine 8's msi puts
// it (it resolves ProgramMenuFolder to the user's Programs folder whatever
// ALLUSERS says; the MSI log shows it). "" when in neither.
func (w *wineEnv) shortcut(t *testing.T) string {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{startMenuLn, "users/" + me.Username + "/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/kidtime.lnk"} {
		if _, err := os.Stat(w.c(p)); err == nil {
			return p
		}
	}
	return ""
}

// checkAppInstalled checks what the MSI does for the app and the CLI beyond
// copying files: the companion at every logon (the Run key), the console's
// Start-menu shortcut, and the CLI's folder on the system PATH.
func (w *wineEnv) checkAppInstalled(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(w.c("Program Files/kidtime/kidtime-app.exe")); err != nil {
		t.Errorf("the app: %v", err)
	}
	out, err := w.run(t, 30*time.Second, "reg", "query", runKey, "/v", "kidtime companion")
	if err != nil || !strings.Contains(out, `kidtime-app.exe" companion`) {
		t.Errorf("the companion at logon: reg query %s: %v\n%s", runKey, err, out)
	}
	switch p := w.shortcut(t); p {
	case "":
		t.Errorf("the console's Start-menu shortcut: no kidtime.lnk in the all-users nor the user's Start menu")
	case startMenuLn:
	default:
		t.Logf("the console's shortcut is %s: Wine's msi resolves ProgramMenuFolder per user even with ALLUSERS=1 (Windows: the all-users Start menu)", p)
	}
	if p := w.systemPath(t); !strings.Contains(strings.ToLower(p), strings.ToLower(`C:\Program Files\kidtime\`)) {
		t.Errorf("the system PATH %q does not hold kidtime's folder", p)
	}
}

// checkAppRemoved checks that uninstalling took back the Run key, the
// shortcut and the PATH entry.
func (w *wineEnv) checkAppRemoved(t *testing.T) {
	t.Helper()
	if out, err := w.run(t, 30*time.Second, "reg", "query", runKey, "/v", "kidtime companion"); err == nil && strings.Contains(out, "kidtime-app") {
		t.Errorf("the companion still starts at logon after uninstall:\n%s", out)
	}
	if p := w.shortcut(t); p != "" {
		t.Errorf("the Start-menu shortcut %s is still there after uninstall", p)
	}
	if p := w.systemPath(t); strings.Contains(strings.ToLower(p), "kidtime") {
		t.Errorf("the system PATH %q still holds kidtime's folder after uninstall", p)
	}
}

// systemPath is the machine's PATH as the registry holds it.
func (w *wineEnv) systemPath(t *testing.T) string {
	t.Helper()
	out, err := w.run(t, 30*time.Second, "reg", "query", envKey, "/v", "PATH")
	if err != nil {
		t.Logf("reg query %s /v PATH: %v\n%s", envKey, err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.EqualFold(f[0], "PATH") {
			return strings.Join(f[2:], " ")
		}
	}
	return ""
}

// display is the prefix's Xvfb (installer/wine/prefix.sh), or "".
func (w *wineEnv) display() string {
	b, err := os.ReadFile(filepath.Join(w.dir, "xdisplay"))
	if err != nil || strings.TrimSpace(string(b)) == "" {
		return ""
	}
	return ":" + strings.TrimSpace(string(b))
}

// appRuns proves the installed Windows build of the app links, loads and
// draws: --self-check (translations, desktop probe); the companion, started
// in an administrator's session, quits by itself; then the console (against
// the service: its first-run or PIN screen) and the companion's waiting
// screen (no service on its pipe: help and hotline), each in Vietnamese and
// English, drawn by Fyne's OpenGL driver through Wine on the prefix's Xvfb
// and captured from the X server.
func (w *wineEnv) appRuns(t *testing.T) {
	out, err := w.run(t, 2*time.Minute, appExe, "--self-check")
	t.Logf("kidtime-app.exe --self-check: %v\n%s", err, out)
	if err != nil || !strings.Contains(out, "translations vi: ok") || !strings.Contains(out, "windows/amd64") {
		t.Fatalf("the installed app does not load under Wine: %v\n%s", err, out)
	}
	disp := w.display()
	if disp == "" {
		t.Fatal("no Xvfb for the prefix (installer/wine/prefix.sh starts one; apt-get install xvfb): the app's windows cannot be drawn")
	}
	dir := *shotsDir
	if dir == "" {
		dir = filepath.Join(w.dir, "e2e", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The Run key starts the companion in every session, a parent's too:
	// there it must quit at once, quietly. Under Wine the one account is an
	// administrator by its token (the pipe says role admin), so this is
	// also why the companion's child views (countdown, ask) cannot be drawn
	// here: no token of a standard account exists under Wine.
	start := time.Now()
	if out, err := w.run(t, 90*time.Second, appExe, "companion"); err != nil {
		t.Errorf("the companion in an administrator's session: %v, want a quiet exit 0\n%s", err, out)
	} else {
		t.Logf("the companion in an administrator's session quit by itself after %v", time.Since(start).Round(100*time.Millisecond))
	}
	// make test: one of each (half a minute each under load); make
	// screenshots (-shots): both in both languages.
	shots := [][2]string{{"console", "vi"}, {"companion", "en"}}
	if *shotsDir != "" {
		shots = [][2]string{{"console", "vi"}, {"companion", "vi"}, {"console", "en"}, {"companion", "en"}}
	}
	for _, shot := range shots {
		mode, lang := shot[0], shot[1]
		args := []string{appExe, "--lang", lang}
		if mode == "companion" {
			// The companion's first screen when the service does not
			// answer (yet): the help and the hotline 111.
			args = []string{appExe, "companion", "--lang", lang, "--socket", `\\.\pipe\kidtime-e2e-nobody`}
		}
		path := filepath.Join(dir, fmt.Sprintf("windows-%s-%s.png", mode, lang))
		d, said, err := w.shootApp(t, disp, path, args)
		for try := 2; errors.Is(err, errEndedEarly) && try <= 3; try++ {
			// Seen under Wine shortly after a fresh prefix: GLFW's first
			// window fails ("Failed to create helper window"). Said, and
			// tried again; a third failure fails the step.
			t.Logf("%s (%s), try %d of 3: %v", mode, lang, try-1, err)
			time.Sleep(5 * time.Second)
			d, said, err = w.shootApp(t, disp, path, args)
		}
		if err != nil {
			t.Errorf("%s (%s): %v", mode, lang, err)
			continue
		}
		t.Logf("%s (%s): drawn after %v: %s", mode, lang, d.Round(100*time.Millisecond), path)
		if mode == "companion" {
			checkTray(t, said)
		}
	}
}

// checkTray reads what the companion said while it put itself in the
// system tray: Fyne turns the app's icon into an .ico for Windows' tray and
// says so when it cannot (the icon was an SVG: the tray entry had no
// picture).
func checkTray(t *testing.T, said string) {
	t.Helper()
	for _, bad := range []string{"Failed to convert systray icon", "systray", "Failed to read icon format"} {
		if i := strings.Index(said, bad); i >= 0 {
			end := strings.IndexByte(said[i:], '\n')
			if end < 0 {
				end = len(said) - i
			}
			t.Errorf("the companion's tray icon: %s", said[i:i+end])
			return
		}
	}
	t.Log("the companion's tray icon: no error from Fyne's systray")
}

var errEndedEarly = errors.New("the app ended before it drew a window")

// appDrawn bounds the wait for the app's first window under Wine, on a
// loaded 2-core machine (a quiet one: about 3 s).
const appDrawn = 2 * time.Minute

// shootApp starts the app on disp, waits until a window covers part of the
// screen, writes the screen to path, and ends the app; said is what the app
// wrote until then.
func (w *wineEnv) shootApp(t *testing.T, disp, path string, args []string) (d time.Duration, said string, err error) {
	f, err := os.CreateTemp(t.TempDir(), "app")
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	cmd := exec.Command(w.wine, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = append(w.env, "DISPLAY="+disp), f, f
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
		// The loader's Windows process may outlive the Unix one: end it by
		// name so the next shot starts on an empty screen.
		_, _ = w.run(t, 30*time.Second, "taskkill", "/f", "/im", "kidtime-app.exe")
		waitBlank(disp, 10*time.Second)
	}()
	var last error
	for time.Since(start) < appDrawn {
		select {
		case err := <-done:
			done <- err
			b, _ := os.ReadFile(f.Name())
			return 0, string(b), fmt.Errorf("%w: %v\n%s", errEndedEarly, err, b)
		case <-time.After(time.Second):
		}
		img, err := grab(disp)
		if err != nil {
			last = err
			continue
		}
		if lit(img) < 0.05 {
			last = errors.New("the screen is still blank")
			continue
		}
		// Drawn: one more second for the rest of the window's content.
		time.Sleep(time.Second)
		if img2, err := grab(disp); err == nil {
			img = img2
		}
		d = time.Since(start)
		b, _ := os.ReadFile(f.Name())
		return d, string(b), writePNG(path, img)
	}
	b, _ := os.ReadFile(f.Name())
	return 0, string(b), fmt.Errorf("no window drawn within %v (%v); the app said:\n%s", appDrawn, last, b)
}

func waitBlank(disp string, d time.Duration) {
	for start := time.Now(); time.Since(start) < d; time.Sleep(200 * time.Millisecond) {
		if img, err := grab(disp); err != nil || lit(img) < 0.01 {
			return
		}
	}
}

// lit is the share of the screen's pixels that are not black.
func lit(img *image.RGBA) float64 {
	n, b := 0, img.Bounds()
	for i := 0; i+3 < len(img.Pix); i += 4 {
		if img.Pix[i] > 16 || img.Pix[i+1] > 16 || img.Pix[i+2] > 16 {
			n++
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// grab reads the root window of the X display disp (24 or 32 bits deep).
func grab(disp string) (*image.RGBA, error) {
	xgb.Logger.SetOutput(io.Discard) // "no .Xauthority": Xvfb needs none
	c, err := xgb.NewConnDisplay(disp)
	if err != nil {
		return nil, fmt.Errorf("open the display %s: %w", disp, err)
	}
	defer c.Close()
	setup := xproto.Setup(c)
	scr := setup.DefaultScreen(c)
	if scr.RootDepth != 24 && scr.RootDepth != 32 {
		return nil, fmt.Errorf("root depth %d: only 24 and 32 bits are read", scr.RootDepth)
	}
	w, h := int(scr.WidthInPixels), int(scr.HeightInPixels)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rows := max(1, (int(setup.MaximumRequestLength)*4-64)/(w*4)) // one request's worth
	for y := 0; y < h; y += rows {
		n := min(rows, h-y)
		r, err := xproto.GetImage(c, xproto.ImageFormatZPixmap, xproto.Drawable(scr.Root),
			0, int16(y), uint16(w), uint16(n), 0xffffffff).Reply()
		if err != nil {
			return nil, fmt.Errorf("GetImage: %w", err)
		}
		if len(r.Data) < w*n*4 {
			return nil, errors.New("GetImage: short answer (not 32 bits per pixel)")
		}
		for i := range w * n {
			p := r.Data[i*4 : i*4+4] // BGRX
			img.SetRGBA(i%w, y+i/w, color.RGBA{R: p[2], G: p[1], B: p[0], A: 0xff})
		}
	}
	return img, nil
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
