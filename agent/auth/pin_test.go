package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/auth"
)

func TestValidatePIN(t *testing.T) {
	tests := []struct {
		name    string
		pin     string
		wantErr string // a word of the reason; "" means valid
	}{
		{"Six digits that are not a pattern make a PIN.", "274916", ""},
		{"Ten digits make a PIN.", "2749160385", ""},
		{"Five digits are too few.", "27491", "at least 6 digits"},
		{"The empty PIN is refused.", "", "empty"},
		{"One digit repeated is guessable.", "000000", "repeats"},
		{"A rising run is guessable.", "123456", "straight run"},
		{"A rising run that wraps past 9 is guessable.", "789012", "straight run"},
		{"A falling run is guessable.", "987654", "straight run"},
		{"A passphrase of eight characters is accepted.", "kite-sky", ""},
		{"A passphrase may mix digits and letters.", "1234567a", ""},
		{"A passphrase may use Vietnamese letters, counted as characters.", "mẹ yêu con", ""},
		{"A passphrase of seven characters is too short.", "kitesky", "at least 8 characters"},
		{"Seven Vietnamese letters are seven characters, not their bytes.", "đườngđi", "at least 8 characters"},
		{"A leading space is refused, as it is invisible when typed.", " kite-sky", "space"},
		{"A control character is refused.", "kite\tsky1", "control"},
		{"Invalid UTF-8 is refused.", "kite\xffsky1", "UTF-8"},
		{"A PIN beyond 256 bytes is refused.", strings.Repeat("ab", 129), "longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.ValidatePIN(tt.pin)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("ValidatePIN(%q) = %v, want valid", tt.pin, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ValidatePIN(%q) = %v, want an error about %q", tt.pin, err, tt.wantErr)
			}
		})
	}
}

func TestHashCheckPIN(t *testing.T) {
	enc, err := auth.HashPIN("274916")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("encoding %q, want the argon2id PHC form with OWASP parameters", enc)
	}
	again, err := auth.HashPIN("274916")
	if err != nil {
		t.Fatal(err)
	}
	if again == enc {
		t.Error("two hashes of one PIN are equal: the salt is not random")
	}
	tests := []struct {
		name string
		pin  string
		want bool
	}{
		{"The right PIN matches.", "274916", true},
		{"A PIN one digit off does not match.", "274917", false},
		{"A prefix of the PIN does not match.", "27491", false},
		{"The PIN with a trailing newline does not match.", "274916\n", false},
		{"The empty PIN does not match.", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := auth.CheckPIN(enc, tt.pin)
			if err != nil || ok != tt.want {
				t.Errorf("CheckPIN(%q) = %v, %v; want %v", tt.pin, ok, err, tt.want)
			}
		})
	}
}

func TestHashPINRefusesWeak(t *testing.T) {
	if _, err := auth.HashPIN("1234"); err == nil {
		t.Error("HashPIN accepted a 4-digit PIN")
	}
}

func TestCheckPINMalformed(t *testing.T) {
	good, err := auth.HashPIN("kite-sky")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	tests := []struct {
		name string
		enc  string
	}{
		{"An empty stored hash is malformed.", ""},
		{"A bcrypt hash is not argon2id.", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"An argon2i (not id) hash is refused.", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"An unknown version is refused.", strings.Replace(good, "v=19", "v=16", 1)},
		{"Absurd memory (a tampered file asking for 4 GiB) is refused.", strings.Replace(good, "m=19456", "m=4194304", 1)},
		{"Zero iterations are refused.", strings.Replace(good, "t=2", "t=0", 1)},
		{"A salt that is not base64 is refused.", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$")},
		{"A truncated hash is refused.", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := auth.CheckPIN(tt.enc, "kite-sky")
			if ok || !errors.Is(err, auth.ErrMalformedHash) {
				t.Errorf("CheckPIN(%q) = %v, %v; want ErrMalformedHash", tt.enc, ok, err)
			}
		})
	}
}

func BenchmarkHashPIN(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPIN("274916"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPIN(b *testing.B) {
	enc, err := auth.HashPIN("274916")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := auth.CheckPIN(enc, "274917"); ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
