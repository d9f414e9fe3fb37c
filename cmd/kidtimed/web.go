package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"

	"github.com/kidtime/kidtime/agent"
	"github.com/kidtime/kidtime/agent/platform"
	"github.com/kidtime/kidtime/agent/web"
)

// webTable is the firewall table's name: kidtime's, or KIDTIMED_WEB_TABLE
// (tests running several daemons side by side give each its own).
func webTable() string {
	if t := os.Getenv("KIDTIMED_WEB_TABLE"); t != "" {
		return t
	}
	return web.TableName
}

// webPortBase is the first resolver port: KIDTIMED_WEB_PORTS, else the
// agent's default (5300).
func webPortBase() int {
	n, _ := strconv.Atoi(os.Getenv("KIDTIMED_WEB_PORTS"))
	return n
}

// firewall opens kidtime's firewall table for the safe web (nftables on
// Linux; on Windows the system resolver setting, following the console's
// child; elsewhere web.ErrNoFirewall, which the agent reports).
func firewall() (agent.WebFirewall, error) {
	f, err := web.NewFirewallNamed(webTable())
	if err != nil {
		return nil, err
	}
	if s, ok := any(f).(interface {
		SetAccountSIDs(func(uint32) (string, error))
	}); ok { // Windows: its firewall rules name the children's accounts by SID
		s.SetAccountSIDs(platform.SIDOfUID)
	}
	return f, nil
}

// browserPolicies writes the managed browser policies turning off the
// browsers' own DNS over HTTPS (Linux: files; Windows: the registry).
func browserPolicies() error {
	switch runtime.GOOS {
	case "linux":
		_, err := web.WriteBrowserPolicies("/")
		return err
	case "windows":
		_, err := web.WriteBrowserRegistry("SOFTWARE")
		return err
	}
	return nil
}

// webRemove removes what the safe web wrote outside the data folder: the
// firewall table (the daemon leaves it when it stops, so that a child's
// DNS fails closed) and the browser policies.
func webRemove(stdout, stderr io.Writer) int {
	code := 0
	if err := web.RemoveTable(webTable()); err != nil {
		fmt.Fprintf(stderr, "kidtimed web-remove: %v\n", err)
		code = 1
	}
	if runtime.GOOS == "linux" && os.Getenv("KIDTIMED_WEB_TABLE") == "" {
		if err := web.RemoveBrowserPolicies("/"); err != nil {
			fmt.Fprintf(stderr, "kidtimed web-remove: %v\n", err)
			code = 1
		}
	}
	if runtime.GOOS == "windows" && os.Getenv("KIDTIMED_WEB_TABLE") == "" {
		if err := web.RemoveBrowserRegistry("SOFTWARE"); err != nil {
			fmt.Fprintf(stderr, "kidtimed web-remove: %v\n", err)
			code = 1
		}
	}
	if code == 0 {
		if runtime.GOOS == "windows" {
			fmt.Fprintln(stdout, "kidtimed: the network interfaces have their own DNS servers back; the safe web's firewall rules and browser policies are removed")
		} else {
			fmt.Fprintln(stdout, "kidtimed: the safe web's firewall table and browser policies are removed")
		}
	}
	return code
}

func browserPoliciesUnlessTest() func() error {
	if os.Getenv("KIDTIMED_WEB_TABLE") != "" {
		return nil
	}
	return browserPolicies
}
