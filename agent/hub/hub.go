// Package hub is kidtime's hub: an embedded NATS server with JetStream
// (github.com/nats-io/nats-server/v2) that the PCs of a family or a school
// join. It serves TLS only, with a certificate authority of its own; it
// enrols PCs with one-time tokens, gives each its own NATS user (an nkey)
// that may publish only its own subjects, keeps the signed policy in force
// and the PCs' daily rollups in streams, and answers the hub's local admin
// socket (invite, pcs, remove, policy publish). The subjects and messages
// are in agent/hub/wire; the layout is in docs/ARCHITECTURE.md ("Hub").
//
// The hub never decides: each PC enforces on its own, offline included.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
)

// DefaultDataDir is where a hub keeps its streams and keys on Unix.
const DefaultDataDir = "/var/lib/kidtime-hub"

// Config configures a hub.
type Config struct {
	// DataDir holds the JetStream file store, the CA and the registry.
	DataDir string
	// Listen is HOST:PORT (default ":4333"); port 0 picks a free one.
	Listen string
	// Advertise is the HOST:PORT tokens name when an invite names none
	// (default: this machine's host name and the port listened on).
	Advertise string
	Logger    *slog.Logger
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
	// Upstream, when set, makes this hub a leaf node of a district's
	// server, in the JetStream domain Domain, so that the district can
	// source this hub's streams (docs/province-sizing.md). Experimental:
	// no command sets it yet.
	Upstream *server.RemoteLeafOpts
	Domain   string
	// Family makes this a family's hub (kidtimed hub run --family): its
	// PCs read each other's rollups and requests and send names and
	// per-app totals. Otherwise it is a school's (wire.KindSchool). The
	// kind of the present run wins over the one in hub.json; a change is
	// logged.
	Family bool
}

// Hub is one hub. Open it, then Run it.
type Hub struct {
	cfg       Config
	log       *slog.Logger
	ca        *authority
	id        string
	adminKP   nkeys.KeyPair
	adminPub  string
	statePath string
	kind      string // wire.KindFamily or wire.KindSchool

	mu    sync.Mutex
	st    state
	dirty bool                                      // last-seen times not yet written
	usage map[string]map[string]map[string]*indexed // pc → day → child → the last rollup
	// indexed is the usage stream's sequence read into usage (report.go);
	// set under mu with the rollup it came with.
	indexed atomic.Uint64
	// The usage index's snapshot (index.go): the stream's creation, and
	// the sequence and time of the last snapshot written or read.
	usageCreated time.Time
	savedSeq     uint64
	savedAt      time.Time
	snapshot     chan snapshotRead // the snapshot, read while the server starts

	ready chan struct{}
	srv   *server.Server
	nc    *nats.Conn
	js    jetstream.JetStream
}

// Open reads (or makes, at the first run) the hub's data folder.
func Open(cfg Config) (*Hub, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("hub: no data folder")
	}
	if cfg.Listen == "" {
		cfg.Listen = ":" + strconv.Itoa(wire.DefaultPort)
	}
	if _, portS, err := net.SplitHostPort(cfg.Listen); err != nil {
		return nil, fmt.Errorf("--listen %q: want HOST:PORT (%v)", cfg.Listen, err)
	} else if port, err := strconv.Atoi(portS); err != nil || port < 0 || port > 65535 {
		// Said before anything is opened (the admin socket, the store).
		return nil, fmt.Errorf("--listen %q: the port must be a number from 0 to 65535", cfg.Listen)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("hub data folder: %w", err)
	}
	ca, err := loadOrCreateCA(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	h := &Hub{cfg: cfg, log: cfg.Logger, ca: ca, statePath: filepath.Join(cfg.DataDir, stateFile),
		usage: map[string]map[string]map[string]*indexed{}, ready: make(chan struct{})}
	h.id = wire.HubID(ca.fingerprint())
	if h.st, err = loadState(h.statePath); err != nil {
		return nil, err
	}
	if err := h.setKind(cfg.Family); err != nil {
		return nil, err
	}
	if h.adminKP, err = nkeys.CreateUser(); err != nil {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	if h.adminPub, err = h.adminKP.PublicKey(); err != nil {
		return nil, fmt.Errorf("hub key: %w", err)
	}
	h.readSnapshot()
	return h, nil
}

// setKind records the kind of this run in the registry: the flag of the
// present run wins, and a change is logged (the PCs learn it at their next
// connect).
func (h *Hub) setKind(family bool) error {
	h.kind = wire.KindSchool
	if family {
		h.kind = wire.KindFamily
	}
	was := h.st.Kind
	if was == h.kind {
		return nil
	}
	switch {
	case was != "":
		h.log.Warn("hub: the hub's kind changed; its PCs follow at their next connect", "was", was, "now", h.kind)
	case len(h.st.PCs) > 0 && !family:
		// A hub made before kinds: its PCs read each other's data until now.
		h.log.Warn("hub: this hub now runs as a school's (its PCs no longer read each other's data); a family's hub runs with --family (kidtimed hub install --family)")
	default:
		h.log.Info("hub: kind", "kind", h.kind)
	}
	h.st.Kind = h.kind
	if err := h.st.save(h.statePath); err != nil {
		return fmt.Errorf("hub: keep the hub's kind: %w", err)
	}
	return nil
}

// Kind is wire.KindFamily or wire.KindSchool.
func (h *Hub) Kind() string { return h.kind }

// ID is the hub's id in subjects.
func (h *Hub) ID() string { return h.id }

// Fingerprint is the SHA-256 of the hub's CA certificate, in hex.
func (h *Hub) Fingerprint() string { return h.ca.fingerprint() }

// Ready is closed once the hub serves.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Addr is the address the server listens on (once Ready).
func (h *Hub) Addr() string {
	if h.srv == nil {
		return ""
	}
	if a, ok := h.srv.Addr().(*net.TCPAddr); ok {
		return a.String()
	}
	return ""
}

// Run serves until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	host, portS, _ := net.SplitHostPort(h.cfg.Listen)
	port, err := strconv.Atoi(portS)
	if err != nil || port < 0 || port > 65535 {
		return fmt.Errorf("--listen %q: the port must be a number from 0 to 65535", h.cfg.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	if host == "" {
		host = "0.0.0.0"
	}
	adv, _, _ := net.SplitHostPort(h.cfg.Advertise)
	tlsConf, err := h.ca.serverTLS([]string{host, adv})
	if err != nil {
		return err
	}
	opts := &server.Options{
		ServerName:                 "kidtime-hub-" + h.id,
		Host:                       host,
		Port:                       port,
		JetStream:                  true,
		StoreDir:                   filepath.Join(h.cfg.DataDir, "jetstream"),
		TLSConfig:                  tlsConf,
		TLSTimeout:                 5,
		CustomClientAuthentication: h,
		AlwaysEnableNonce:          true,
		NoSigs:                     true,
		MaxConn:                    4096,
		MaxPayload:                 1 << 20,
		JetStreamDomain:            h.cfg.Domain,
	}
	if h.cfg.Upstream != nil {
		opts.LeafNode.Remotes = []*server.RemoteLeafOpts{h.cfg.Upstream}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("hub server: %w", err)
	}
	srv.SetLoggerV2(natsLogger{h.log}, false, false, false)
	srv.Start()
	defer func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	}()
	if !srv.ReadyForConnections(20 * time.Second) {
		return errors.New("hub server: not ready within 20 s")
	}
	h.srv = srv
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("kidtime-hub"),
		nats.Nkey(h.adminPub, h.adminKP.Sign), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("hub: connect to itself: %w", err)
	}
	defer nc.Close()
	h.nc = nc
	if h.js, err = jetstream.New(nc); err != nil {
		return fmt.Errorf("hub: jetstream: %w", err)
	}
	if err := h.streams(ctx); err != nil {
		return err
	}
	from, err := h.loadIndex(ctx)
	if err != nil {
		return err
	}
	if err := h.subscribe(ctx, from); err != nil {
		return err
	}
	h.log.Info("hub: serving", "addr", h.Addr(), "id", h.id, "fingerprint", h.Fingerprint(), "kind", h.kind)
	close(h.ready)
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			h.flush()
			if err := h.saveIndex(true); err != nil {
				h.log.Warn("hub: keep the usage index", "err", err)
			}
			return nil
		case <-t.C:
			h.flush()
			if err := h.saveIndex(false); err != nil {
				h.log.Warn("hub: keep the usage index", "err", err)
			}
		}
	}
}

func (h *Hub) streams(ctx context.Context) error {
	for _, sc := range []jetstream.StreamConfig{{
		Name:              wire.StreamPolicy,
		Description:       "the signed policy in force (last per subject)",
		Subjects:          []string{wire.PolicySubject(h.id)},
		MaxMsgsPerSubject: 5,
		AllowDirect:       true,
		MaxMsgSize:        1 << 20,
		Storage:           jetstream.FileStorage,
	}, {
		Name:              wire.StreamUsage,
		Description:       "each PC's cumulative rollup per child per day (last per subject)",
		Subjects:          []string{wire.UsageWildcard(h.id)},
		MaxMsgsPerSubject: 1,
		AllowDirect:       true,
		Duplicates:        30 * time.Minute,
		MaxAge:            2 * 366 * 24 * time.Hour,
		MaxMsgSize:        64 << 10, // a rollup is well under 1 KiB
		MaxBytes:          8 << 30,  // a runaway PC cannot fill the disk
		Storage:           jetstream.FileStorage,
	}, {
		// The family's requests (issue 13): each PC's requests of the last
		// two days, the last state of each.
		Name:              wire.StreamRequests,
		Description:       "each PC's children's requests for time (last state per request)",
		Subjects:          []string{wire.RequestsWildcard(h.id)},
		MaxMsgsPerSubject: 1,
		AllowDirect:       true,
		Duplicates:        10 * time.Minute,
		MaxAge:            48 * time.Hour,
		MaxMsgSize:        8 << 10,
		MaxBytes:          256 << 20,
		Storage:           jetstream.FileStorage,
	}, {
		// Answers kept for a PC out of reach (kept.go): the last per
		// answering PC, asking PC and request, two days.
		Name:              wire.StreamAnswers,
		Description:       "parents' answers kept for a PC that was out of reach (last per subject)",
		Subjects:          []string{wire.KeptWildcard(h.id)},
		MaxMsgsPerSubject: 1,
		AllowDirect:       true,
		Duplicates:        10 * time.Minute,
		MaxAge:            48 * time.Hour,
		MaxMsgSize:        8 << 10,
		MaxBytes:          64 << 20,
		Storage:           jetstream.FileStorage,
	}} {
		if _, err := h.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("hub: stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// subscribe follows the PCs' subjects, and the usage stream from the
// sequence from on (loadIndex).
func (h *Hub) subscribe(ctx context.Context, from uint64) error {
	subs := []struct {
		subject string
		handle  func(*nats.Msg)
	}{
		{wire.EnrolWildcard(h.id), h.onEnrol},
		{wire.AllPCs(h.id, "hello"), h.onHello},
		{wire.AllPCs(h.id, "leave"), h.onLeave},
		{wire.AllPCs(h.id, "policy"), h.onForward},
		{wire.AllPCs(h.id, "collect"), h.onCollect},
		{wire.AllPCs(h.id, "info"), h.onInfo},
	}
	for _, s := range subs {
		if _, err := h.nc.Subscribe(s.subject, s.handle); err != nil {
			return fmt.Errorf("hub: subscribe %s: %w", s.subject, err)
		}
	}
	cc := jetstream.OrderedConsumerConfig{}
	if from > 1 {
		cc.DeliverPolicy, cc.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	c, err := h.js.OrderedConsumer(ctx, wire.StreamUsage, cc)
	if err != nil {
		return fmt.Errorf("hub: read the usage stream: %w", err)
	}
	if _, err := c.Consume(func(m jetstream.Msg) { h.onRollup(m.Subject(), m.Data(), seqOf(m)) }); err != nil {
		return fmt.Errorf("hub: read the usage stream: %w", err)
	}
	return nil
}

func reply(m *nats.Msg, v any) {
	b, err := json.Marshal(v)
	if err == nil && m.Reply != "" {
		_ = m.Respond(b)
	}
}

// onEnrol takes an enrolment: a known, unexpired, unused secret makes the
// connection's nkey a PC's.
func (h *Hub) onEnrol(m *nats.Msg) {
	nkey := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
	var req wire.EnrolRequest
	if err := json.Unmarshal(m.Data, &req); err != nil || !nkeys.IsValidPublicUserKey(nkey) {
		reply(m, wire.EnrolReply{Error: &wire.Error{Key: "err.hub.enrolBad", Msg: "the enrolment request is unreadable"}})
		return
	}
	pc, err := h.enrol(nkey, req)
	if err != nil {
		var we *wire.Error
		if !errors.As(err, &we) {
			h.log.Error("hub: enrolment failed", "err", err)
			we = &wire.Error{Key: "err.hub.internal", Msg: "the hub could not record the PC: " + err.Error()}
		}
		h.log.Info("hub: enrolment refused", "name", req.Name, "why", we.Key)
		reply(m, wire.EnrolReply{Error: we})
		return
	}
	h.log.Info("hub: a PC joined", "name", pc.Name, "pc", pc.ID, "os", pc.OS)
	reply(m, wire.EnrolReply{OK: true, PC: pc.ID, Name: pc.Name, Kind: h.kind})
}

// onInfo tells a joined PC the hub's kind (at each of its connects).
func (h *Hub) onInfo(m *nats.Msg) {
	reply(m, wire.Info{Kind: h.kind})
}

func (h *Hub) enrol(nkey string, req wire.EnrolRequest) (pcRecord, error) {
	now := h.cfg.Now()
	hash := wire.SecretHash(req.Secret)
	h.mu.Lock()
	defer h.mu.Unlock()
	var in *invite
	for i := range h.st.Invites {
		if wire.SameHash(h.st.Invites[i].Hash, hash) {
			in = &h.st.Invites[i]
		}
	}
	switch {
	case in == nil:
		return pcRecord{}, wire.ErrTokenUnknown()
	case !in.Used.IsZero():
		return pcRecord{}, wire.ErrTokenUsed()
	case !now.Before(in.Expires):
		return pcRecord{}, wire.ErrTokenExpired(in.Expires)
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = in.Name
	}
	if name == "" {
		name = strings.TrimSpace(req.Host)
	}
	if err := checkName(name); err != nil {
		return pcRecord{}, err
	}
	switch {
	case h.st.pcByName(name) != nil:
		return pcRecord{}, wire.ErrNameTaken(name)
	case h.st.revoked(nkey) || h.st.pcByNkey(nkey) != nil:
		return pcRecord{}, &wire.Error{Key: "err.hub.enrolBad", Msg: "this PC key is known already; join again to make a new one"}
	}
	id := strings.ToLower(nkey[1:13])
	if h.st.pcByID(id) != nil {
		return pcRecord{}, &wire.Error{Key: "err.hub.enrolBad", Msg: "this PC key is known already; join again to make a new one"}
	}
	pc := pcRecord{ID: id, Name: name, Nkey: nkey, OS: req.OS, Version: req.Version, Joined: now, LastSeen: now}
	saved := h.st
	saved.Invites = append([]invite(nil), h.st.Invites...)
	in.Used, in.UsedBy = now, id
	h.st.PCs = append(h.st.PCs, pc)
	if err := h.st.save(h.statePath); err != nil {
		h.st = saved
		return pcRecord{}, err
	}
	return pc, nil
}

// checkName checks a PC's name: 1 to 64 printable characters.
func checkName(name string) error {
	bad := name == "" || len([]rune(name)) > 64 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0
	if bad {
		return &wire.Error{Key: "err.hub.name", Args: map[string]string{"name": name},
			Msg: fmt.Sprintf("the PC name %q must be 1 to 64 printable characters", name)}
	}
	return nil
}

func (h *Hub) onHello(m *nats.Msg) {
	id := wire.PCFromSubject(m.Subject)
	var hi wire.Hello
	if err := json.Unmarshal(m.Data, &hi); err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if pc := h.st.pcByID(id); pc != nil {
		pc.OS, pc.Version, pc.LastSeen = hi.OS, hi.Version, h.cfg.Now()
		h.dirty = true
	}
}

// onLeave forgets a PC that left, and refuses its key from now on.
func (h *Hub) onLeave(m *nats.Msg) {
	id := wire.PCFromSubject(m.Subject)
	h.mu.Lock()
	pc := h.st.pcByID(id)
	name := ""
	if pc != nil {
		name = pc.Name
	}
	h.mu.Unlock()
	if name == "" {
		return
	}
	if err := h.Remove(context.Background(), name); err != nil {
		h.log.Error("hub: a PC left, and could not be forgotten", "pc", id, "err", err)
		return
	}
	h.log.Info("hub: a PC left", "name", name, "pc", id)
	reply(m, struct {
		OK bool `json:"ok"`
	}{true})
}

// onRollup indexes the rollup that came at the stream's sequence seq.
func (h *Hub) onRollup(subject string, data []byte, seq uint64) {
	e := &indexed{Seq: seq}
	err := json.Unmarshal(data, &e.Rollup)
	h.mu.Lock()
	defer h.mu.Unlock()
	if seq > h.indexed.Load() {
		h.indexed.Store(seq)
	}
	if err != nil {
		h.log.Warn("hub: an unreadable rollup", "subject", subject, "err", err)
		return
	}
	// The subject is what the server let this PC publish: it, not the
	// body, says whose rollup it is.
	r := &e.Rollup
	r.PC = wire.PCFromSubject(subject)
	if r.PC == "" || r.Day == "" || r.Child == "" {
		h.log.Warn("hub: a rollup without its PC, day or child", "subject", subject)
		return
	}
	h.putRollup(e)
	if pc := h.st.pcByID(r.PC); pc != nil && r.At.After(pc.LastSeen) && !r.At.After(h.cfg.Now()) {
		pc.LastSeen, h.dirty = r.At, true
	}
}

// flush writes the last-seen times when they changed.
func (h *Hub) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.dirty {
		return
	}
	h.st.prune(h.cfg.Now())
	if err := h.st.save(h.statePath); err != nil {
		h.log.Warn("hub: keep the registry", "err", err)
		return
	}
	h.dirty = false
}

// natsLogger sends the server's log lines to slog.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(f string, v ...any) { n.l.Info("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLogger) Warnf(f string, v ...any)   { n.l.Warn("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLogger) Fatalf(f string, v ...any)  { n.l.Error("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLogger) Errorf(f string, v ...any)  { n.l.Error("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLogger) Debugf(f string, v ...any)  { n.l.Debug("nats: " + fmt.Sprintf(f, v...)) }
func (n natsLogger) Tracef(f string, v ...any)  { n.l.Debug("nats: " + fmt.Sprintf(f, v...)) }
