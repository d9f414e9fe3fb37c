package api_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/ipc"
)

var limitSeq atomic.Int64

// testAddress is where a test listens: a socket in a temporary folder, or
// on Windows a named pipe of a name no other test uses.
func testAddress(t *testing.T) string {
	if runtime.GOOS == "windows" {
		return fmt.Sprintf(`\\.\pipe\kidtime-limit-test-%d-%d`, os.Getpid(), limitSeq.Add(1))
	}
	return filepath.Join(t.TempDir(), "s.sock")
}

// dialHeld opens n connections and keeps them.
func dialHeld(t *testing.T, sock string, n int) []net.Conn {
	t.Helper()
	var cs []net.Conn
	for range n {
		c, err := ipc.Dial(context.Background(), sock)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		cs = append(cs, c)
	}
	t.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
	return cs
}

// closedByServer reports whether the server closed c without answering.
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err == io.EOF
}

// One account cannot hold more than its share of connections, nor all
// accounts together more than the total; a connection freed makes room.
func TestLimitListener(t *testing.T) {
	cases := []struct {
		sentence    string
		total, per  int
		held        int
		wantRefused bool
	}{
		{"within the caller's share, a connection is served", 10, 4, 3, false},
		{"over the caller's share, a connection is closed at once", 10, 4, 4, true},
		{"over the total, a connection is closed at once", 3, 10, 3, true},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			sock := testAddress(t)
			raw, err := ipc.Listen(sock)
			if err != nil {
				t.Fatal(err)
			}
			l := api.LimitListener(raw, tc.total, tc.per, nil)
			defer l.Close()
			accepted := make(chan net.Conn, 64)
			go func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					accepted <- c
				}
			}()
			held := dialHeld(t, sock, tc.held)
			var server []net.Conn
			for range held {
				select {
				case c := <-accepted:
					server = append(server, c)
				case <-time.After(2 * time.Second):
					t.Fatal("a connection within the limits was not accepted")
				}
			}
			extra := dialHeld(t, sock, 1)[0]
			if got := closedByServer(extra); got != tc.wantRefused {
				t.Fatalf("the next connection closed by the server: %v; want %v", got, tc.wantRefused)
			}
			if !tc.wantRefused {
				return
			}
			// Freeing one makes room again.
			server[0].Close()
			again := dialHeld(t, sock, 1)[0]
			select {
			case <-accepted:
			case <-time.After(2 * time.Second):
				t.Error("after one connection closed, a new one was not accepted")
			}
			_ = again
		})
	}
}
