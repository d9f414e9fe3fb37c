package auth_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/auth"
)

func TestNewTOTPSecret(t *testing.T) {
	secret, u, err := auth.NewTOTPSecret("kidtime", "parent@home-pc")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 {
		t.Errorf("secret %q has %d base32 characters, want 32 (160 bits)", secret, len(secret))
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	if pu.Scheme != "otpauth" || pu.Host != "totp" || q.Get("secret") != secret || q.Get("issuer") != "kidtime" ||
		q.Get("digits") != "6" || q.Get("period") != "30" || q.Get("algorithm") != "SHA1" {
		t.Errorf("otpauth URL %q lacks what authenticator apps need", u)
	}
	other, _, _ := auth.NewTOTPSecret("kidtime", "parent@home-pc")
	if other == secret {
		t.Error("two secrets are equal")
	}
}

// RFC 6238 appendix B, SHA1 (8-digit codes truncated to their last 6 digits).
func TestCodeRFC6238(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"} {
		got, err := auth.Code(secret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("Code at %d = %q, %v; want %q", unix, got, err, want)
		}
	}
}

func TestCheckCode(t *testing.T) {
	secret, _, err := auth.NewTOTPSecret("kidtime", "parent")
	if err != nil {
		t.Fatal(err)
	}
	T := time.Unix(1_750_000_005, 0) // 5 s into a step
	code, err := auth.Code(secret, T)
	if err != nil {
		t.Fatal(err)
	}
	step := T.Unix() / 30
	wrong := "000000"
	if wrong == code {
		wrong = "000001"
	}
	tests := []struct {
		name     string
		code     string
		at       time.Time
		lastUsed int64
		want     bool
	}{
		{"The code is valid at the time it was made.", code, T, 0, true},
		{"It is still valid 30 s later (one step of skew).", code, T.Add(30 * time.Second), 0, true},
		{"It is valid 30 s early, for a PC clock behind the phone's.", code, T.Add(-30 * time.Second), 0, true},
		{"It has expired 90 s later.", code, T.Add(90 * time.Second), 0, false},
		{"A used code cannot be replayed.", code, T.Add(10 * time.Second), step, false},
		{"An older code cannot be used after a newer one.", code, T.Add(30 * time.Second), step + 1, false},
		{"A wrong code is refused.", wrong, T, 0, false},
		{"A code with spaces is refused.", code[:3] + " " + code[3:], T, 0, false},
		{"A code of letters is refused.", "abcdef", T, 0, false},
		{"The empty code is refused.", "", T, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, counter := auth.CheckCode(secret, tt.code, tt.at, tt.lastUsed)
			if ok != tt.want {
				t.Fatalf("CheckCode = %v, want %v", ok, tt.want)
			}
			if ok && counter != step {
				t.Errorf("matched step %d, want %d", counter, step)
			}
		})
	}
	// Accept once, then the same code again: the stored counter stops it.
	ok, c := auth.CheckCode(secret, code, T, -1)
	if !ok {
		t.Fatal("first use refused")
	}
	if again, _ := auth.CheckCode(secret, code, T.Add(time.Second), c); again {
		t.Error("the code was accepted twice")
	}
	if ok, _ := auth.CheckCode(strings.Repeat("!", 32), code, T, 0); ok {
		t.Error("a broken secret validated a code")
	}
}
