package rules

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A signed policy is a policy file wrapped in a JSON envelope that carries
// the exact bytes of the file, the school's ed25519 public key and a
// signature (DESIGN.md §7: a school policy a student cannot forge):
//
//	{"signedPolicy": {
//	  "version": 1,
//	  "policy": "<base64 of the policy file's bytes>",
//	  "key": "<base64 ed25519 public key>",
//	  "signature": "<base64 signature>",
//	  "signedAt": "2025-08-20T07:00:00Z"}}
//
// The signature covers the date as well as the policy: it signs
// SignedMessage(signedAt, policy), so neither can be changed without the
// private key (an agent uses the date to refuse an older policy replayed
// over a newer one).

// SignedVersion is the envelope version this package reads and writes.
const SignedVersion = 1

// signedContext separates kidtime policy signatures from any other use of
// the same key.
const signedContext = "kidtime signed policy v1\n"

// ErrBadSignature is wrapped by the error OpenSigned returns for an
// envelope that is well formed but whose signature does not verify: the
// policy or its date was changed after signing, or another key signed it.
var ErrBadSignature = errors.New("the signature does not verify")

// Signed is an opened, verified signed policy.
type Signed struct {
	Policy   []byte            // the policy file's exact bytes
	Key      ed25519.PublicKey // who signed it
	SignedAt time.Time         // when, as the signer wrote it (signed too)
}

// KeyID is the signer's key fingerprint (see KeyID).
func (s Signed) KeyID() string { return KeyID(s.Key) }

type signedEnvelope struct {
	SignedPolicy signedBody `json:"signedPolicy"`
}

type signedBody struct {
	Version   int    `json:"version"`
	Policy    string `json:"policy"`
	Key       string `json:"key"`
	Signature string `json:"signature"`
	SignedAt  string `json:"signedAt"`
}

// SignedMessage is what a signature covers: a context string, the signing
// date as written in the envelope, and the policy bytes.
func SignedMessage(signedAt string, policy []byte) []byte {
	m := make([]byte, 0, len(signedContext)+len(signedAt)+1+len(policy))
	m = append(m, signedContext...)
	m = append(m, signedAt...)
	m = append(m, '\n')
	return append(m, policy...)
}

// Sign wraps a policy file in a signed envelope. The policy must be a
// valid policy file (ParseFile): a school never deploys a broken one, and
// an envelope is never signed again inside another.
func Sign(policy []byte, priv ed25519.PrivateKey, now time.Time) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign policy: the private key has %d bytes, not %d", len(priv), ed25519.PrivateKeySize)
	}
	if _, ok, _ := openSigned(policy); ok {
		return nil, errors.New("sign policy: the file is already signed")
	}
	if _, err := ParseFile(policy); err != nil {
		return nil, fmt.Errorf("sign policy: %w", err)
	}
	at := now.UTC().Truncate(time.Second).Format(time.RFC3339)
	pub := priv.Public().(ed25519.PublicKey)
	env := signedEnvelope{SignedPolicy: signedBody{
		Version:   SignedVersion,
		Policy:    base64.StdEncoding.EncodeToString(policy),
		Key:       base64.StdEncoding.EncodeToString(pub),
		Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, SignedMessage(at, policy))),
		SignedAt:  at,
	}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(env); err != nil {
		return nil, fmt.Errorf("sign policy: %w", err)
	}
	return b.Bytes(), nil
}

// OpenSigned reads data that may be a signed envelope. For a plain policy
// file (anything whose top level has no "signedPolicy" field, including
// data that is not JSON at all: ParseFile will say what is wrong with it)
// ok is false and err nil. For an envelope, err names the field at fault
// (a rules.Errors) when it is malformed, and wraps ErrBadSignature when the
// signature does not verify; otherwise policy holds the verified policy
// bytes and pub the key that signed them. The policy itself is not parsed.
func OpenSigned(data []byte) (policy []byte, pub ed25519.PublicKey, ok bool, err error) {
	s, ok, err := openSigned(data)
	return s.Policy, s.Key, ok, err
}

// OpenSignedPolicy is OpenSigned returning the signing date too.
func OpenSignedPolicy(data []byte) (s Signed, ok bool, err error) {
	return openSigned(data)
}

func openSigned(data []byte) (Signed, bool, error) {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return Signed{}, false, nil
	}
	raw, ok := top["signedPolicy"]
	if !ok {
		return Signed{}, false, nil
	}
	if err := checkKeys(data); err != nil {
		return Signed{}, true, err
	}
	fail := func(path, value, reason string) (Signed, bool, error) {
		return Signed{}, true, Errors{{Path: path, Value: value, Reason: reason}}
	}
	for k := range top {
		if k != "signedPolicy" {
			return fail(k, "", `unknown field beside "signedPolicy"`)
		}
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		return fail("signedPolicy", "", "must be an object")
	}
	var es Errors
	add := func(field, value, reason string) {
		es = append(es, &FieldError{Path: "signedPolicy." + field, Value: value, Reason: reason})
	}
	for k := range fields {
		switch k {
		case "version", "policy", "key", "signature", "signedAt":
		default:
			add(k, "", "unknown field")
		}
	}
	str := func(field string) (string, bool) {
		v, ok := fields[field]
		if !ok {
			add(field, "", "missing")
			return "", false
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			add(field, "", "must be a string")
			return "", false
		}
		return s, true
	}
	b64 := func(field string, size int) []byte {
		s, ok := str(field)
		if !ok {
			return nil
		}
		b, err := base64.StdEncoding.Strict().DecodeString(s)
		switch {
		case err != nil:
			add(field, "", "not base64 (standard alphabet, padded)")
			return nil
		case size > 0 && len(b) != size:
			add(field, "", fmt.Sprintf("has %d bytes; an ed25519 %s has %d", len(b), field, size))
			return nil
		case len(b) == 0:
			add(field, "", "empty")
			return nil
		}
		return b
	}
	if v, ok := fields["version"]; !ok {
		add("version", "", "missing")
	} else {
		var n int
		if json.Unmarshal(v, &n) != nil {
			add("version", short(v), "must be a whole number")
		} else if n != SignedVersion {
			add("version", strconv.Itoa(n), fmt.Sprintf("unsupported; this kidtime reads version %d", SignedVersion))
		}
	}
	policy := b64("policy", 0)
	key := b64("key", ed25519.PublicKeySize)
	sig := b64("signature", ed25519.SignatureSize)
	var at time.Time
	atText, ok := str("signedAt")
	if ok {
		t, err := time.Parse(time.RFC3339, atText)
		if err != nil {
			add("signedAt", strconv.Quote(short([]byte(atText))), "not a time (RFC 3339, like 2025-08-20T07:00:00Z)")
		}
		at = t
	}
	if len(es) > 0 {
		return Signed{}, true, es
	}
	if !ed25519.Verify(key, SignedMessage(atText, policy), sig) {
		return Signed{}, true, signatureError{&FieldError{Path: "signedPolicy.signature",
			Reason: ErrBadSignature.Error() + " with the key " + KeyID(key) + ": the policy or its date was changed after signing, or another key signed it"}}
	}
	return Signed{Policy: policy, Key: ed25519.PublicKey(key), SignedAt: at}, true, nil
}

// signatureError is a FieldError that is also ErrBadSignature.
type signatureError struct{ *FieldError }

func (e signatureError) Unwrap() []error { return []error{e.FieldError, ErrBadSignature} }

// short cuts a value for an error message.
func short(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// checkKeys refuses duplicate object keys anywhere in an envelope: what
// is verified must be the only reading of the document.
func checkKeys(data []byte) error {
	return checkValue(json.NewDecoder(bytes.NewReader(data)), "")
}

func checkValue(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return nil // the document parsed once already
	}
	switch tok {
	case json.Delim('{'):
		keys := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			k, _ := kt.(string)
			p := k
			if path != "" {
				p = path + "." + k
			}
			if keys[k] {
				return Errors{{Path: p, Reason: "duplicate field"}}
			}
			keys[k] = true
			if err := checkValue(dec, p); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := checkValue(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	}
	return nil
}

// KeyID is a short fingerprint of a public key: the first 8 bytes of its
// SHA-256, in hex (16 characters). It is what people compare and what
// events and messages name.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

type privateKeyFile struct {
	Key string `json:"ed25519PrivateKey"`
}

type publicKeyFile struct {
	Key string `json:"ed25519PublicKey"`
}

// MarshalPrivateKey writes a private key file: {"ed25519PrivateKey":
// "<base64 seed>"}. Keep it 0600, off the lab's PCs.
func MarshalPrivateKey(priv ed25519.PrivateKey) []byte {
	b, _ := json.Marshal(privateKeyFile{Key: base64.StdEncoding.EncodeToString(priv.Seed())})
	return append(b, '\n')
}

// MarshalPublicKey writes a public key file: {"ed25519PublicKey":
// "<base64 key>"}.
func MarshalPublicKey(pub ed25519.PublicKey) []byte {
	b, _ := json.Marshal(publicKeyFile{Key: base64.StdEncoding.EncodeToString(pub)})
	return append(b, '\n')
}

// ParsePrivateKey reads a file written by MarshalPrivateKey.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	var f privateKeyFile
	seed, err := keyField(data, &f, &f.Key, "ed25519PrivateKey", ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParsePublicKey reads a file written by MarshalPublicKey.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	var f publicKeyFile
	b, err := keyField(data, &f, &f.Key, "ed25519PublicKey", ed25519.PublicKeySize)
	if err != nil {
		return nil, err
	}
	return ed25519.PublicKey(b), nil
}

func keyField(data []byte, v any, field *string, name string, size int) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, Errors{{Path: "(document)", Reason: fmt.Sprintf("not a key file with %q: %v", name, err)}}
	}
	if *field == "" {
		return nil, Errors{{Path: name, Reason: "missing"}}
	}
	b, err := base64.StdEncoding.Strict().DecodeString(*field)
	if err != nil {
		return nil, Errors{{Path: name, Reason: "not base64 (standard alphabet, padded)"}}
	}
	if len(b) != size {
		return nil, Errors{{Path: name, Reason: fmt.Sprintf("has %d bytes, not %d", len(b), size)}}
	}
	return b, nil
}
