package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PIN rules.
const (
	MinDigitsPIN    = 6   // a PIN of digits only has at least this many
	MinPassphrase   = 8   // a passphrase (not only digits) has at least this many characters
	MaxPINBytes     = 256 // longer input is refused rather than hashed
	argonTime       = 2
	argonMemoryKiB  = 19 * 1024 // OWASP's argon2id minimum: m=19 MiB, t=2, p=1
	argonThreads    = 1
	argonKeyLen     = 32
	argonSaltLen    = 16
	maxArgonMemory  = 256 * 1024 // bounds on parameters read back from a stored hash
	maxArgonTime    = 10
	maxArgonThreads = 16
)

// ErrMalformedHash means a stored PIN hash cannot be parsed.
var ErrMalformedHash = errors.New("malformed argon2id PIN hash")

// ValidatePIN reports why pin cannot be a parent PIN, or nil. A PIN is
// either at least 6 digits that are not one repeated digit nor a straight
// run (123456, 987654), or a passphrase of at least 8 characters containing
// something other than a digit.
func ValidatePIN(pin string) error {
	if pin == "" {
		return errors.New("the PIN is empty")
	}
	if !utf8.ValidString(pin) {
		return errors.New("the PIN is not valid text (UTF-8)")
	}
	if len(pin) > MaxPINBytes {
		return fmt.Errorf("the PIN is longer than %d bytes", MaxPINBytes)
	}
	if strings.TrimSpace(pin) != pin {
		return errors.New("the PIN starts or ends with a space")
	}
	for _, r := range pin {
		if unicode.IsControl(r) {
			return errors.New("the PIN contains a control character")
		}
	}
	n := utf8.RuneCountInString(pin)
	if isDigits(pin) {
		switch {
		case n < MinDigitsPIN:
			return fmt.Errorf("a PIN of digits needs at least %d digits, this one has %d", MinDigitsPIN, n)
		case isRepeated(pin):
			return errors.New("the PIN repeats one digit; a child could guess it")
		case isRun(pin):
			return errors.New("the PIN is a straight run of digits; a child could guess it")
		}
		return nil
	}
	if n < MinPassphrase {
		return fmt.Errorf("a passphrase needs at least %d characters, this one has %d", MinPassphrase, n)
	}
	return nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isRepeated(s string) bool { return strings.Count(s, s[:1]) == len(s) }

// isRun reports digits that go up or down by one at each step (wrapping
// 9→0 or 0→9), such as 123456, 789012 or 654321.
func isRun(s string) bool {
	up, down := true, true
	for i := 1; i < len(s); i++ {
		d := (int(s[i]) - int(s[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}

// HashPIN validates pin and returns its argon2id hash in the PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded base64).
func HashPIN(pin string) (string, error) {
	if err := ValidatePIN(pin); err != nil {
		return "", fmt.Errorf("hash PIN: %w", err)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash PIN: read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPIN reports whether pin matches the hash encoded by HashPIN,
// comparing in constant time. The parameters are read from encoded, so
// hashes made with other costs still verify; an error means encoded is
// malformed (never that the PIN is wrong).
func CheckPIN(encoded, pin string) (bool, error) {
	p, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	if len(pin) > MaxPINBytes {
		return false, nil
	}
	key := argon2.IDKey([]byte(pin), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseHash(encoded string) (argonHash, error) {
	var h argonHash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, fmt.Errorf("%w: want $argon2id$v=..$m=..,t=..,p=..$salt$hash", ErrMalformedHash)
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return h, fmt.Errorf("%w: version %q, want v=%d", ErrMalformedHash, parts[2], argon2.Version)
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &threads); err != nil {
		return h, fmt.Errorf("%w: parameters %q: %v", ErrMalformedHash, parts[3], err)
	}
	if h.memory < 8 || h.memory > maxArgonMemory || h.time < 1 || h.time > maxArgonTime || threads < 1 || threads > maxArgonThreads {
		return h, fmt.Errorf("%w: parameters %q out of range", ErrMalformedHash, parts[3])
	}
	h.threads = uint8(threads)
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, fmt.Errorf("%w: hash", ErrMalformedHash)
	}
	return h, nil
}
