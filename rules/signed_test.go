package rules

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKey(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

var signNow = time.Date(2025, time.August, 20, 7, 0, 0, 0, ict)

func signedExample(t testing.TB) (policy, env []byte, priv ed25519.PrivateKey) {
	t.Helper()
	policy = readExample(t)
	priv = testKey(1)
	env, err := Sign(policy, priv, signNow)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return policy, env, priv
}

// editEnvelope changes one field of an envelope's signedPolicy object.
func editEnvelope(t testing.TB, env []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var top map[string]map[string]any
	if err := json.Unmarshal(env, &top); err != nil {
		t.Fatal(err)
	}
	edit(top["signedPolicy"])
	b, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignedRoundTrip(t *testing.T) {
	policy, env, priv := signedExample(t)
	got, pub, ok, err := OpenSigned(env)
	if err != nil || !ok {
		t.Fatalf("OpenSigned of a fresh envelope: ok %v, err %v", ok, err)
	}
	if !bytes.Equal(got, policy) {
		t.Error("the policy bytes changed in the envelope")
	}
	if !pub.Equal(priv.Public()) {
		t.Error("the envelope's key is not the signer's")
	}
	s, _, _ := OpenSignedPolicy(env)
	if !s.SignedAt.Equal(signNow) {
		t.Errorf("signedAt %v, want %v", s.SignedAt, signNow)
	}
	if s.KeyID() != KeyID(pub) || len(s.KeyID()) != 16 {
		t.Errorf("key ID %q: want 16 hex characters", s.KeyID())
	}
	if _, err := ParseFile(got); err != nil {
		t.Errorf("the opened policy does not parse: %v", err)
	}
}

func TestOpenSignedPlainFiles(t *testing.T) {
	for _, data := range []string{string(readExample(t)), `{"version":1}`, `not json`, `[]`, `null`, `{"version":1,"children":[`, ``} {
		_, _, ok, err := OpenSigned([]byte(data))
		if ok || err != nil {
			t.Errorf("OpenSigned(%.30q): ok %v err %v; want a plain file (false, nil)", data, ok, err)
		}
	}
}

func TestSignRefuses(t *testing.T) {
	priv := testKey(1)
	_, env, _ := signedExample(t)
	cases := []struct {
		sentence string
		policy   []byte
		priv     ed25519.PrivateKey
		inErr    string
	}{
		{"a broken policy is not signed", []byte(`{"version":1,"children":[{"name":"An"}]}`), priv, "birthYear"},
		{"an envelope is not signed again", env, priv, "already signed"},
		{"a short key is refused", readExample(t), priv[:10], "private key"},
	}
	for _, c := range cases {
		if _, err := Sign(c.policy, c.priv, signNow); err == nil || !strings.Contains(err.Error(), c.inErr) {
			t.Errorf("%s: %v; want an error mentioning %q", c.sentence, err, c.inErr)
		}
	}
}

func TestOpenSignedRefuses(t *testing.T) {
	policy, env, _ := signedExample(t)
	other := testKey(2)
	b64 := base64.StdEncoding.EncodeToString
	tampered := bytes.Clone(policy)
	tampered[bytes.Index(tampered, []byte("2h"))] = '3' // "screen": 2h → 3h
	cases := []struct {
		sentence string
		data     []byte
		field    string
		badSig   bool
	}{
		{"one changed byte of the policy breaks the signature",
			editEnvelope(t, env, func(m map[string]any) { m["policy"] = b64(tampered) }), "signedPolicy.signature", true},
		{"a changed signature does not verify",
			editEnvelope(t, env, func(m map[string]any) {
				s, _ := base64.StdEncoding.DecodeString(m["signature"].(string))
				s[0] ^= 1
				m["signature"] = b64(s)
			}), "signedPolicy.signature", true},
		{"another key does not verify the school's signature",
			editEnvelope(t, env, func(m map[string]any) { m["key"] = b64(other.Public().(ed25519.PublicKey)) }), "signedPolicy.signature", true},
		{"the date is signed too: an older date does not verify",
			editEnvelope(t, env, func(m map[string]any) { m["signedAt"] = "2024-01-01T00:00:00Z" }), "signedPolicy.signature", true},
		{"a forger's own signature over the school's key does not verify",
			editEnvelope(t, env, func(m map[string]any) {
				m["signature"] = b64(ed25519.Sign(other, SignedMessage(m["signedAt"].(string), tampered)))
				m["policy"] = b64(tampered)
			}), "signedPolicy.signature", true},
		{"a missing signature is named", editEnvelope(t, env, func(m map[string]any) { delete(m, "signature") }), "signedPolicy.signature", false},
		{"a signature that is not base64 is named", editEnvelope(t, env, func(m map[string]any) { m["signature"] = "!!" }), "signedPolicy.signature", false},
		{"a short key is named", editEnvelope(t, env, func(m map[string]any) { m["key"] = b64([]byte("short")) }), "signedPolicy.key", false},
		{"a key that is a number is named", editEnvelope(t, env, func(m map[string]any) { m["key"] = 7 }), "signedPolicy.key", false},
		{"an empty policy is named", editEnvelope(t, env, func(m map[string]any) { m["policy"] = "" }), "signedPolicy.policy", false},
		{"another version is named", editEnvelope(t, env, func(m map[string]any) { m["version"] = 2 }), "signedPolicy.version", false},
		{"a missing version is named", editEnvelope(t, env, func(m map[string]any) { delete(m, "version") }), "signedPolicy.version", false},
		{"a bad date is named", editEnvelope(t, env, func(m map[string]any) { m["signedAt"] = "yesterday" }), "signedPolicy.signedAt", false},
		{"an unknown field is named", editEnvelope(t, env, func(m map[string]any) { m["trusted"] = true }), "signedPolicy.trusted", false},
		{"a field beside the envelope is named", []byte(`{"version":1,"signedPolicy":{}}`), "version", false},
		{"an envelope that is not an object is named", []byte(`{"signedPolicy":"yes"}`), "signedPolicy", false},
		{"a duplicate field is named",
			[]byte(strings.Replace(string(env), `"version": 1,`, `"version": 1, "version": 1,`, 1)), "signedPolicy.version", false},
	}
	for _, c := range cases {
		_, _, ok, err := OpenSigned(c.data)
		if !ok || err == nil {
			t.Errorf("%s: ok %v err %v; want an envelope with an error", c.sentence, ok, err)
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Path != c.field || fe.Reason == "" {
			t.Errorf("%s: %v; want an error on %s", c.sentence, err, c.field)
		}
		if errors.Is(err, ErrBadSignature) != c.badSig {
			t.Errorf("%s: errors.Is(ErrBadSignature) = %v, want %v", c.sentence, !c.badSig, c.badSig)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	priv := testKey(3)
	got, err := ParsePrivateKey(MarshalPrivateKey(priv))
	if err != nil || !got.Equal(priv) {
		t.Fatalf("private key round trip: %v", err)
	}
	pub, err := ParsePublicKey(MarshalPublicKey(priv.Public().(ed25519.PublicKey)))
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	if KeyID(pub) == KeyID(testKey(4).Public().(ed25519.PublicKey)) {
		t.Error("two keys have one ID")
	}
	for _, bad := range []string{``, `{}`, `{"ed25519PrivateKey":"!!"}`, `{"ed25519PrivateKey":"AAAA"}`, `{"ed25519PublicKey":"AAAA"}`, `{"ed25519PrivateKey":"AAAA","x":1}`} {
		if _, err := ParsePrivateKey([]byte(bad)); err == nil {
			t.Errorf("ParsePrivateKey(%q) accepted", bad)
		}
	}
	// A public key file is not a private key, and the other way round.
	if _, err := ParsePrivateKey(MarshalPublicKey(pub)); err == nil {
		t.Error("a public key file read as a private key")
	}
	if _, err := ParsePublicKey(MarshalPrivateKey(priv)); err == nil {
		t.Error("a private key file read as a public key")
	}
}

// FuzzOpenSigned: opening never panics; an error is always a field error
// naming a field; what opens verifies with the key it names.
func FuzzOpenSigned(f *testing.F) {
	_, env, _ := signedExample(f)
	f.Add(env)
	f.Add(readExample(f))
	f.Add([]byte(`{"signedPolicy":{}}`))
	f.Add([]byte(`{"signedPolicy":{"version":1,"policy":"e30=","key":"","signature":"","signedAt":"x"}}`))
	f.Add([]byte(`{"signedPolicy":null}`))
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ok, err := OpenSignedPolicy(data)
		if !ok {
			if err != nil {
				t.Fatalf("a plain file with an error: %v", err)
			}
			return
		}
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Path == "" || fe.Reason == "" {
				t.Fatalf("error %T %q does not name a field", err, err)
			}
			return
		}
		sig, signedAt := sigOf(t, data)
		if !ed25519.Verify(s.Key, SignedMessage(signedAt, s.Policy), sig) {
			t.Fatalf("opened an envelope that does not verify")
		}
	})
}

func sigOf(t *testing.T, data []byte) ([]byte, string) {
	var e struct {
		SignedPolicy struct {
			Signature string `json:"signature"`
			SignedAt  string `json:"signedAt"`
		} `json:"signedPolicy"`
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	b, _ := base64.StdEncoding.DecodeString(e.SignedPolicy.Signature)
	return b, e.SignedPolicy.SignedAt
}
