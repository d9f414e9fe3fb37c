package companion_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/client"
	"github.com/kidtime/kidtime/ui/companion"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/uitest/agenttest"
)

// helperEnv makes the test binary run TestCompanionHelperProcess as the
// child: the agent knows a child by the OS account of the caller, so the
// companion must really run as that account.
const helperEnv = "KIDTIME_UI_COMPANION_HELPER"

// TestAgainstRealAgent runs the companion as a real child account against a
// real kidtimed: it must be recognised as the child, send heartbeats, and
// ask for more time; the parent approves through the API and the companion
// shows the answer.
func TestAgainstRealAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts kidtimed")
	}
	const account = "kt-ui-kid" // not the console test's account: packages run in parallel
	kid := agenttest.ChildAccount(t, account)
	ag := agenttest.StartAgent(t)
	ctx := context.Background()
	parent := ag.Client
	if _, err := parent.Setup(ctx, "246810"); err != nil {
		t.Fatal(err)
	}
	if _, err := parent.AddChild(ctx, apitype.AddChildRequest{Name: "Mai", BirthYear: time.Now().Year() - 9, Accounts: []string{account}}); err != nil {
		t.Fatal(err)
	}

	// the parent's own session: no companion
	test.NewTempApp(t)
	if err := companion.New(test.NewTempApp(t), parent, nil).Start(ctx); !errors.Is(err, companion.ErrNotChild) {
		t.Errorf("an admin's session: Start = %v, want ErrNotChild", err)
	}

	// a copy of this test binary the child can run, and a home for Fyne
	dir, err := os.MkdirTemp("", "kt-ui-kid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "companion.test")
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	uid, _ := strconv.Atoi(kid.Uid)
	gid, _ := strconv.Atoi(kid.Gid)
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, "-test.run=^TestCompanionHelperProcess$", "-test.v")
	cmd.Env = []string{helperEnv + "=" + ag.Socket, "HOME=" + home, "PATH=/usr/bin:/bin", "LANG=en_US.UTF-8"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("run the companion as %s: %v", account, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// the parent answers the ask as soon as it arrives
	var ask apitype.Request
	deadline := time.Now().Add(30 * time.Second)
	for ask.ID == 0 {
		rs, err := parent.Requests(ctx, "pending")
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) > 0 {
			ask = rs[0]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the companion ended before asking: %v\n%s", err, out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ask reached the agent\n%s", out.String())
		}
	}
	if ask.Child != "Mai" || ask.Kind != apitype.KindGames || ask.AddSec != 1800 || ask.Reason != "finish the castle" {
		t.Errorf("the ask as the agent has it: %+v", ask)
	}
	if _, err := parent.Answer(ctx, ask.ID, apitype.AnswerRequest{Approve: true, AddSec: 900}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the companion as %s: %v\n%s", account, err, out.String())
	}
	if !strings.Contains(out.String(), "notice: Yes! You got 15 min more.") {
		t.Errorf("the companion should show the answer:\n%s", out.String())
	}
	st, err := parent.Status(ctx)
	if err != nil || len(st.Children) != 1 {
		t.Fatalf("status: %+v %v", st, err)
	}
	if st.Children[0].CompanionSeen.IsZero() {
		t.Errorf("the agent should have the companion's heartbeats: %+v", st.Children[0])
	}
}

// TestCompanionHelperProcess is the companion's side of TestAgainstRealAgent,
// run as the child account; it does nothing in a normal test run.
func TestCompanionHelperProcess(t *testing.T) {
	socket := os.Getenv(helperEnv)
	if socket == "" {
		t.Skip("helper process of TestAgainstRealAgent")
	}
	test.NewTempApp(t)
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := companion.New(test.NewTempApp(t), &client.Client{Socket: socket, Timeout: 10 * time.Second}, nil)
	c.Sync = true
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start as a child: %v", err)
	}
	c.Tick(ctx)
	if st := c.Status(); st.Name != "Mai" || st.ScreenLimitSec == 0 {
		t.Fatalf("the child's status: %+v", st)
	}
	test.Tap(c.AskButton())
	form := c.LastAsk()
	form.Amount.SetSelected(i18n.Duration(30 * time.Minute))
	form.Kind.SetSelected(lang.L("companion.games"))
	test.Type(form.Reason, "finish the castle")
	test.Tap(form.Send)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(c.Notice(), "Yes!") {
		if time.Now().After(deadline) {
			t.Fatalf("no answer shown; notice %q", c.Notice())
		}
		time.Sleep(200 * time.Millisecond)
		c.Tick(ctx)
	}
	fmt.Println("notice: " + c.Notice())
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
