package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"golang.org/x/sys/windows"
)

// The test binary re-executes itself as kidtimed: with KT_KIDTIMED_ARGS set
// (a JSON list), it runs run(those args) and exits with its status.
const argsEnv = "KT_KIDTIMED_ARGS"

func TestMain(m *testing.M) {
	if a := os.Getenv(argsEnv); a != "" {
		var args []string
		if err := json.Unmarshal([]byte(a), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(run(args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// underWine tells whether this runs under Wine (ntdll's wine_get_version).
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// The Windows adapters: the WTS session source answers on Windows; under
// Wine, whose WTS lists no session at all, it says it cannot, and the agent
// then goes on without one. A service cannot lock a session.
func TestSystemDepsWindows(t *testing.T) {
	d, err := systemDeps(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := d.Sessions(ctx)
	switch {
	case underWine():
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("under Wine: session source %v, %v; want an error wrapping ErrUnsupported", src, err)
		}
	case err != nil:
		t.Errorf("WTS session source: %v", err)
	}
	if err := d.Actions.LockSession(ctx, "1"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("LockSession: %v; want ErrUnsupported (the companion locks)", err)
	}
	if err := d.Actions.TerminateSession(ctx, "0"); err == nil {
		t.Error("session 0 must never be logged off")
	}
	if _, err := d.Users.List(); err != nil {
		t.Errorf("accounts: %v", err)
	}
}

// kidtimed run, as its own process, serves the API on a named pipe with the
// real Windows adapters, and knows its caller.
func TestRunServesAPipe(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pipe := fmt.Sprintf(`\\.\pipe\kidtimed-test-%d`, os.Getpid())
	args, _ := json.Marshal([]string{"run", "--data-dir", t.TempDir(), "--socket", pipe, "--log-level", "debug"})
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), argsEnv+"="+string(args))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill() // Windows has no SIGTERM to send
		<-exited
		if t.Failed() {
			t.Logf("kidtimed said:\n%s", out.String())
		}
	}()

	c := &client.Client{Socket: pipe, Timeout: 5 * time.Second}
	ctx := context.Background()
	var h apitype.Health
	deadline := time.Now().Add(30 * time.Second)
	for {
		if h, err = c.Health(ctx); err == nil {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("kidtimed exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer on %s within 30 s: %v", pipe, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !h.OK || h.User == "" || h.Setup {
		t.Errorf("health %+v; want ok, the caller's account, no PIN yet", h)
	}
	if elevated := windows.GetCurrentProcessToken().IsElevated(); elevated && h.Role != apitype.RoleAdmin {
		t.Errorf("role %q for an elevated caller; want admin", h.Role)
	}
	if h.Role != apitype.RoleAdmin {
		return
	}
	if _, err := c.Setup(ctx, "246810"); err != nil {
		t.Fatalf("setup: %v", err)
	}
	kids, err := c.Children(ctx)
	if err != nil || len(kids) != 0 {
		t.Errorf("children %+v, %v; want none", kids, err)
	}
	// The caller is an administrator (under Wine, the only account): the
	// daemon looks the account up (LookupAccountName, NetUserGetLocalGroups)
	// and refuses to make it a child's.
	_, err = c.AddChild(ctx, apitype.AddChildRequest{Name: "An", BirthYear: 2015, Accounts: []string{h.User}})
	if err == nil || !strings.Contains(err.Error(), "administrator") {
		t.Errorf("adding the administrator %q as a child's account: %v; want a refusal", h.User, err)
	}
	if _, err := c.Status(ctx); err != nil {
		t.Errorf("status: %v", err)
	}
}

func TestRunHelp(t *testing.T) {
	var out, errb strings.Builder
	if code := run([]string{"run", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String()+errb.String(), "-data-dir") {
		t.Errorf("help:\n%s%s", out.String(), errb.String())
	}
}
