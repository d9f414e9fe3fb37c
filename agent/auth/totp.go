package auth

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// Parent code parameters: what every authenticator app understands.
const (
	CodeDigits = 6
	CodePeriod = 30 * time.Second
	CodeSkew   = 1 // steps accepted either side of now
)

var hotpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPSecret makes a new random parent-code secret (160 bits, base32) and
// the otpauth:// URL to show once as a QR code for an authenticator app.
func NewTOTPSecret(issuer, account string) (secret string, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      uint(CodePeriod / time.Second),
		SecretSize:  20,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("new parent code secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// counterAt is the RFC 6238 time step containing t.
func counterAt(t time.Time) int64 {
	return t.Unix() / int64(CodePeriod/time.Second)
}

// CheckCode reports whether code is the parent code at now, give or take one
// 30 s step, for a step later than lastUsedCounter (so an accepted code, or
// an older one, cannot be used again). On success counter is the step that
// matched: the caller stores it as the next lastUsedCounter. Use 0 (or -1)
// when no code has been accepted yet.
func CheckCode(secret, code string, now time.Time, lastUsedCounter int64) (ok bool, counter int64) {
	if len(code) != CodeDigits || !isDigits(code) {
		return false, 0
	}
	c := counterAt(now)
	for step := c - CodeSkew; step <= c+CodeSkew; step++ {
		if step <= lastUsedCounter || step < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), hotpOpts)
		if err != nil {
			return false, 0
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return true, step
		}
	}
	return false, 0
}

// Code returns the parent code at now (for `kidtime code`).
func Code(secret string, now time.Time) (string, error) {
	c := counterAt(now)
	if c < 0 {
		return "", fmt.Errorf("parent code: time %v before 1970", now)
	}
	code, err := hotp.GenerateCodeCustom(secret, uint64(c), hotpOpts)
	if err != nil {
		return "", fmt.Errorf("parent code: %w", err)
	}
	return code, nil
}
