package hub

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/nats-io/nats.go"
)

// Answers kept for a PC out of reach (issue 13, wire.StreamAnswers): a
// parent's PC publishes its signed answer to KT_ANS when the asking PC
// does not reply; the asking PC follows its own kept subjects live and,
// at each connect, asks the hub for what was kept meanwhile (collect).
// The hub only hands over the stored messages of that PC's subjects: the
// asking PC checks each answer itself, as a live one.

// maxKept bounds a collect's reply (two days of answers to one PC).
const maxKept = 500

// onCollect replies to a PC's collect with the answers kept for it.
func (h *Hub) onCollect(m *nats.Msg) {
	pc := wire.PCFromSubject(m.Subject)
	if pc == "" || m.Reply == "" {
		return
	}
	kept, err := h.keptFor(pc)
	if err != nil {
		h.log.Warn("hub: the answers kept for a PC could not be read", "pc", pc, "err", err)
		reply(m, wire.Kept{Error: &wire.Error{Key: "err.hub.internal", Msg: "the hub could not read the answers kept: " + err.Error()}})
		return
	}
	reply(m, wire.Kept{Answers: kept})
}

// keptFor reads the last kept answer of each of pc's subjects (a direct
// get of the last per subject, in one batch).
func (h *Hub) keptFor(pc string) ([]wire.KeptAnswer, error) {
	inbox := h.nc.NewInbox()
	sub, err := h.nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	req, _ := json.Marshal(map[string]any{"multi_last": []string{wire.KeptTo(h.id, pc)}, "batch": maxKept})
	if err := h.nc.PublishRequest("$JS.API.DIRECT.GET."+wire.StreamAnswers, inbox, req); err != nil {
		return nil, err
	}
	out := []wire.KeptAnswer{}
	for {
		msg, err := sub.NextMsg(10 * time.Second)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", wire.StreamAnswers, err)
		}
		if st := msg.Header.Get("Status"); st != "" {
			if st == "204" || st == "404" {
				return out, nil
			}
			return nil, fmt.Errorf("read %s: status %s %s", wire.StreamAnswers, st, msg.Header.Get("Description"))
		}
		var k wire.KeptAnswer
		if json.Unmarshal(msg.Data, &k.Answer) != nil {
			continue
		}
		// The subject, which only that PC may publish, says who answered.
		if k.From = wire.PCFromSubject(msg.Header.Get("Nats-Subject")); k.From != "" && len(out) < maxKept {
			out = append(out, k)
		}
	}
}
