// Package agenttest starts a real kidtimed for the UI's tests: it builds
// cmd/kidtimed, runs it on a temporary database and socket, and makes test
// child accounts. It is for tests only (it imports "testing").
package agenttest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/client"
)

// Agent is a real kidtimed started by StartAgent for a test.
type Agent struct {
	// Socket is the daemon's socket; Client is a client for it.
	Socket  string
	DataDir string
	Client  *client.Client
	// Log is the daemon's output so far (for failure messages).
	Log *bytes.Buffer
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
	buildOut  []byte
)

// moduleRoot is the folder of go.mod, from `go env GOMOD`.
func moduleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Skipf("go env GOMOD: %v (a real agent needs the go tool to build kidtimed)", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Skip("not inside the kidtime module; cannot build kidtimed")
	}
	return filepath.Dir(gomod)
}

// BuildAgent builds cmd/kidtimed (CGO_ENABLED=0) once per test binary and
// returns the path of the executable. The folder is world-readable so that a
// test child account can run helpers from it too.
func BuildAgent(t testing.TB) string {
	t.Helper()
	root := moduleRoot(t)
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "kidtime-ui-agent-")
		if buildErr != nil {
			return
		}
		_ = os.Chmod(buildDir, 0o755)
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "kidtimed"), "./cmd/kidtimed")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("build kidtimed: %v\n%s", buildErr, buildOut)
	}
	return filepath.Join(buildDir, "kidtimed")
}

// StartAgent builds and starts `kidtimed run` on a database and a socket in
// a fresh temporary folder, waits until it answers Health, and stops it when
// the test ends. The folder is 0755 so that other local accounts can reach
// the socket (which the daemon makes 0666), as under /run/kidtime.
func StartAgent(t testing.TB) *Agent {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the real-agent UI tests run on Unix sockets")
	}
	bin := BuildAgent(t)
	dir, err := os.MkdirTemp("", "kt-ui-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	a := &Agent{Socket: filepath.Join(dir, "s.sock"), DataDir: filepath.Join(dir, "data"), Log: &bytes.Buffer{}}
	cmd := exec.Command(bin, "run", "--data-dir", a.DataDir, "--socket", a.Socket, "--log-level", "debug")
	var mu sync.Mutex
	cmd.Stdout, cmd.Stderr = lockedWriter{&mu, a.Log}, lockedWriter{&mu, a.Log}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kidtimed: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			mu.Lock()
			t.Logf("kidtimed's log:\n%s", a.Log.String())
			mu.Unlock()
		}
	})
	a.Client = &client.Client{Socket: a.Socket, Timeout: 10 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := a.Client.Health(ctx)
		cancel()
		if err == nil {
			return a
		}
		select {
		case <-done:
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("kidtimed exited before answering: %v\n%s", err, a.Log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kidtimed did not answer Health within 20 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// ChildAccount makes a standard OS account for a test child (useradd -M,
// no home) and removes it when the test ends. It skips the test unless it
// runs as root with useradd available: a child must be a real, non-admin
// account for the agent to accept it.
func ChildAccount(t testing.TB, name string) *user.User {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("test child accounts are made with useradd (Linux)")
	}
	if os.Geteuid() != 0 {
		t.Skipf("the real agent accepts only existing non-admin accounts as children; creating the test account %q needs root (run `sudo go test ./ui/...`)", name)
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd not found: cannot create a test child account")
	}
	if _, err := user.Lookup(name); err != nil { // else left over from an interrupted run
		if out, err := exec.Command("useradd", "-M", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
			t.Fatalf("useradd %s: %v\n%s", name, err, out)
		}
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Logf("userdel %s: %v\n%s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// NewClient is another client of the same agent (with no parent token).
func NewClient(a *Agent) *client.Client {
	return &client.Client{Socket: a.Socket, Timeout: 10 * time.Second}
}
