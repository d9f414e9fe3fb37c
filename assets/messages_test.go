package assets

import (
	"strings"
	"testing"
)

func TestMessagesHaveTheSameKeysInEveryLanguage(t *testing.T) {
	en, err := Messages("en")
	if err != nil {
		t.Fatal(err)
	}
	vi, err := Messages("vi")
	if err != nil {
		t.Fatal(err)
	}
	if len(en) == 0 {
		t.Fatal("no English messages")
	}
	for k, v := range en {
		w, ok := vi[k]
		if !ok {
			t.Errorf("%q has no Vietnamese translation", k)
			continue
		}
		if strings.Count(v, "%") != strings.Count(w, "%") {
			t.Errorf("%q: the translations have different verbs: %q / %q", k, v, w)
		}
	}
	for k := range vi {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is only in Vietnamese", k)
		}
	}
}

func TestT(t *testing.T) {
	cases := []struct {
		sentence  string
		lang, key string
		args      []any
		want      string
	}{
		{"a known key in Vietnamese", "vi", "notify.title", nil, "kidtime"},
		{"a missing key shows the key itself", "vi", "no.such.key", nil, "no.such.key"},
		{"an unknown language falls back to English", "fr", "warn.screen", []any{"5 min"}, "5 min of screen time left today."},
	}
	for _, c := range cases {
		if got := T(c.lang, c.key, c.args...); got != c.want {
			t.Errorf("%s: got %q, want %q", c.sentence, got, c.want)
		}
	}
}

func TestLangOf(t *testing.T) {
	for in, want := range map[string]string{"vi_VN.UTF-8": "vi", "en_US.UTF-8": "en", "C": "en", "fr_FR": "", "": ""} {
		if got := langOf(in); got != want {
			t.Errorf("langOf(%q) = %q, want %q", in, got, want)
		}
	}
}
