package hub

import (
	"encoding/base64"
	"time"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// Every connection signs the server's nonce with an nkey (a user key of
// its own). Check sorts it:
//   - the hub's own key (made at each start, in memory): everything;
//   - a joined PC's key: its own subjects only (pcPermissions);
//   - a revoked key: refused;
//   - any other key: an enrolling PC, which may only send its enrolment
//     request for that key and read its own inbox, for 30 s.
//
// A PC's seed never leaves it: it sends its public key with the token's
// secret, over the TLS pinned by the token.

// enrolWindow bounds an enrolling connection.
const enrolWindow = 30 * time.Second

// Check implements server.Authentication.
func (h *Hub) Check(c server.ClientAuthentication) bool {
	if c.Kind() != server.CLIENT {
		return false
	}
	o := c.GetOpts()
	if o == nil || !nkeys.IsValidPublicUserKey(o.Nkey) {
		return false
	}
	kp, err := nkeys.FromPublicKey(o.Nkey)
	if err != nil {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(o.Sig)
	if err != nil {
		if sig, err = base64.StdEncoding.DecodeString(o.Sig); err != nil {
			return false
		}
	}
	if kp.Verify(c.GetNonce(), sig) != nil {
		return false
	}
	if o.Nkey == h.adminPub {
		c.RegisterUser(&server.User{Username: "hub"})
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.st.revoked(o.Nkey) {
		h.log.Info("hub: a removed PC was refused", "nkey", o.Nkey, "addr", c.RemoteAddress())
		return false
	}
	if pc := h.st.pcByNkey(o.Nkey); pc != nil {
		c.RegisterUser(&server.User{Username: pc.ID, Permissions: pcPermissions(h.id, pc.ID, h.kind == wire.KindFamily)})
		return true
	}
	c.RegisterUser(&server.User{
		Username:           "enrol",
		Permissions:        enrolPermissions(h.id, o.Nkey),
		ConnectionDeadline: time.Now().Add(enrolWindow),
	})
	return true
}

// pcPermissions: a PC publishes under its own prefix only, reads the
// policy (live, and the last one by a direct get) and its own inbox; in a
// family hub also the family's daily rollups (live, and today's by a
// direct get: the family budget is the sum over its PCs), the family's
// requests and the answers to its own. A school hub's PC reads no other
// PC's data.
func pcPermissions(hub, pc string, family bool) *server.Permissions {
	if !family {
		return &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{
				wire.PCPrefix(hub, pc) + ".>",
				"$JS.API.DIRECT.GET." + wire.StreamPolicy + "." + wire.PolicySubject(hub),
			}},
			Subscribe: &server.SubjectPermission{Allow: []string{
				wire.PolicySubject(hub),
				wire.Inbox(pc) + ".>",
			}},
		}
	}
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			wire.PCPrefix(hub, pc) + ".>",
			"$JS.API.DIRECT.GET." + wire.StreamPolicy + "." + wire.PolicySubject(hub),
			wire.DirectGetUsage(),
			wire.DirectGetRequests(), // the family's requests
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			wire.PolicySubject(hub),
			wire.UsageWildcard(hub),
			wire.Inbox(pc) + ".>",
			// The family's requests (issue 13): every PC's, and the
			// answers to this PC's only.
			wire.RequestsWildcard(hub),
			wire.AnswersTo(hub, pc),
			wire.KeptTo(hub, pc), // the answers kept for it (kept.go), live
		}},
		// A PC answers a parent's answer to its child's request on the
		// asker's inbox: once, for a minute, to that reply subject only.
		Response: &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute},
	}
}

func enrolPermissions(hub, nkey string) *server.Permissions {
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: []string{wire.EnrolSubject(hub, nkey)}},
		Subscribe: &server.SubjectPermission{Allow: []string{wire.Inbox(nkey) + ".>"}},
	}
}
