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
// and returns its reply. A PC out of reach is ErrUnreachable.
func (c *Client) Answer(ctx context.Context, a wire.Answer) (wire.AnswerReply, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return wire.AnswerReply{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, answerTimeout)
	defer cancel()
	m, err := c.nc.RequestWithContext(ctx, wire.AnswerSubject(c.creds.HubID, c.creds.PC, a.PC), b)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return wire.AnswerReply{}, fmt.Errorf("%w: the PC the request was asked on is not connected", ErrUnreachable)
		}
		return wire.AnswerReply{}, fmt.Errorf("%w: answer: %v", ErrUnreachable, err)
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
