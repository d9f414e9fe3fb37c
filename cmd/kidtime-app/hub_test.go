package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
)

// The console shows the Hub tab only where the hub runs: a socket named
// by $KIDTIME_HUB_SOCKET (even one not there yet: the tab then says the
// hub cannot be reached), else the system's socket when it exists.
func TestHubClient(t *testing.T) {
	named := filepath.Join(t.TempDir(), "hub.sock")
	t.Setenv(apitype.EnvHubSocket, named)
	if c := hubClient(); c == nil || c.Socket != named {
		t.Errorf("$%s=%s: %+v; want a client of that socket", apitype.EnvHubSocket, named, c)
	}
	t.Setenv(apitype.EnvHubSocket, "")
	sys, _ := apitype.HubSocket()
	_, err := os.Stat(sys)
	switch c := hubClient(); {
	case err != nil && c != nil:
		t.Errorf("no hub socket at %s, yet a Hub tab on %s", sys, c.Socket)
	case err == nil && (c == nil || c.Socket != sys):
		t.Errorf("the hub's socket %s is here, yet %+v", sys, c)
	}
}
