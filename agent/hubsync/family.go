package hubsync

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/kidtime/kidtime/agent/hub/wire"
	"golang.org/x/crypto/argon2"
)

// The family's parent key (issue 13): a parent authenticates once per
// family, not per PC. The key is derived from the parent's PIN with
// argon2id (the same cost as the PIN's own hash), salted with the hub's id,
// so every PC of a family where the same PIN was typed derives the same
// key, and no PIN nor key ever travels. A PC keeps the public half (its
// verifier of answers) each time a parent types the PIN there while it is
// joined; the private half lives only in the memory of the PC where a
// parent is logged in, for that login's lifetime, and signs that parent's
// answers to requests asked on the family's other PCs.

// Argon2id parameters of the family key (those of auth.HashPIN).
const (
	familyTime   = 2
	familyMemKiB = 19 * 1024
)

// FamilyKey derives the family's parent key from the PIN, for a hub.
func FamilyKey(pin, hubID string) ed25519.PrivateKey {
	salt := sha256.Sum256([]byte("kidtime family parent key\n" + hubID))
	seed := argon2.IDKey([]byte(pin), salt[:16], familyTime, familyMemKiB, 1, ed25519.SeedSize)
	return ed25519.NewKeyFromSeed(seed)
}

// ErrAnswerSignature is wrapped by VerifyAnswer for an answer that was not
// signed with the family's parent key.
var ErrAnswerSignature = errors.New("the answer is not signed with the family's parent key")

// SignAnswer signs a with the family key.
func SignAnswer(priv ed25519.PrivateKey, hubID string, a *wire.Answer) {
	a.Key = base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	a.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, a.SignedBytes(hubID)))
}

// VerifyAnswer checks that a was signed with the family key pub.
func VerifyAnswer(pub ed25519.PublicKey, hubID string, a wire.Answer) error {
	if len(pub) != ed25519.PublicKeySize {
		return errors.New("this PC knows no family parent key yet: a parent logs in here once (the same PIN as on the family's other PCs)")
	}
	sig, err := base64.StdEncoding.DecodeString(a.Sig)
	if err != nil || !ed25519.Verify(pub, a.SignedBytes(hubID), sig) {
		return fmt.Errorf("%w (another PIN, or forged)", ErrAnswerSignature)
	}
	return nil
}
