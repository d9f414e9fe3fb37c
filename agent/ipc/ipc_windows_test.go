package ipc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Microsoft/go-winio"
	"github.com/kidtime/kidtime/agent/internal/ostest"
	"github.com/kidtime/kidtime/agent/ipc"
	"golang.org/x/sys/windows"
)

// The test binary re-executes itself to dial the pipe from another process,
// so that the server reads another process's token and pid.
const helperEnv = "KT_IPC_HELPER_PIPE"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(helperDial(path))
	}
	os.Exit(m.Run())
}

// helperDial connects to path, waits for the server's one-line answer and
// prints it.
func helperDial(path string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "read answer:", err)
		return 1
	}
	fmt.Print(line)
	return 0
}

var pipeSeq atomic.Int32

// testPipe is a pipe name no other test (nor kidtimed) uses.
func testPipe() string {
	return fmt.Sprintf(`\\.\pipe\kidtime-ipc-test-%d-%d`, os.Getpid(), pipeSeq.Add(1))
}

func listen(t *testing.T, path string) net.Listener {
	t.Helper()
	ln, err := ipc.Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// acceptPeer accepts one connection, reads its peer and answers "ok".
func acceptPeer(ln net.Listener) (ipc.Peer, error) {
	type result struct {
		p   ipc.Peer
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer c.Close()
		p, err := ipc.PeerOf(c)
		if err == nil {
			_, err = io.WriteString(c, "ok\n")
		}
		ch <- result{p, err}
	}()
	select {
	case r := <-ch:
		return r.p, r.err
	case <-time.After(15 * time.Second):
		return ipc.Peer{}, fmt.Errorf("no connection within 15 s")
	}
}

// me is this process's account, as the client's token shows it.
func me(t *testing.T) (sid string, admin bool) {
	t.Helper()
	tok := windows.GetCurrentProcessToken()
	tu, err := tok.GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	admin = tok.IsElevated()
	if s, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid); err == nil && !admin {
		admin, _ = tok.IsMember(s)
	}
	return tu.User.Sid.String(), admin
}

// Another process dials the pipe: the server reads that process's pid and
// its token's account (under Wine every process runs as the one Wine user,
// so another account cannot be tried there).
func TestPeerOtherProcess(t *testing.T) {
	ln := listen(t, testPipe())
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+ln.Addr().String())
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p, err := acceptPeer(ln)
	werr := cmd.Wait()
	if err != nil {
		t.Fatalf("accept from helper: %v (helper: %v, %s)", err, werr, stderr.String())
	}
	if werr != nil || stdout.String() != "ok\n" {
		t.Fatalf("helper: %v, printed %q, %s", werr, stdout.String(), stderr.String())
	}
	sid, admin := me(t)
	if p.SID != sid || p.UID != ipc.SIDToUID(sid) {
		t.Errorf("SID %q uid %d, want %q uid %d", p.SID, p.UID, sid, ipc.SIDToUID(sid))
	}
	if p.PID != cmd.Process.Pid {
		t.Errorf("pid %d, want the helper's %d", p.PID, cmd.Process.Pid)
	}
	if p.Username == "" || len(p.Groups) == 0 {
		t.Errorf("the account has no name or no groups: %+v", p)
	}
	if p.IsAdmin != admin {
		t.Errorf("IsAdmin %v, want %v (elevated or in Administrators) with groups %v", p.IsAdmin, admin, p.Groups)
	}
	if p.GID != 0 {
		t.Errorf("GID %d, want 0 on Windows", p.GID)
	}
}

// A second server on the same pipe is refused (FILE_FLAG_FIRST_PIPE_INSTANCE):
// nobody adds an instance of a running kidtimed's pipe.
func TestListenExisting(t *testing.T) {
	ostest.SkipUnderWine(t, "Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE (FILE_CREATE), so a second server can create the same pipe")
	path := testPipe()
	listen(t, path)
	if ln, err := ipc.Listen(path); err == nil {
		ln.Close()
		t.Fatal("a second Listen on the same pipe succeeded")
	}
}

func TestDialNoServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c, err := ipc.Dial(ctx, testPipe()); err == nil {
		c.Close()
		t.Fatal("Dial to a missing pipe succeeded")
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv(ipc.EnvSocket, "")
	if got := ipc.DefaultPath(); got != `\\.\pipe\kidtimed` {
		t.Errorf("DefaultPath() = %q without override", got)
	}
	t.Setenv(ipc.EnvSocket, `\\.\pipe\other`)
	if got := ipc.DefaultPath(); got != `\\.\pipe\other` {
		t.Errorf("DefaultPath() = %q, want the %s override", got, ipc.EnvSocket)
	}
}

// defaultPipe is kidtimed's real pipe; tests that take it skip when a
// kidtimed already runs on this machine, or when this process may not make
// Administrators the owner (not elevated).
const defaultPipe = `\\.\pipe\kidtimed`

func needDefaultPipeFree(t *testing.T) {
	t.Helper()
	if _, admin := me(t); !admin || !windows.GetCurrentProcessToken().IsElevated() {
		t.Skip("needs an elevated administrator: kidtimed's pipe is owned by Administrators")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if c, err := winio.DialPipeContext(ctx, defaultPipe); err == nil {
		c.Close()
		t.Skipf("%s is in use (a kidtimed runs on this machine)", defaultPipe)
	}
}

// The pipe kidtimed makes passes its clients' owner check: Administrators
// own it (the SDDL's O:BA), whatever the creating token's default owner.
func TestDefaultPipeOwnerAccepted(t *testing.T) {
	needDefaultPipeFree(t)
	ln := listen(t, defaultPipe)
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, err = io.WriteString(c, "ok\n")
			c.Close()
		}
		done <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, defaultPipe)
	if err != nil {
		t.Fatalf("Dial of kidtimed's own pipe: %v", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if err != nil || line != "ok\n" {
		t.Errorf("answer %q, %v", line, err)
	}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// A pipe at kidtimed's path owned by anyone but LocalSystem or
// Administrators (a squatter's) is refused before a request is sent.
func TestDefaultPipeOtherOwnerRefused(t *testing.T) {
	needDefaultPipeFree(t)
	sid, _ := me(t)
	if sid == "S-1-5-18" {
		t.Skip("runs as LocalSystem: no other owner to try")
	}
	// The squatter's pipe: owned by this account, open to everyone.
	ln, err := winio.ListenPipe(defaultPipe, &winio.PipeConfig{SecurityDescriptor: "O:" + sid + "D:P(A;;GA;;;WD)"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "ok\n")
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ipc.Dial(ctx, defaultPipe)
	if err == nil {
		c.Close()
		t.Fatal("Dial accepted a pipe owned by a plain account")
	}
	if !strings.Contains(err.Error(), "not by LocalSystem or Administrators") {
		t.Errorf("error %q does not say who must own the pipe", err)
	}
}
