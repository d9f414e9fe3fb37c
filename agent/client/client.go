// Package client is the typed client of kidtimed's local API, used by the CLI
// and the Fyne app. Its zero value dials the default socket
// (ipc.DefaultPath, or $KIDTIME_SOCKET).
//
//	var c client.Client
//	st, err := c.Status(ctx)
//
// A parent token obtained with Setup or Login is kept in Token and sent with
// every later call. Every non-2xx answer comes back as an *APIError.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/ipc"
	"github.com/kidtime/kidtime/rules"
)

// Client talks to kidtimed. The zero value is ready to use.
type Client struct {
	// Socket is the path of the daemon's socket; "" means ipc.DefaultPath().
	Socket string
	// Token is the parent token sent as a bearer token, set by Setup and Login.
	Token string
	// Timeout bounds each call; 0 means 30 s.
	Timeout time.Duration
	// Dial, when set, replaces ipc.Dial of Socket: tests hand the client an
	// in-process listener's dialer (like tailscale's client/local Dial).
	Dial func(ctx context.Context) (net.Conn, error)

	once sync.Once
	hc   *http.Client
	mu   sync.Mutex
}

// APIError is an answer with a non-2xx status: the daemon's apitype.Error.
type APIError struct {
	Status        int    // HTTP status
	Message       string // what was wrong, as a sentence
	Field         string // the field at fault, if any
	Code          string // apitype.Code*
	RetryAfterSec int64  // with rate_limited
	// Key and Args name the sentence in the translations (apitype.Error):
	// render it with assets.ErrorSentence in the person's language.
	Key  string
	Args map[string]string
}

func (e *APIError) Error() string {
	if e.Field != "" && !strings.HasPrefix(e.Message, e.Field) {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// IsCode reports whether err is an *APIError with the given apitype code.
func IsCode(err error, code string) bool {
	ae, ok := AsAPIError(err)
	return ok && ae.Code == code
}

// AsAPIError returns the daemon's answer inside err, if err carries one: the
// one place callers (CLI, console, companion) read an API error's code,
// field, wait and sentence.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	return nil, false
}

func (c *Client) socket() string {
	if c.Socket != "" {
		return c.Socket
	}
	return ipc.DefaultPath()
}

// Close closes the idle connection the client keeps to the daemon (each
// account may hold only a few: see api.LimitListener). The client stays
// usable.
func (c *Client) Close() { c.http().CloseIdleConnections() }

func (c *Client) http() *http.Client {
	c.once.Do(func() {
		c.hc = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				if c.Dial != nil {
					return c.Dial(ctx)
				}
				return ipc.DialAny(ctx, c.socket())
			},
			MaxIdleConns:    2,
			IdleConnTimeout: 30 * time.Second,
		}}
	})
	return c.hc
}

func (c *Client) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Token
}

func (c *Client) setToken(t string) {
	c.mu.Lock()
	c.Token = t
	c.mu.Unlock()
}

// do sends one request; in and out may be nil. out may be *[]byte for a raw body.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	switch v := in.(type) {
	case nil:
	case rawBody:
		body = bytes.NewReader(v) // sent byte for byte
	default:
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	u := "http://kidtimed.local" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t := c.token(); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("kidtimed at %s: %w", c.socket(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var body apitype.Error
		if err := json.Unmarshal(data, &body); err != nil || body.Error == "" {
			body = apitype.Error{Error: fmt.Sprintf("%s %s: %s", method, path, resp.Status), Code: apitype.CodeInternal}
		}
		return &APIError{Status: resp.StatusCode, Message: body.Error, Field: body.Field, Code: body.Code, RetryAfterSec: body.RetryAfterSec, Key: body.Key, Args: body.Args}
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = data
		return nil
	default:
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode answer of %s %s: %w", method, path, err)
		}
		return nil
	}
}

// Health checks that the daemon answers and tells the caller's role.
func (c *Client) Health(ctx context.Context) (apitype.Health, error) {
	var h apitype.Health
	err := c.do(ctx, http.MethodGet, apitype.RouteHealth, nil, nil, &h)
	return h, err
}

// Status returns the children the caller may see, with their day so far.
func (c *Client) Status(ctx context.Context) (apitype.Status, error) {
	var s apitype.Status
	err := c.do(ctx, http.MethodGet, apitype.RouteStatus, nil, nil, &s)
	return s, err
}

// Setup sets the first PIN (admin only) and keeps the parent token.
func (c *Client) Setup(ctx context.Context, pin string) (apitype.LoginResponse, error) {
	var r apitype.LoginResponse
	if err := c.do(ctx, http.MethodPost, apitype.RouteSetup, nil, apitype.SetupRequest{PIN: pin}, &r); err != nil {
		return r, err
	}
	c.setToken(r.Token)
	return r, nil
}

// Login exchanges the PIN for a parent token and keeps it.
func (c *Client) Login(ctx context.Context, pin string) (apitype.LoginResponse, error) {
	var r apitype.LoginResponse
	if err := c.do(ctx, http.MethodPost, apitype.RouteLogin, nil, apitype.LoginRequest{PIN: pin}, &r); err != nil {
		return r, err
	}
	c.setToken(r.Token)
	return r, nil
}

// Logout revokes the parent token on the daemon and forgets it.
func (c *Client) Logout(ctx context.Context) error {
	err := c.do(ctx, http.MethodDelete, apitype.RouteLogin, nil, nil, nil)
	c.setToken("")
	return err
}

// ChangePIN replaces the PIN.
func (c *Client) ChangePIN(ctx context.Context, old, new string) error {
	return c.do(ctx, http.MethodPost, apitype.RoutePIN, nil, apitype.ChangePINRequest{Old: old, New: new}, nil)
}

// Accounts lists the machine's OS accounts.
func (c *Client) Accounts(ctx context.Context) ([]apitype.Account, error) {
	var a []apitype.Account
	err := c.do(ctx, http.MethodGet, apitype.RouteAccounts, nil, nil, &a)
	return a, err
}

// CreateAccount makes a standard OS account for a child (administrators
// only).
func (c *Client) CreateAccount(ctx context.Context, req apitype.NewAccountRequest) (apitype.Account, error) {
	var a apitype.Account
	err := c.do(ctx, http.MethodPost, apitype.RouteAccounts, nil, req, &a)
	return a, err
}

// Children lists the children.
func (c *Client) Children(ctx context.Context) ([]apitype.Child, error) {
	var ch []apitype.Child
	err := c.do(ctx, http.MethodGet, apitype.RouteChildren, nil, nil, &ch)
	return ch, err
}

// AddChild adds a child with the age preset.
func (c *Client) AddChild(ctx context.Context, r apitype.AddChildRequest) (apitype.Child, error) {
	var ch apitype.Child
	err := c.do(ctx, http.MethodPost, apitype.RouteChildren, nil, r, &ch)
	return ch, err
}

// RemoveChild removes a child and erases their data.
func (c *Client) RemoveChild(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, apitype.RouteChild+url.PathEscape(name), nil, nil, nil)
}

// ChildPolicy returns a child's policy as written (before presets are applied).
func (c *Client) ChildPolicy(ctx context.Context, name string) (rules.Child, error) {
	var s rules.Child
	err := c.do(ctx, http.MethodGet, apitype.RouteChild+url.PathEscape(name)+"/policy", nil, nil, &s)
	return s, err
}

// SetChildPolicy replaces a child's policy; the daemon validates it first.
func (c *Client) SetChildPolicy(ctx context.Context, name string, spec rules.Child) error {
	return c.do(ctx, http.MethodPut, apitype.RouteChild+url.PathEscape(name)+"/policy", nil, spec, nil)
}

// Policy exports the whole policy file.
func (c *Client) Policy(ctx context.Context) (rules.File, error) {
	var f rules.File
	err := c.do(ctx, http.MethodGet, apitype.RoutePolicy, nil, nil, &f)
	return f, err
}

// SetPolicy imports a whole policy file (all or nothing).
func (c *Client) SetPolicy(ctx context.Context, f rules.File) error {
	return c.do(ctx, http.MethodPut, apitype.RoutePolicy, nil, f, nil)
}

// SetPolicyFile sends a policy file as it is, plain or signed (a signed
// school policy must reach the daemon with its signature, which SetPolicy's
// re-encoding would lose); rekey asks to trust the key of a new signed
// policy (administrators only).
func (c *Client) SetPolicyFile(ctx context.Context, data []byte, rekey bool) error {
	q := url.Values{}
	if rekey {
		q.Set("rekey", "1")
	}
	return c.do(ctx, http.MethodPut, apitype.RoutePolicy, q, rawBody(data), nil)
}

// rawBody is a request body sent exactly as given.
type rawBody []byte

// Grant gives a child more time today.
func (c *Client) Grant(ctx context.Context, r apitype.GrantRequest) error {
	return c.do(ctx, http.MethodPost, apitype.RouteGrant, nil, r, nil)
}

// Action locks a child's session now or pauses games for today.
func (c *Client) Action(ctx context.Context, r apitype.ActionRequest) error {
	return c.do(ctx, http.MethodPost, apitype.RouteAction, nil, r, nil)
}

// Ask sends a child's request for more time.
func (c *Client) Ask(ctx context.Context, r apitype.AskRequest) (apitype.Request, error) {
	var out apitype.Request
	err := c.do(ctx, http.MethodPost, apitype.RouteRequests, nil, r, &out)
	return out, err
}

// Requests lists requests ("" = all statuses); a child sees only their own.
func (c *Client) Requests(ctx context.Context, status string) ([]apitype.Request, error) {
	var out []apitype.Request
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	err := c.do(ctx, http.MethodGet, apitype.RouteRequests, q, nil, &out)
	return out, err
}

// Answer approves or denies a request.
func (c *Client) Answer(ctx context.Context, id int64, a apitype.AnswerRequest) (apitype.Request, error) {
	var out apitype.Request
	err := c.do(ctx, http.MethodPost, apitype.RouteAnswer+strconv.FormatInt(id, 10)+"/answer", nil, a, &out)
	return out, err
}

// Usage reports usage between two days (inclusive), by day, app or category.
func (c *Client) Usage(ctx context.Context, child, from, to, by string) (apitype.Usage, error) {
	var out apitype.Usage
	q := url.Values{}
	for k, v := range map[string]string{"child": child, "from": from, "to": to, "by": by} {
		if v != "" {
			q.Set(k, v)
		}
	}
	err := c.do(ctx, http.MethodGet, apitype.RouteUsage, q, nil, &out)
	return out, err
}

// Events lists events since a time, for one child or all ("").
func (c *Client) Events(ctx context.Context, since time.Time, child string) ([]apitype.Event, error) {
	var out []apitype.Event
	q := url.Values{"since": {since.Format(time.RFC3339)}}
	if child != "" {
		q.Set("child", child)
	}
	err := c.do(ctx, http.MethodGet, apitype.RouteEvents, q, nil, &out)
	return out, err
}

// Apps lists the apps a child used over the last days.
func (c *Client) Apps(ctx context.Context, child string, days int) ([]apitype.AppUsage, error) {
	var out []apitype.AppUsage
	q := url.Values{"child": {child}, "days": {strconv.Itoa(days)}}
	err := c.do(ctx, http.MethodGet, apitype.RouteApps, q, nil, &out)
	return out, err
}

// Installed lists the apps installed on the computer, for rules set before
// a child runs them.
func (c *Client) Installed(ctx context.Context) ([]apitype.InstalledApp, error) {
	var out []apitype.InstalledApp
	err := c.do(ctx, http.MethodGet, apitype.RouteInstalled, nil, nil, &out)
	return out, err
}

// Code returns the current parent code.
func (c *Client) Code(ctx context.Context) (apitype.Code, error) {
	var out apitype.Code
	err := c.do(ctx, http.MethodGet, apitype.RouteCode, nil, nil, &out)
	return out, err
}

// NewCode makes a new parent-code secret; it is shown once.
func (c *Client) NewCode(ctx context.Context) (apitype.CodeSetup, error) {
	var out apitype.CodeSetup
	err := c.do(ctx, http.MethodPost, apitype.RouteCode, nil, struct{}{}, &out)
	return out, err
}

// Heartbeat reports the child's session and returns their status.
func (c *Client) Heartbeat(ctx context.Context, hb apitype.Heartbeat) (apitype.ChildStatus, error) {
	var out apitype.ChildStatus
	err := c.do(ctx, http.MethodPost, apitype.RouteHeartbeat, nil, hb, &out)
	return out, err
}

// Export returns everything stored about a child, as JSON.
func (c *Client) Export(ctx context.Context, child string) ([]byte, error) {
	var out []byte
	err := c.do(ctx, http.MethodGet, apitype.RouteExport, url.Values{"child": {child}}, nil, &out)
	return out, err
}

// Erase erases everything stored about a child.
func (c *Client) Erase(ctx context.Context, child string) error {
	return c.do(ctx, http.MethodPost, apitype.RouteErase, nil, apitype.EraseRequest{Child: child}, nil)
}

// Settings returns the daemon's settings.
func (c *Client) Settings(ctx context.Context) (apitype.Settings, error) {
	var out apitype.Settings
	err := c.do(ctx, http.MethodGet, apitype.RouteSettings, nil, nil, &out)
	return out, err
}

// SetSettings changes the daemon's settings.
func (c *Client) SetSettings(ctx context.Context, s apitype.Settings) (apitype.Settings, error) {
	var out apitype.Settings
	err := c.do(ctx, http.MethodPut, apitype.RouteSettings, nil, s, &out)
	return out, err
}

// Sessions lists a child's sessions of screen use between two days
// (inclusive); "" for from and to means the agent's defaults (the last 7
// days up to today).
func (c *Client) Sessions(ctx context.Context, child, from, to string) (apitype.Sessions, error) {
	var out apitype.Sessions
	q := url.Values{}
	for k, v := range map[string]string{"child": child, "from": from, "to": to} {
		if v != "" {
			q.Set(k, v)
		}
	}
	err := c.do(ctx, http.MethodGet, apitype.RouteSessions, q, nil, &out)
	return out, err
}
