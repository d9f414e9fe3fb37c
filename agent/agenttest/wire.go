package agenttest

import (
	"bytes"
	"context"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/kidtime/kidtime/agent/client"
)

// Call is one request a client sent: its method, path and query, and the
// body that came with its head (a small body always does).
type Call struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
}

func (c Call) String() string {
	if len(c.Query) == 0 {
		return c.Method + " " + c.Path
	}
	return c.Method + " " + c.Path + "?" + c.Query.Encode()
}

// Wire watches the calls of one client of the world as they leave it: the
// tests of a client see what it asked the agent, and can run something
// while a call is on its way (as if the agent took its time), or fail it
// as a broken connection would.
type Wire struct {
	mu     sync.Mutex
	calls  []Call
	before func(Call) error
}

// Watch puts a Wire on the connections of c, a client of a World (from
// Client); call it before c's first call.
func Watch(c *client.Client) *Wire {
	w := &Wire{}
	dial := c.Dial
	c.Dial = func(ctx context.Context) (net.Conn, error) {
		conn, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		return &wiredConn{Conn: conn, w: w}, nil
	}
	return w
}

// Before sets f to run before each call reaches the agent, while the
// caller waits for its answer (on the client's connection goroutine). When
// f returns an error the call fails with it and the agent never sees it;
// the client may try an idempotent call once more, and f sees that too.
func (w *Wire) Before(f func(Call) error) {
	w.mu.Lock()
	w.before = f
	w.mu.Unlock()
}

// Calls are the calls made so far, in order.
func (w *Wire) Calls() []Call {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Call(nil), w.calls...)
}

// Count is how many calls of method on path were made.
func (w *Wire) Count(method, path string) int {
	n := 0
	for _, c := range w.Calls() {
		if c.Method == method && c.Path == path {
			n++
		}
	}
	return n
}

// Last is the last call of method on path (ok false if none).
func (w *Wire) Last(method, path string) (Call, bool) {
	calls := w.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Method == method && calls[i].Path == path {
			return calls[i], true
		}
	}
	return Call{}, false
}

type wiredConn struct {
	net.Conn
	w *Wire
}

var methods = []string{"GET ", "POST ", "PUT ", "DELETE ", "PATCH ", "HEAD "}

// Write sees each request's head go out: the HTTP transport writes a
// request's head and a small body in one write.
func (c *wiredConn) Write(p []byte) (int, error) {
	if call, ok := parseCall(p); ok {
		c.w.mu.Lock()
		c.w.calls = append(c.w.calls, call)
		before := c.w.before
		c.w.mu.Unlock()
		if before != nil {
			if err := before(call); err != nil {
				return 0, err
			}
		}
	}
	return c.Conn.Write(p)
}

func parseCall(p []byte) (Call, bool) {
	line, rest, ok := bytes.Cut(p, []byte("\r\n"))
	if !ok || !bytes.HasSuffix(line, []byte(" HTTP/1.1")) {
		return Call{}, false
	}
	s := string(line)
	for _, m := range methods {
		if !strings.HasPrefix(s, m) {
			continue
		}
		target := strings.TrimSuffix(strings.TrimPrefix(s, m), " HTTP/1.1")
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return Call{}, false
		}
		call := Call{Method: strings.TrimSpace(m), Path: u.Path, Query: u.Query()}
		if _, body, ok := bytes.Cut(rest, []byte("\r\n\r\n")); ok && len(body) > 0 {
			call.Body = append([]byte(nil), body...)
		}
		return call, true
	}
	return Call{}, false
}
