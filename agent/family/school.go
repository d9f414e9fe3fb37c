package family

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

// schoolKey reads the trusted key; ok is false when there is none. A
// record that cannot be read is an error: the caller refuses (fail closed).
func (f *Family) schoolKey(ctx context.Context) (k schoolKey, ok bool, err error) {
	b, err := f.st.Setting(ctx, settingSchoolKey)
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

// SchoolKeyID is the trusted key's ID for Status, "" when there is none.
func (f *Family) SchoolKeyID(ctx context.Context) string {
	k, ok, err := f.schoolKey(ctx)
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
func (f *Family) refused(ctx context.Context, by Actor, reason string, detail map[string]any, format string, args ...any) error {
	d := map[string]any{"by": by.User, "uid": by.UID, "role": by.Role, "reason": reason}
	for k, v := range detail {
		d[k] = v
	}
	f.rec.Record(ctx, "", "policy_refused", d)
	return &RefusedError{Msg: fmt.Sprintf(format, args...)}
}

// GuardEdit refuses a parent's change to a child's rules while a school
// key is trusted. Administrators may still edit; grants and answers to
// requests are day-to-day, not policy, and are not guarded.
func (f *Family) GuardEdit(ctx context.Context, by Actor, what, child string) error {
	if by.Admin {
		return nil
	}
	k, ok, err := f.schoolKey(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	return f.refused(ctx, by, "parent-edit", map[string]any{"keyId": k.id(), "what": what, "child": child},
		"this computer follows a school policy signed by key %s; ask the school's IT teacher", k.id())
}

// checkSigned decides whether a policy (signed when sig is not nil) may
// replace the one in force, given the trusted key. It records refusals.
func (f *Family) checkSigned(ctx context.Context, by Actor, sig *rules.Signed, rekey bool) error {
	admin := by.Admin
	if rekey && sig == nil {
		return fieldErr("rekey", "rekey needs a policy signed with the new key (kidtime policy sign)")
	}
	if rekey && !admin {
		d := map[string]any{}
		if sig != nil {
			d["offeredKeyId"] = sig.KeyID()
		}
		return f.refused(ctx, by, "rekey-not-admin", d,
			"only an administrator (root or the kidtime-admin group) can change the school key; ask the school's IT teacher")
	}
	k, trusted, err := f.schoolKey(ctx)
	if err != nil && !(admin && rekey) {
		return err
	}
	switch {
	case !trusted && sig == nil:
		return nil // a home: no school key, no signature
	case !trusted:
		if !admin {
			return &RefusedError{Msg: fmt.Sprintf("a signed policy makes this computer follow the school's key %s; an administrator (root or the kidtime-admin group) must import it the first time", sig.KeyID())}
		}
		return nil
	case sig == nil:
		return f.refused(ctx, by, "unsigned", map[string]any{"keyId": k.id()},
			"this computer follows a school policy signed by key %s; an unsigned policy cannot replace it (ask the school's IT teacher for a policy signed with that key)", k.id())
	case !sig.Key.Equal(k.Key):
		if admin && rekey {
			return nil
		}
		return f.refused(ctx, by, "other-key", map[string]any{"keyId": k.id(), "offeredKeyId": sig.KeyID()},
			"this policy is signed by key %s, but this computer follows a school policy signed by key %s; an administrator can switch keys with: kidtime policy import FILE --rekey", sig.KeyID(), k.id())
	case sig.SignedAt.Before(k.SignedAt) && !admin:
		return f.refused(ctx, by, "older", map[string]any{"keyId": k.id(), "signedAt": sig.SignedAt, "inForceSignedAt": k.SignedAt},
			"this policy was signed at %s, before the school policy in force (signed at %s): an older policy cannot replace a newer one; ask the school's IT teacher",
			sig.SignedAt.Format(time.RFC3339), k.SignedAt.Format(time.RFC3339))
	}
	return nil
}

// recordSigned makes sig's key the trusted one (it may already be) after
// its policy was imported, and logs policy_signed.
func (f *Family) recordSigned(ctx context.Context, sig *rules.Signed, by string) error {
	old, had, _ := f.schoolKey(ctx)
	k := schoolKey{Key: sig.Key, SignedAt: sig.SignedAt, Since: f.now(), By: by}
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
	if err := f.st.SetSetting(ctx, settingSchoolKey, b); err != nil {
		return fmt.Errorf("keep the school key: %w", err)
	}
	f.rec.Record(ctx, "", "policy_signed", detail)
	return nil
}

// openPolicy reads a policy body that may be a signed envelope: the
// policy file's bytes, and the signature when there is one. A signature
// that does not verify is refused (not allowed, a tamper event); a
// malformed envelope is a bad request naming the field.
func (f *Family) openPolicy(ctx context.Context, by Actor, data []byte) ([]byte, *rules.Signed, error) {
	s, signed, err := rules.OpenSignedPolicy(data)
	switch {
	case errors.Is(err, rules.ErrBadSignature):
		return nil, nil, f.refused(ctx, by, "bad-signature", nil, "%v", err)
	case err != nil:
		return nil, nil, rulesFieldErr(FieldOf(err, ""), err)
	case !signed:
		return data, nil, nil
	}
	return s.Policy, &s, nil
}
