package hub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/kidtime/kidtime/rules"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// What the hub's administrator does (through the hub's local socket):
// invite a PC, list the PCs, remove one, publish a signed policy.

// MaxInviteTTL bounds how long an enrolment token lives.
const MaxInviteTTL = 30 * 24 * time.Hour

// Invite makes a one-time enrolment token valid for ttl. addr is the hub's
// address as the PC will reach it ("" = Config.Advertise, else this
// machine's name and the port the hub listens on).
func (h *Hub) Invite(name string, ttl time.Duration, addr string) (wire.Token, error) {
	if ttl <= 0 || ttl > MaxInviteTTL {
		return wire.Token{}, &wire.Error{Key: "err.hub.expires", Args: map[string]string{"field": "expires"},
			Msg: "expires: a token lives from 1 second to 30 days"}
	}
	if name != "" {
		if err := checkName(name); err != nil {
			return wire.Token{}, err
		}
	}
	if addr == "" {
		addr = h.advertise()
	}
	if _, p, err := net.SplitHostPort(addr); err != nil || p == "" || p == "0" {
		return wire.Token{}, &wire.Error{Key: "err.hub.addr", Args: map[string]string{"field": "hub", "addr": addr},
			Msg: fmt.Sprintf("hub: %q is no HOST:PORT a PC can reach", addr)}
	}
	secret, err := wire.NewSecret()
	if err != nil {
		return wire.Token{}, err
	}
	now := h.cfg.Now()
	t := wire.Token{Hub: addr, Fingerprint: h.Fingerprint(), Secret: secret, Expires: now.Add(ttl).UTC().Truncate(time.Second)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.st.prune(now)
	h.st.Invites = append(h.st.Invites, invite{Hash: wire.SecretHash(secret), Name: name, Created: now, Expires: t.Expires})
	if err := h.st.save(h.statePath); err != nil {
		h.st.Invites = h.st.Invites[:len(h.st.Invites)-1]
		return wire.Token{}, err
	}
	return t, nil
}

func (h *Hub) advertise() string {
	if h.cfg.Advertise != "" {
		return h.cfg.Advertise
	}
	host, _, _ := net.SplitHostPort(h.cfg.Listen)
	_, port, _ := net.SplitHostPort(h.Addr())
	if port == "" {
		_, port, _ = net.SplitHostPort(h.cfg.Listen)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if n, err := os.Hostname(); err == nil {
			host = n
		}
	}
	return net.JoinHostPort(host, port)
}

// PC is a joined PC as `kidtime hub pcs` shows it.
type PC struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	OS            string    `json:"os"`
	Version       string    `json:"version"`
	Online        bool      `json:"online"`
	LastSeen      time.Time `json:"lastSeen,omitzero"`
	ChildrenToday int       `json:"childrenToday"`
	Tamper7d      int       `json:"tamper7d"`
}

// PCs lists the joined PCs, by name.
func (h *Hub) PCs(context.Context) ([]PC, error) {
	online := map[string]bool{}
	if h.srv != nil {
		cz, err := h.srv.Connz(&server.ConnzOptions{Username: true, Limit: 100000})
		if err != nil {
			return nil, fmt.Errorf("hub: connections: %w", err)
		}
		for _, c := range cz.Conns {
			online[c.AuthorizedUser] = true // a connection's nkey
		}
	}
	now := h.cfg.Now()
	today := now.Format(time.DateOnly)
	week := now.AddDate(0, 0, -6).Format(time.DateOnly)
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]PC, 0, len(h.st.PCs))
	for _, r := range h.st.PCs {
		p := PC{ID: r.ID, Name: r.Name, OS: r.OS, Version: r.Version, Online: online[r.Nkey], LastSeen: r.LastSeen}
		if p.Online {
			p.LastSeen = now
		}
		for day, kids := range h.usage[r.ID] {
			if day == today {
				for k := range kids {
					if k != wire.PCChild {
						p.ChildrenToday++
					}
				}
			}
			if day >= week && day <= today {
				for _, k := range kids {
					for _, n := range k.Tamper {
						p.Tamper7d += n
					}
				}
			}
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b PC) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// ErrNoPC is a PC the hub does not know.
var ErrNoPC = errors.New("no such PC")

// Remove revokes a PC (by name, or by id): its key is refused from now
// on, and its connections are closed.
func (h *Hub) Remove(_ context.Context, name string) error {
	h.mu.Lock()
	pc := h.st.pcByName(name)
	if pc == nil {
		pc = h.st.pcByID(name)
	}
	if pc == nil {
		h.mu.Unlock()
		return &wire.Error{Key: "err.hub.noPC", Args: map[string]string{"name": name},
			Msg: fmt.Sprintf("no PC named %q is joined to this hub (kidtime hub pcs lists them)", name)}
	}
	gone := *pc
	saved := h.st
	h.st.PCs = slices.DeleteFunc(slices.Clone(h.st.PCs), func(r pcRecord) bool { return r.ID == gone.ID })
	h.st.Revoked = append(slices.Clone(h.st.Revoked), gone.Nkey)
	if err := h.st.save(h.statePath); err != nil {
		h.st = saved
		h.mu.Unlock()
		return err
	}
	h.mu.Unlock()
	h.kick(gone.Nkey)
	h.log.Info("hub: a PC was removed", "name", gone.Name, "pc", gone.ID)
	return nil
}

// kick closes every connection of an nkey.
func (h *Hub) kick(user string) {
	if h.srv == nil {
		return
	}
	cz, err := h.srv.Connz(&server.ConnzOptions{Username: true, User: user, Limit: 100000})
	if err != nil {
		h.log.Warn("hub: connections", "err", err)
		return
	}
	for _, c := range cz.Conns {
		_ = h.srv.DisconnectClientByID(c.Cid)
	}
}

// Published is a policy the hub stored.
type Published struct {
	Seq      uint64    `json:"seq"`
	KeyID    string    `json:"keyId"`
	SignedAt time.Time `json:"signedAt"`
}

// Publish stores a signed policy in the policy stream, for every PC. It
// must verify, and, once a policy is in force, come from the same key and
// be no older (the PCs check it again against their own school key; the
// hub's check keeps a PC that forwards a policy from replacing the
// school's with another key's).
func (h *Hub) Publish(ctx context.Context, raw []byte) (Published, error) {
	s, signed, err := rules.OpenSignedPolicy(raw)
	switch {
	case errors.Is(err, rules.ErrBadSignature):
		return Published{}, &wire.Error{Key: "err.hub.policyBadSignature", Msg: "the policy's signature does not verify: " + err.Error()}
	case err != nil:
		return Published{}, &wire.Error{Key: "err.hub.policyUnreadable", Args: map[string]string{"reason": err.Error()}, Msg: "the signed policy is unreadable: " + err.Error()}
	case !signed:
		return Published{}, &wire.Error{Key: "err.hub.policyUnsigned", Msg: "a hub publishes signed policies only (kidtime policy sign)"}
	}
	if _, err := rules.ParseFile(s.Policy); err != nil {
		return Published{}, &wire.Error{Key: "err.hub.policyUnreadable", Args: map[string]string{"reason": err.Error()}, Msg: "the signed policy is unreadable: " + err.Error()}
	}
	if h.js == nil {
		return Published{}, errors.New("the hub is not serving yet")
	}
	st, err := h.js.Stream(ctx, wire.StreamPolicy)
	if err != nil {
		return Published{}, fmt.Errorf("hub: the policy stream: %w", err)
	}
	last, err := st.GetLastMsgForSubject(ctx, wire.PolicySubject(h.id))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
	case err != nil:
		return Published{}, fmt.Errorf("hub: read the policy in force: %w", err)
	default:
		cur, _, err := rules.OpenSignedPolicy(last.Data)
		if err == nil && !cur.Key.Equal(s.Key) {
			return Published{}, &wire.Error{Key: "err.hub.policyOtherKey", Args: map[string]string{"keyId": cur.KeyID(), "offeredKeyId": s.KeyID()},
				Msg: fmt.Sprintf("this hub's policy is signed by key %s; a policy signed by key %s cannot replace it", cur.KeyID(), s.KeyID())}
		}
		if err == nil && s.SignedAt.Before(cur.SignedAt) {
			return Published{}, &wire.Error{Key: "err.hub.policyOlder", Args: map[string]string{"signedAt": s.SignedAt.Format(time.RFC3339), "inForce": cur.SignedAt.Format(time.RFC3339)},
				Msg: fmt.Sprintf("this policy was signed at %s, before the one in force (%s)", s.SignedAt.Format(time.RFC3339), cur.SignedAt.Format(time.RFC3339))}
		}
	}
	ack, err := h.js.Publish(ctx, wire.PolicySubject(h.id), raw)
	if err != nil {
		return Published{}, fmt.Errorf("hub: store the policy: %w", err)
	}
	h.log.Info("hub: policy published", "keyId", s.KeyID(), "signedAt", s.SignedAt, "seq", ack.Sequence)
	return Published{Seq: ack.Sequence, KeyID: s.KeyID(), SignedAt: s.SignedAt}, nil
}

// onForward publishes a policy a joined PC forwarded.
func (h *Hub) onForward(m *nats.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := h.Publish(ctx, m.Data)
	if err != nil {
		var we *wire.Error
		if !errors.As(err, &we) {
			we = &wire.Error{Key: "err.hub.internal", Msg: err.Error()}
		}
		reply(m, wire.PolicyReply{Error: we})
		return
	}
	h.log.Info("hub: a PC forwarded the policy", "pc", wire.PCFromSubject(m.Subject))
	reply(m, wire.PolicyReply{OK: true, Seq: p.Seq})
}

// Rollups are the last rollup of every PC's children for a day (the
// family's or school's figures start here), by PC then child.
func (h *Hub) Rollups(day string) []wire.Rollup {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []wire.Rollup
	for _, days := range h.usage {
		for _, r := range days[day] {
			out = append(out, r.Rollup)
		}
	}
	slices.SortFunc(out, func(a, b wire.Rollup) int {
		if c := strings.Compare(a.PC, b.PC); c != 0 {
			return c
		}
		return strings.Compare(a.Child, b.Child)
	})
	return out
}
