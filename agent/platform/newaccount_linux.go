package platform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"

	"github.com/kidtime/kidtime/agent/facts"
)

// Create makes a standard account with useradd (a home from /etc/skel, a
// group of its own, bash when there is one) and sets its password with
// chpasswd; an account whose password could not be set is removed again.
// An account that already exists is fs.ErrExist. It needs root.
func (Users) Create(ctx context.Context, a facts.NewAccount) error {
	args := []string{"--create-home", "--user-group"}
	if _, err := os.Stat("/bin/bash"); err == nil {
		args = append(args, "--shell", "/bin/bash")
	}
	if a.FullName != "" {
		args = append(args, "--comment", a.FullName)
	}
	args = append(args, "--", a.Name)
	out, err := exec.CommandContext(ctx, "useradd", args...).CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 9 { // E_NAME_IN_USE
		return fmt.Errorf("useradd %s: %w", a.Name, fs.ErrExist)
	}
	if err != nil {
		return fmt.Errorf("useradd %s: %w: %s", a.Name, err, strings.TrimSpace(string(out)))
	}
	cmd := exec.CommandContext(ctx, "chpasswd")
	cmd.Stdin = strings.NewReader(a.Name + ":" + a.Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		rm, rmErr := exec.CommandContext(ctx, "userdel", "--remove", "--", a.Name).CombinedOutput()
		if rmErr != nil {
			return fmt.Errorf("chpasswd %s: %w: %s (and userdel: %v: %s)", a.Name, err, bytes.TrimSpace(out), rmErr, bytes.TrimSpace(rm))
		}
		return fmt.Errorf("chpasswd %s: %w: %s: %w", a.Name, err, bytes.TrimSpace(out), facts.ErrPasswordRefused)
	}
	return nil
}
