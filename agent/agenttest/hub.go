package agenttest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/hub"
	"github.com/kidtime/kidtime/agent/ipc"
)

// Hub is a real hub for the tests of its clients (the CLI, the console's
// Hub tab): agent/hub with its embedded NATS JetStream in a temporary
// folder, TLS on loopback, and its admin socket's real routes served on a
// Unix socket at Socket.
type Hub struct {
	*hub.Hub
	// Socket is the admin socket's path (a client.Client's Socket).
	Socket string
}

// HubOptions tune StartHub.
type HubOptions struct {
	// Refuse makes every caller of the admin socket someone who is not an
	// administrator (the hub refuses its routes but health), as another
	// account of the machine would be.
	Refuse bool
	// Family runs a family's hub (kidtimed hub run --family); else a
	// school's.
	Family bool
}

// StartHub runs a hub until the test ends.
func StartHub(t testing.TB, opt HubOptions) *Hub {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := hub.Open(hub.Config{DataDir: t.TempDir(), Listen: "127.0.0.1:0", Logger: quiet, Family: opt.Family})
	if err != nil {
		t.Fatalf("agenttest: hub: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-h.Ready():
	case err := <-done:
		t.Fatalf("agenttest: hub: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("agenttest: the hub is not ready after 30 s")
	}
	// a short folder: a Unix socket's path has at most 108 bytes
	dir, err := os.MkdirTemp("", "kthub")
	if err != nil {
		t.Fatalf("agenttest: hub socket: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	sock := filepath.Join(dir, "hub.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("agenttest: hub socket: %v", err)
	}
	identify := hub.Identify
	if opt.Refuse {
		identify = func(_ context.Context, p ipc.Peer, token string) api.Caller {
			return api.Caller{Peer: p, Token: token, Role: apitype.RoleOther}
		}
	}
	served := make(chan error, 1)
	go func() { served <- api.New(h.Routes(), identify, quiet).Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-served })
	return &Hub{Hub: h, Socket: sock}
}

// Join joins the world's PC to the hub under name, as an administrator
// would with kidtime join; the PC then sends its children's days.
func (h *Hub) Join(w *World, name string) {
	w.t.Helper()
	tok, err := h.Invite(name, time.Hour, h.Addr())
	if err != nil {
		w.t.Fatalf("agenttest: hub invite: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := w.Client(Root).Join(ctx, apitype.JoinRequest{Token: tok.String(), Name: name})
	if err != nil {
		w.t.Fatalf("agenttest: join %s: %v", name, err)
	}
	if !strings.HasPrefix(st.URL, "tls://") {
		w.t.Fatalf("agenttest: join %s: %+v; want the hub's tls:// URL", name, st)
	}
}
