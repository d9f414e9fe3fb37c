package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/kidtime/kidtime/agent/api"
	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

// Signed school policies (DESIGN.md §7). A school signs its policy file
// with an ed25519 key (kidtime policy keygen / sign). The first signed
// policy an agent takes — the installer's --policy file, or an
// administrator's import while no key is trusted — makes its key the
// computer's school key. From then on a policy file replaces the one in
// force only when that key signed it, and no later than the one in force;
// a parent's token may no longer change a child's rules; an administrator
// may still edit, and may move the computer to a new key by importing a
// policy that key signed with ?rekey=1.

// settingSchoolKey holds the trusted school key (a schoolKey as JSON).
const settingSchoolKey = "policy.school-key"

// schoolKey is the trusted key and what the agent knows of the signed
// policy in force.
type schoolKey struct {
	Key ed25519.PublicKey `json:"key"`
	// SignedAt is the signing date of the newest signed policy taken: an
	// older one is a replay (a parent re-importing last term's looser file).
	SignedAt time.Time `json:"signedAt"`
	Since    time.Time `json:"since"` // when the key became trusted
	By       string    `json:"by"`    // who made it trusted (installer, an admin)
}

func (k schoolKey) id() string { return rules.KeyID(k.Key) }

// importMu serialises policy imports, so that the trusted key checked is
// the one in force when the policy is written.
var importMu sync.Mutex

// schoolKey reads the trusted key; ok is false when there is none. A
// record that cannot be read is an error: the caller refuses (fail closed).
func (a *Agent) schoolKey(ctx context.Context) (k schoolKey, ok bool, err error) {
	b, err := a.st.Setting(ctx, settingSchoolKey)
	if errors.Is(err, store.ErrNotFound) {
		return schoolKey{}, false, nil
	}
	if err != nil {
		return schoolKey{}, false, fmt.Errorf("read the school key: %w", err)
	}
	if err := json.Unmarshal(b, &k); err != nil || len(k.Key) != ed25519.PublicKeySize {
		return schoolKey{}, false, fmt.Errorf("the stored school key is unreadable (%v); an administrator can import a signed policy with rekey", err)
	}
	return k, true, nil
}

// schoolKeyID is the trusted key's ID for Status, "" when there is none.
func (a *Agent) schoolKeyID(ctx context.Context) string {
	k, ok, err := a.schoolKey(ctx)
	if err != nil {
		return "unreadable"
	}
	if !ok {
		return ""
	}
	return k.id()
}

// refused records a refused attempt to change a school policy (a tamper
// event) and returns the 403 to answer with.
func (a *Agent) refused(ctx context.Context, c *api.Caller, reason string, detail map[string]any, format string, args ...any) error {
	d := map[string]any{"by": c.Peer.Username, "uid": c.Peer.UID, "role": c.Role, "reason": reason}
	for k, v := range detail {
		d[k] = v
	}
	a.event(ctx, "", "policy_refused", d)
	return api.Forbidden(format, args...)
}

// schoolGuard refuses a parent's change to a child's rules while a school
// key is trusted. Administrators may still edit; grants and answers to
// requests are day-to-day, not policy, and are not guarded.
func (a *Agent) schoolGuard(ctx context.Context, c *api.Caller, what, child string) error {
	if c.Role != apitype.RoleParent {
		return nil
	}
	k, ok, err := a.schoolKey(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	return a.refused(ctx, c, "parent-edit", map[string]any{"keyId": k.id(), "what": what, "child": child},
		"this computer follows a school policy signed by key %s; ask the school's IT teacher", k.id())
}

// rekeyParam reads ?rekey=1.
func rekeyParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("rekey"); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, api.BadRequest("rekey", "%q is not 1 or 0", v)
	}
}

// checkSigned decides whether a policy (signed when sig is not nil) may
// replace the one in force, given the trusted key. It records refusals.
func (a *Agent) checkSigned(ctx context.Context, c *api.Caller, sig *rules.Signed, rekey bool) error {
	admin := c.Role == apitype.RoleAdmin
	if rekey && sig == nil {
		return api.BadRequest("rekey", "rekey needs a policy signed with the new key (kidtime policy sign)")
	}
	if rekey && !admin {
		d := map[string]any{}
		if sig != nil {
			d["offeredKeyId"] = sig.KeyID()
		}
		return a.refused(ctx, c, "rekey-not-admin", d,
			"only an administrator (root or the kidtime-admin group) can change the school key; ask the school's IT teacher")
	}
	k, trusted, err := a.schoolKey(ctx)
	if err != nil && !(admin && rekey) {
		return err
	}
	switch {
	case !trusted && sig == nil:
		return nil // a home: no school key, no signature
	case !trusted:
		if !admin {
			return api.Forbidden("a signed policy makes this computer follow the school's key %s; an administrator (root or the kidtime-admin group) must import it the first time", sig.KeyID())
		}
		return nil
	case sig == nil:
		return a.refused(ctx, c, "unsigned", map[string]any{"keyId": k.id()},
			"this computer follows a school policy signed by key %s; an unsigned policy cannot replace it (ask the school's IT teacher for a policy signed with that key)", k.id())
	case !sig.Key.Equal(k.Key):
		if admin && rekey {
			return nil
		}
		return a.refused(ctx, c, "other-key", map[string]any{"keyId": k.id(), "offeredKeyId": sig.KeyID()},
			"this policy is signed by key %s, but this computer follows a school policy signed by key %s; an administrator can switch keys with: kidtime policy import FILE --rekey", sig.KeyID(), k.id())
	case sig.SignedAt.Before(k.SignedAt) && !admin:
		return a.refused(ctx, c, "older", map[string]any{"keyId": k.id(), "signedAt": sig.SignedAt, "inForceSignedAt": k.SignedAt},
			"this policy was signed at %s, before the school policy in force (signed at %s): an older policy cannot replace a newer one; ask the school's IT teacher",
			sig.SignedAt.Format(time.RFC3339), k.SignedAt.Format(time.RFC3339))
	}
	return nil
}

// recordSigned makes sig's key the trusted one (it may already be) after
// its policy was imported, and logs policy_signed.
func (a *Agent) recordSigned(ctx context.Context, sig *rules.Signed, by string) error {
	old, had, _ := a.schoolKey(ctx)
	k := schoolKey{Key: sig.Key, SignedAt: sig.SignedAt, Since: a.now(), By: by}
	detail := map[string]any{"keyId": sig.KeyID(), "signedAt": sig.SignedAt, "by": by}
	switch {
	case !had:
		detail["trusted"] = "first"
	case !old.Key.Equal(sig.Key):
		detail["trusted"] = "rekey"
		detail["previousKeyId"] = old.id()
	default:
		k.Since, k.By = old.Since, old.By
		if old.SignedAt.After(k.SignedAt) {
			k.SignedAt = old.SignedAt // an admin's older policy: the newest date stays
		}
	}
	b, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := a.st.SetSetting(ctx, settingSchoolKey, b); err != nil {
		return fmt.Errorf("keep the school key: %w", err)
	}
	a.event(ctx, "", "policy_signed", detail)
	return nil
}

// openPolicy reads a policy body that may be a signed envelope: the
// policy file's bytes, and the signature when there is one. A signature
// that does not verify is refused (not allowed, a tamper event); a
// malformed envelope is a bad request naming the field.
func (a *Agent) openPolicy(ctx context.Context, c *api.Caller, data []byte) ([]byte, *rules.Signed, error) {
	s, signed, err := rules.OpenSignedPolicy(data)
	switch {
	case errors.Is(err, rules.ErrBadSignature):
		return nil, nil, a.refused(ctx, c, "bad-signature", nil, "%v", err)
	case err != nil:
		return nil, nil, api.BadRequest(fieldOf(err, ""), "%v", err)
	case !signed:
		return data, nil, nil
	}
	return s.Policy, &s, nil
}
