package hubsync

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// ErrUnreachable wraps a hub that could not be reached or did not answer.
var ErrUnreachable = errors.New("the hub cannot be reached")

// Enrol joins the hub a token names: a fresh nkey, a TLS connection pinned
// to the token's fingerprint, the token's secret sent with the public key.
// The hub's refusals come back as *wire.Error (a used or expired token).
func Enrol(ctx context.Context, token, name, osName, version string) (Creds, error) {
	t, err := wire.ParseToken(token)
	if err != nil {
		return Creds{}, err
	}
	if !time.Now().Before(t.Expires) {
		return Creds{}, wire.ErrTokenExpired(t.Expires)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return Creds{}, fmt.Errorf("PC key: %w", err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	hubID := wire.HubID(t.Fingerprint)
	nc, err := nats.Connect("tls://"+t.Hub, nats.Secure(wire.PinnedTLS(t.Fingerprint)),
		nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(wire.Inbox(pub)), nats.Name("kidtime enrol"),
		nats.Timeout(10*time.Second), nats.NoReconnect())
	if err != nil {
		if errors.Is(err, wire.ErrNotPinned) || strings.Contains(err.Error(), wire.ErrNotPinned.Error()) {
			return Creds{}, &wire.Error{Key: "err.hub.notPinned", Args: map[string]string{"hub": t.Hub},
				Msg: fmt.Sprintf("the hub at %s is not the one the token names (its certificate authority differs); ask for a new token", t.Hub)}
		}
		return Creds{}, fmt.Errorf("%w at %s: %v", ErrUnreachable, t.Hub, err)
	}
	defer nc.Close()
	host, _ := os.Hostname()
	body, _ := json.Marshal(wire.EnrolRequest{Secret: t.Secret, Name: name, Host: host, OS: osName, Version: version})
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	m, err := nc.RequestWithContext(rctx, wire.EnrolSubject(hubID, pub), body)
	if err != nil {
		return Creds{}, fmt.Errorf("%w at %s: enrol: %v", ErrUnreachable, t.Hub, err)
	}
	var rep wire.EnrolReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return Creds{}, fmt.Errorf("the hub's answer is unreadable: %w", err)
	}
	if rep.Error != nil {
		return Creds{}, rep.Error
	}
	if !rep.OK || !wire.ValidPCID(rep.PC) {
		return Creds{}, errors.New("the hub's answer names no PC")
	}
	return Creds{Hub: t.Hub, Fingerprint: strings.ToLower(t.Fingerprint), HubID: hubID, PC: rep.PC, Name: rep.Name,
		Seed: string(seed), Joined: time.Now().UTC(), Kind: wire.NormKind(rep.Kind)}, nil
}

// Options are a connection's callbacks.
type Options struct {
	Logger *slog.Logger
	// OnPolicy gets every signed policy the hub publishes, and the newest
	// one at each connect (the same bytes are not handed twice in a row).
	OnPolicy func(raw []byte)
	// OnConnect is called at each (re)connect, for a hello and a resend.
	OnConnect func()
	// OnUsage, when set, gets every rollup of the hub's PCs as it comes
	// (this PC's own too), and at each connect the last ones of Today().
	OnUsage func(wire.Rollup)
	// Today is the day whose rollups a connect fetches (the trusted day).
	Today func() string

	// OnRequest, when set, gets every request of the family's PCs (this
	// PC's own too) as it comes, and the last state of each at each
	// connect (requests.go).
	OnRequest func(wire.FamilyRequest)
	// OnAnswer, when set, takes a parent's answer from another PC (its id)
	// to a request asked on this PC, and says what became of it.
	OnAnswer func(from string, a wire.Answer) wire.AnswerReply
	// OnKept, when set, takes an answer another PC (its id) gave to a
	// request asked on this PC while this PC was out of reach, kept by
	// the hub: live, and those kept meanwhile at each connect. The same
	// answer can come more than once: take it once (requests.go).
	OnKept func(from string, a wire.Answer)

	// OnKind, when set, is told that the hub's kind is not the one the
	// credentials said (the hub was restarted with or without --family).
	// The connection follows the credentials' kind (what it reads, what
	// it is allowed): the caller keeps the new kind and connects again.
	OnKind func(kind string)
}

// Client is a joined PC's connection to its hub.
type Client struct {
	creds Creds
	opts  Options
	log   *slog.Logger
	nc    *nats.Conn
	js    jetstream.JetStream

	mu         sync.Mutex
	kind       string // the hub's, as it said at the last connect ("" = the credentials')
	lastSync   time.Time
	lastPolicy [32]byte
	policyMu   sync.Mutex    // one policy handed at a time, in order
	keptMu     sync.Mutex    // one kept answer handed at a time
	started    chan struct{} // closed once nc and js are set
}

// Connect starts the connection; it returns at once and keeps trying in
// the background (a PC offline at start syncs when the hub is back).
func Connect(creds Creds, opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	kp, err := nkeys.FromSeed([]byte(creds.Seed))
	if err != nil {
		return nil, fmt.Errorf("the hub credentials hold no key: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, err
	}
	c := &Client{creds: creds, opts: opts, log: opts.Logger, started: make(chan struct{})}
	onConnect := func(*nats.Conn) {
		c.log.Info("hub: connected", "hub", creds.Hub)
		go func() {
			<-c.started
			// A round trip first: the server has then taken this
			// connection's subscriptions, so a policy published from now
			// on comes live, and one published before is in the stream
			// that catchUp reads. Without it, a policy published while the
			// subscription was still on its way was missed until the next
			// reconnect (TestScaleFanOut found it).
			_ = c.nc.FlushTimeout(5 * time.Second)
			c.learnKind()
			c.catchUp()
			if opts.OnConnect != nil {
				opts.OnConnect()
			}
		}()
	}
	nc, err := nats.Connect(creds.URL(), nats.Secure(wire.PinnedTLS(creds.Fingerprint)),
		nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(wire.Inbox(creds.PC)), nats.Name("kidtime "+creds.Name),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(2*time.Second),
		nats.ReconnectJitter(500*time.Millisecond, time.Second), nats.Timeout(5*time.Second),
		nats.ConnectHandler(onConnect), nats.ReconnectHandler(onConnect),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				c.log.Info("hub: disconnected", "hub", creds.Hub, "err", err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			c.log.Warn("hub: error", "err", err)
		}))
	if err != nil {
		return nil, fmt.Errorf("hub connection: %w", err)
	}
	c.nc = nc
	if c.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	if _, err := nc.Subscribe(wire.PolicySubject(creds.HubID), func(m *nats.Msg) { c.policy(m.Data) }); err != nil {
		nc.Close()
		return nil, fmt.Errorf("hub: follow the policy: %w", err)
	}
	// A school hub's PC reads no other PC's data (the server would refuse).
	if opts.OnUsage != nil && creds.Family() {
		if _, err := nc.Subscribe(wire.UsageWildcard(creds.HubID), func(m *nats.Msg) { c.usage(m.Subject, m.Data) }); err != nil {
			nc.Close()
			return nil, fmt.Errorf("hub: follow the family's usage: %w", err)
		}
	}
	if err := c.followFamily(); err != nil {
		nc.Close()
		return nil, err
	}
	close(c.started)
	return c, nil
}

// Creds are the credentials in use.
func (c *Client) Creds() Creds { return c.creds }

// Kind is the hub's kind as last learnt (the credentials', then the hub's
// answer at each connect).
func (c *Client) Kind() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.kind == "" {
		return wire.NormKind(c.creds.Kind)
	}
	return c.kind
}

// learnKind asks the hub its kind; a kind other than the credentials'
// goes to OnKind. A hub that does not answer (an older one, or out of
// reach) leaves the kind as it was.
func (c *Client) learnKind() {
	m, err := c.nc.Request(wire.InfoSubject(c.creds.HubID, c.creds.PC), nil, 5*time.Second)
	if err != nil {
		c.log.Info("hub: the hub's kind could not be read", "err", err)
		return
	}
	var in wire.Info
	if json.Unmarshal(m.Data, &in) != nil || in.Kind == "" {
		return
	}
	k := wire.NormKind(in.Kind)
	c.mu.Lock()
	changed := k != c.kind && k != wire.NormKind(c.creds.Kind)
	c.kind = k
	c.mu.Unlock()
	if changed && c.opts.OnKind != nil {
		c.log.Info("hub: the hub's kind changed", "was", wire.NormKind(c.creds.Kind), "now", k)
		c.opts.OnKind(k)
	}
}

// Connected reports whether the hub is reachable now.
func (c *Client) Connected() bool { return c.nc.IsConnected() }

// LastSync is when the hub last took something from this PC or gave it a
// policy.
func (c *Client) LastSync() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSync
}

func (c *Client) synced() {
	c.mu.Lock()
	c.lastSync = time.Now()
	c.mu.Unlock()
}

func (c *Client) usage(subject string, data []byte) {
	var r wire.Rollup
	if json.Unmarshal(data, &r) != nil {
		return
	}
	// The subject, which the server let only that PC publish, says whose
	// rollup it is.
	r.PC = wire.PCFromSubject(subject)
	if r.PC != "" {
		c.opts.OnUsage(r)
	}
}

// usageOf fetches the last rollup of every PC and child for a day, in one
// batch (a direct get of the last message per subject).
func (c *Client) usageOf(day string) error {
	return c.lastOfEach(wire.DirectGetUsage(), wire.UsageOfDay(c.creds.HubID, day), c.usage)
}

// lastOfEach asks the stream behind api (a direct get) for the last
// message of every subject that matches filter, in one batch, and hands
// each to got with its subject.
func (c *Client) lastOfEach(api, filter string, got func(subject string, data []byte)) error {
	inbox := c.nc.NewInbox()
	sub, err := c.nc.SubscribeSync(inbox)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	req, _ := json.Marshal(map[string]any{"multi_last": []string{filter}, "batch": 10000})
	if err := c.nc.PublishRequest(api, inbox, req); err != nil {
		return err
	}
	for {
		m, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			return err
		}
		if st := m.Header.Get("Status"); st != "" {
			if st == "204" || st == "404" {
				return nil
			}
			return fmt.Errorf("status %s %s", st, m.Header.Get("Description"))
		}
		got(m.Header.Get("Nats-Subject"), m.Data)
	}
}

// catchUp fetches the newest policy (a PC offline when it was published),
// and today's rollups of the family's PCs.
func (c *Client) catchUp() {
	if c.opts.OnUsage != nil && c.opts.Today != nil && c.creds.Family() {
		if err := c.usageOf(c.opts.Today()); err != nil {
			c.log.Info("hub: the family's usage could not be read", "err", err)
		}
	}
	if err := c.requestsCatchUp(); err != nil {
		c.log.Info("hub: the family's requests could not be read", "err", err)
	}
	if err := c.collect(); err != nil {
		c.log.Info("hub: the answers kept for this PC could not be read", "err", err)
	}
	m, err := c.nc.Request(wire.DirectGetPolicy(c.creds.HubID), nil, 10*time.Second)
	if err != nil {
		c.log.Info("hub: the newest policy could not be read", "err", err)
		return
	}
	if s := m.Header.Get("Status"); s != "" {
		if s != "404" {
			c.log.Info("hub: the newest policy could not be read", "status", s, "why", m.Header.Get("Description"))
		}
		c.synced()
		return
	}
	c.policy(m.Data)
}

func (c *Client) policy(raw []byte) {
	if len(raw) == 0 {
		return
	}
	sum := sha256.Sum256(raw)
	c.policyMu.Lock()
	defer c.policyMu.Unlock()
	c.mu.Lock()
	same := sum == c.lastPolicy
	c.lastPolicy = sum
	c.mu.Unlock()
	c.synced()
	if same || c.opts.OnPolicy == nil {
		return
	}
	c.opts.OnPolicy(raw)
}

// Hello tells the hub who this PC is.
func (c *Client) Hello(h wire.Hello) error {
	b, _ := json.Marshal(h)
	if err := c.nc.Publish(wire.HelloSubject(c.creds.HubID, c.creds.PC), b); err != nil {
		return err
	}
	return c.nc.FlushTimeout(5 * time.Second)
}

// PublishRollup sends a child's day; JetStream drops a resend of the same
// revision (its message id).
func (c *Client) PublishRollup(ctx context.Context, r wire.Rollup) error {
	r.PC = c.creds.PC
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := c.js.Publish(ctx, wire.UsageSubject(c.creds.HubID, c.creds.PC, r.Child, r.Day), b, jetstream.WithMsgID(r.MsgID())); err != nil {
		return fmt.Errorf("hub: publish the rollup: %w", err)
	}
	c.synced()
	return nil
}

// Forward asks the hub to publish a signed policy for every PC.
func (c *Client) Forward(ctx context.Context, raw []byte) (wire.PolicyReply, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	m, err := c.nc.RequestWithContext(ctx, wire.ForwardSubject(c.creds.HubID, c.creds.PC), raw)
	if err != nil {
		return wire.PolicyReply{}, fmt.Errorf("%w: forward the policy: %v", ErrUnreachable, err)
	}
	var rep wire.PolicyReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return rep, fmt.Errorf("the hub's answer is unreadable: %w", err)
	}
	if rep.Error != nil {
		return rep, rep.Error
	}
	c.synced()
	return rep, nil
}

// Leave tells the hub this PC leaves (it forgets the PC and refuses its
// key), then closes. A hub out of reach is told nothing: its administrator
// can still remove the PC.
func (c *Client) Leave(ctx context.Context) error {
	defer c.nc.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.nc.RequestWithContext(ctx, wire.LeaveSubject(c.creds.HubID, c.creds.PC), nil); err != nil {
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	return nil
}

// Close closes the connection.
func (c *Client) Close() { c.nc.Close() }
