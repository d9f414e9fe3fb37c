package wire

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// tokenPrefix starts every enrolment token (version 1).
const tokenPrefix = "kt1."

// Token is a one-time enrolment token: where the hub is, the fingerprint
// of the certificate authority its TLS certificate must chain to, a secret
// the hub knows only by its hash, and when it expires.
type Token struct {
	Hub         string    `json:"h"`
	Fingerprint string    `json:"f"`
	Secret      string    `json:"s"`
	Expires     time.Time `json:"e"`
}

// NewSecret is a fresh one-time secret (32 random bytes, base64url).
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// SecretHash is what the hub keeps of a secret.
func SecretHash(secret string) string {
	h := sha256.Sum256([]byte("kidtime enrol\n" + secret))
	return hex.EncodeToString(h[:])
}

// SameHash compares two hashes in constant time.
func SameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// String is the token as a person copies it.
func (t Token) String() string {
	b, _ := json.Marshal(t)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// TokenError is a token that cannot be read; Field names what is wrong.
type TokenError struct {
	Field  string
	Reason string
}

func (e *TokenError) Error() string { return "TOKEN: " + e.Reason }

// MessageKey names the sentence (api.KeyedError).
func (e *TokenError) MessageKey() (string, map[string]string) {
	return "err.hub.tokenBad", map[string]string{"reason": e.Reason, "field": "token"}
}

// HTTPStatus: a token that cannot be read is bad input.
func (e *TokenError) HTTPStatus() int { return 400 }

// ParseToken reads a token as String wrote it.
func ParseToken(s string) (Token, error) {
	s = strings.TrimSpace(s)
	var t Token
	if !strings.HasPrefix(s, tokenPrefix) {
		return t, &TokenError{"token", "not a kidtime enrolment token (it starts with " + tokenPrefix + ")"}
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, tokenPrefix))
	if err != nil {
		return t, &TokenError{"token", "damaged (copy it whole, on one line)"}
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, &TokenError{"token", "damaged (copy it whole, on one line)"}
	}
	if _, _, err := net.SplitHostPort(t.Hub); err != nil || t.Hub == "" {
		return t, &TokenError{"hub", "names no hub address HOST:PORT"}
	}
	if fp, err := hex.DecodeString(t.Fingerprint); err != nil || len(fp) != sha256.Size {
		return t, &TokenError{"fingerprint", "carries no certificate fingerprint"}
	}
	if len(t.Secret) < 16 {
		return t, &TokenError{"secret", "carries no secret"}
	}
	if t.Expires.IsZero() {
		return t, &TokenError{"expires", "carries no expiry"}
	}
	return t, nil
}

// Fingerprint is the SHA-256 of a certificate's DER bytes, in hex.
func Fingerprint(der []byte) string {
	h := sha256.Sum256(der)
	return hex.EncodeToString(h[:])
}

// ErrNotPinned is wrapped by the TLS error of a hub whose certificate does
// not chain to the pinned authority.
var ErrNotPinned = errors.New("the hub's certificate is not from the certificate authority named by the token")

// PinnedTLS is the client TLS configuration that accepts only a server
// whose certificate chains to the certificate authority of that
// fingerprint (sent by the server in its chain). Host names are not
// checked: the pin is the trust, whatever address reaches the hub.
func PinnedTLS(fingerprint string) *tls.Config {
	fingerprint = strings.ToLower(fingerprint)
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, // replaced by VerifyConnection's pin
		VerifyConnection: func(cs tls.ConnectionState) error {
			var ca *x509.Certificate
			for _, c := range cs.PeerCertificates {
				if Fingerprint(c.Raw) == fingerprint {
					ca = c
				}
			}
			if ca == nil || len(cs.PeerCertificates) == 0 {
				return ErrNotPinned
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if err != nil {
				return fmt.Errorf("%w: %v", ErrNotPinned, err)
			}
			return nil
		},
	}
}
