package main

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/kidtime/kidtime/agent"
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
// Linux; elsewhere web.ErrNoFirewall, which the agent reports).
func firewall() (agent.WebFirewall, error) {
	f, err := web.NewFirewallNamed(webTable())
	if err != nil {
		return nil, err
	}
	return f, nil
}

// webRemove removes what the safe web wrote outside the data folder: the
// firewall table (the daemon leaves it when it stops, so that a child's
// DNS fails closed).
func webRemove(stdout, stderr io.Writer) int {
	if err := web.RemoveTable(webTable()); err != nil {
		fmt.Fprintf(stderr, "kidtimed web-remove: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "kidtimed: the safe web's firewall table is removed")
	return 0
}
