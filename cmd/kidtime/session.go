package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
)

// The commands of who is at the keyboard: status, setup, login, logout.

func (k *cli) status(ctx context.Context, _ []string) error {
	st, err := k.c.Status(ctx)
	if err != nil {
		return err
	}
	return k.out(st, func(w io.Writer) {
		if len(st.Children) == 0 {
			if st.Role == apitype.RoleChild || st.Role == apitype.RoleOther {
				fmt.Fprintln(w, k.t("status.notchild"))
			} else {
				fmt.Fprintln(w, k.t("status.nochildren"))
			}
		}
		for _, c := range st.Children {
			if c.Elsewhere { // a child of the family's other PCs (a family hub)
				fmt.Fprintf(w, "%s\t%s\n", c.Name, k.t("state.elsewhere", strings.Join(c.PCs, ", ")))
				fmt.Fprintf(w, "  %s\t%s\n", k.t("screen"), k.t("used", k.dur(c.ScreenUsedSec)))
				fmt.Fprintf(w, "  %s\t%s\n", k.t("games"), k.t("used", k.dur(c.GamesUsedSec)))
				continue
			}
			name := c.Name
			if c.DefaultProfile {
				name = k.t("status.held", c.Name)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", name, k.t("state."+c.State), assets.T(k.lang, c.ReasonKey))
			fmt.Fprintf(w, "  %s\t%s\t%s\n", k.t("screen"), k.t("used", k.dur(c.ScreenUsedSec)), k.t("left", k.dur(c.ScreenLeftSec)))
			fmt.Fprintf(w, "  %s\t%s\t%s\n", k.t("games"), k.t("used", k.dur(c.GamesUsedSec)), k.t("left", k.dur(c.GamesLeftSec)))
			if c.Web != nil {
				fmt.Fprintf(w, "  %s\t%s\t%s\n", k.t("web.status"), c.Web.Filter, k.t("web.blockedtoday", k.webBlocked(c.Web.BlockedToday, c.Web.ByCategory)))
				if c.Web.Closed {
					fmt.Fprintf(w, "  %s\n", k.t("web.closed"))
				}
			}
		}
		if st.Pending > 0 {
			fmt.Fprintln(w, k.tn("status.pending", st.Pending, st.Pending))
		}
		if st.SchoolKey != "" {
			fmt.Fprintln(w, k.t("status.schoolkey", st.SchoolKey))
		}
		if h := st.Hub; h != nil {
			state, last := k.t("status.hub.offline"), k.t("hub.never")
			if h.Connected {
				state = k.t("status.hub.connected")
			}
			if h.LastSync != nil {
				last = h.LastSync.Local().Format("2006-01-02 15:04:05")
			}
			kind := k.t("status.hub.school")
			if h.Kind == "family" {
				kind = k.t("status.hub.family")
			}
			fmt.Fprintln(w, k.t("status.hub", h.URL, kind, state, last))
		}
		for _, h := range st.Help {
			fmt.Fprintf(w, "%s: %s\n", h.Name, h.Number)
		}
	})
}

// pinFlags are the flags of setup and login: the PIN is never an argument.
func pinFlags(fs *flag.FlagSet, pinStdin *bool) {
	fs.BoolVar(pinStdin, "pin-stdin", false, "flag.pin-stdin")
}

func (k *cli) setup(ctx context.Context, pinStdin *bool, _ []string) error {
	return k.logIn(ctx, "setup", *pinStdin)
}

func (k *cli) login(ctx context.Context, pinStdin *bool, _ []string) error {
	return k.logIn(ctx, "login", *pinStdin)
}

// logIn sets the PIN (setup) or checks it (login), and keeps the token.
func (k *cli) logIn(ctx context.Context, name string, pinStdin bool) error {
	pin, err := k.readPIN(pinStdin)
	if err != nil {
		return err
	}
	var resp apitype.LoginResponse
	if name == "setup" {
		resp, err = k.c.Setup(ctx, pin)
	} else {
		resp, err = k.c.Login(ctx, pin)
	}
	if err != nil {
		return err
	}
	if err := saveToken(resp.Token); err != nil {
		fmt.Fprintf(k.stderr, "kidtime: %v\n", err)
	}
	return k.out(resp, func(w io.Writer) {
		fmt.Fprintln(w, k.t(name+".ok", resp.Expires.Local().Format("15:04")))
	})
}

func (k *cli) readPIN(pinStdin bool) (string, error) {
	if !pinStdin {
		return "", badUsage("the PIN is read from standard input: add --pin-stdin")
	}
	r := bufio.NewReader(k.stdin)
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return "", badUsage("no PIN on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (k *cli) logout(ctx context.Context, _ []string) error {
	if k.c.Token != "" {
		// Revoke it on the daemon too; a daemon that is down cannot accept
		// it either, so go on and forget it.
		if err := k.c.Logout(ctx); err != nil {
			fmt.Fprintf(k.stderr, "kidtime: %v\n", err)
		}
	}
	if p := tokenPath(); p != "" {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return k.ok("logout.ok")
}

// tokenPath is where a parent's token is kept between commands: the
// user's runtime folder (gone at logout) or their config folder.
func tokenPath() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "kidtime", "token")
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "kidtime", "token")
	}
	return ""
}

func loadToken() string {
	if t := os.Getenv("KIDTIME_TOKEN"); t != "" {
		return t
	}
	p := tokenPath()
	if p == "" {
		return ""
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func saveToken(tok string) error {
	p := tokenPath()
	if p == "" {
		return fmt.Errorf("no folder to keep the token in; set KIDTIME_TOKEN")
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("keep token: %w", err)
	}
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		return fmt.Errorf("keep token: %w", err)
	}
	return nil
}
