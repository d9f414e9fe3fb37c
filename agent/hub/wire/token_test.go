package wire

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseToken(t *testing.T) {
	good := Token{Hub: "hub.school.example:4333", Fingerprint: strings.Repeat("ab", 32), Secret: "0123456789abcdef0123", Expires: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	with := func(f func(*Token)) string { tk := good; f(&tk); return tk.String() }
	cases := []struct {
		sentence string
		token    string
		field    string // "" = read
	}{
		{"a token as String wrote it is read back", good.String(), ""},
		{"spaces around a pasted token are fine", "  " + good.String() + "\n", ""},
		{"another prefix is not a token", "kt2." + strings.TrimPrefix(good.String(), "kt1."), "token"},
		{"a cut token is damaged", good.String()[:30], "token"},
		{"no port in the hub address", with(func(tk *Token) { tk.Hub = "hub.school.example" }), "hub"},
		{"a short fingerprint", with(func(tk *Token) { tk.Fingerprint = "abcd" }), "fingerprint"},
		{"no secret", with(func(tk *Token) { tk.Secret = "" }), "secret"},
		{"no expiry", with(func(tk *Token) { tk.Expires = time.Time{} }), "expires"},
	}
	for _, c := range cases {
		got, err := ParseToken(c.token)
		var te *TokenError
		switch {
		case c.field == "" && (err != nil || got.Hub != good.Hub || !got.Expires.Equal(good.Expires)):
			t.Errorf("%s: %+v, %v", c.sentence, got, err)
		case c.field != "" && (!errors.As(err, &te) || te.Field != c.field):
			t.Errorf("%s: %v; want a TokenError on %s", c.sentence, err, c.field)
		}
	}
	if k, args := (&TokenError{"hub", "why"}).MessageKey(); k != "err.hub.tokenBad" || args["reason"] != "why" {
		t.Errorf("MessageKey = %s %v", k, args)
	}
}

func TestSubjects(t *testing.T) {
	if got := PCFromSubject(UsageSubject("h1", "pc1", ChildKey("An"), "2026-12-01")); got != "pc1" {
		t.Errorf("PCFromSubject of a usage subject = %q", got)
	}
	for _, s := range []string{"kt.h1.policy", "_i.pc1.x", "kt.h1.pc"} {
		if got := PCFromSubject(s); got != "" {
			t.Errorf("PCFromSubject(%q) = %q; want none", s, got)
		}
	}
	if a, again := ChildKey("An"), ChildKey("An"); a == ChildKey("Bình") || a != again || strings.Contains(a, "An") {
		t.Error("ChildKey must be stable, distinct, and not the name")
	}
	if (Rollup{PC: "p", Child: "c", Day: "d", Rev: 7}).MsgID() != "p.c.d.7" {
		t.Error("MsgID is PC.child.day.revision")
	}
}
