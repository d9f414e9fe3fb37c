package hubsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The family's requests across its PCs (issue 13): each PC publishes its
// children's requests to the stream KT_REQ, every PC follows them (live,
// and the last state of each at every connect), and a parent's answer to a
// request asked on another PC goes to that PC as a request/reply through
// the hub (wire.AnswerSubject), signed with the family's parent key.

// answerTimeout bounds the wait for the asking PC's reply.
const answerTimeout = 5 * time.Second

// followFamily subscribes to the family's requests and to the answers to
// this PC's (Connect).
func (c *Client) followFamily() error {
	if !c.creds.Family() {
		return nil // a school hub: no PC reads another's requests
	}
	hub, me := c.creds.HubID, c.creds.PC
	if c.opts.OnRequest != nil {
		if _, err := c.nc.Subscribe(wire.RequestsWildcard(hub), func(m *nats.Msg) { c.request(m.Subject, m.Data) }); err != nil {
			return fmt.Errorf("hub: follow the family's requests: %w", err)
		}
	}
	if c.opts.OnAnswer != nil {
		if _, err := c.nc.Subscribe(wire.AnswersTo(hub, me), c.answered); err != nil {
			return fmt.Errorf("hub: follow the answers to this PC: %w", err)
		}
	}
	if c.opts.OnKept != nil {
		if _, err := c.nc.Subscribe(wire.KeptTo(hub, me), func(m *nats.Msg) { c.kept(m.Subject, m.Data) }); err != nil {
			return fmt.Errorf("hub: follow the answers kept for this PC: %w", err)
		}
	}
	return nil
}

// kept hands an answer kept for this PC to OnKept (one at a time: the
// same answer may come live and in a collect).
func (c *Client) kept(subject string, data []byte) {
	var a wire.Answer
	from := wire.PCFromSubject(subject)
	if json.Unmarshal(data, &a) != nil || from == "" {
		return
	}
	c.handKept(from, a)
}

func (c *Client) handKept(from string, a wire.Answer) {
	c.keptMu.Lock()
	defer c.keptMu.Unlock()
	c.opts.OnKept(from, a)
}

// collect asks the hub for the answers kept for this PC while it was
// out of reach (at each connect).
func (c *Client) collect() error {
	if c.opts.OnKept == nil || !c.creds.Family() {
		return nil // a school hub keeps no answers: no PC answers another's
	}
	m, err := c.nc.Request(wire.CollectSubject(c.creds.HubID, c.creds.PC), nil, 10*time.Second)
	if err != nil {
		return err
	}
	var k wire.Kept
	if err := json.Unmarshal(m.Data, &k); err != nil {
		return fmt.Errorf("the hub's reply is unreadable: %w", err)
	}
	if k.Error != nil {
		return k.Error
	}
	for _, ka := range k.Answers {
		if ka.From != "" {
			c.handKept(ka.From, ka.Answer)
		}
	}
	return nil
}

func (c *Client) request(subject string, data []byte) {
	var r wire.FamilyRequest
	if json.Unmarshal(data, &r) != nil {
		return
	}
	// The subject, which only that PC may publish, says where it was asked.
	r.PC = wire.PCFromSubject(subject)
	if r.PC != "" {
		c.opts.OnRequest(r)
	}
}

// answered takes a parent's answer from another PC and replies with what
// became of it.
func (c *Client) answered(m *nats.Msg) {
	var a wire.Answer
	var rep wire.AnswerReply
	from := wire.PCFromSubject(m.Subject)
	if err := json.Unmarshal(m.Data, &a); err != nil || from == "" {
		rep.Error = &wire.Error{Key: "err.hub.answerBad", Msg: "the answer is unreadable"}
	} else {
		rep = c.opts.OnAnswer(from, a)
	}
	b, _ := json.Marshal(rep)
	if m.Reply != "" {
		if err := m.Respond(b); err != nil {
			c.log.Info("hub: the reply to an answer was not sent", "from", from, "err", err)
		}
	}
}

// requestsCatchUp fetches the last state of every request of the family's
// PCs (the stream keeps two days).
func (c *Client) requestsCatchUp() error {
	if c.opts.OnRequest == nil || !c.creds.Family() {
		return nil
	}
	return c.lastOfEach(wire.DirectGetRequests(), wire.RequestsWildcard(c.creds.HubID), c.request)
}

// PublishRequest publishes one of this PC's requests in its present state.
// In a school hub it sends nothing: no other PC may read it, nor answer it
// (the rollups count the requests for the report).
func (c *Client) PublishRequest(ctx context.Context, r wire.FamilyRequest) error {
	if !c.creds.Family() {
		return nil
	}
	r.PC = c.creds.PC
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := c.js.Publish(ctx, wire.RequestSubject(c.creds.HubID, c.creds.PC, r.Child, r.ID), b, jetstream.WithMsgID(r.MsgID())); err != nil {
		return fmt.Errorf("hub: publish the request: %w", err)
	}
	c.synced()
	return nil
}

// Answer sends a parent's signed answer to the PC the request was asked on
// and returns its reply. When that PC is out of reach (not connected, or
// no reply in 5 s), the answer is kept on the hub for it (KT_ANS) and the
// reply says Kept; a hub out of reach is ErrUnreachable.
func (c *Client) Answer(ctx context.Context, a wire.Answer) (wire.AnswerReply, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return wire.AnswerReply{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	m, err := c.nc.RequestWithContext(rctx, wire.AnswerSubject(c.creds.HubID, c.creds.PC, a.PC), b)
	if err != nil {
		why := err.Error()
		if errors.Is(err, nats.ErrNoResponders) {
			why = "the PC the request was asked on is not connected"
		}
		if !c.nc.IsConnected() {
			return wire.AnswerReply{}, fmt.Errorf("%w: answer: %s", ErrUnreachable, why)
		}
		// Kept for that PC: it takes it when it connects (or now, if it
		// was only slow to reply: it takes an answer once).
		kctx, kcancel := context.WithTimeout(ctx, answerTimeout)
		defer kcancel()
		if _, kerr := c.js.Publish(kctx, wire.KeptSubject(c.creds.HubID, c.creds.PC, a.PC, a.ID), b,
			jetstream.WithMsgID(wire.KeptMsgID(c.creds.PC, a))); kerr != nil {
			return wire.AnswerReply{}, fmt.Errorf("%w: answer: %s; and the hub did not keep it: %v", ErrUnreachable, why, kerr)
		}
		c.log.Info("hub: the PC asked is out of reach; the hub keeps the answer for it", "pc", a.PC, "request", a.ID, "why", why)
		c.synced()
		return wire.AnswerReply{Kept: true}, nil
	}
	var rep wire.AnswerReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return rep, fmt.Errorf("the other PC's reply is unreadable: %w", err)
	}
	if rep.Error != nil {
		return rep, rep.Error
	}
	return rep, nil
}
