package assets

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestErrorText(t *testing.T) {
	cases := []struct {
		sentence  string
		lang, key string
		args      map[string]string
		want      string
		ok        bool
	}{
		{"a duration in Vietnamese", "vi", "err.duration", map[string]string{"value": "3 ngày"},
			"“3 ngày” không phải là một khoảng thời gian. Hãy viết ví dụ 2 giờ 30 phút, 2g30, 2:30, 150 phút hoặc 90s.", true},
		{"a wait said as a duration", "vi", "err.rateLimited", map[string]string{"waitSec": "120"}, "Thử sai quá nhiều lần. Hãy đợi 2 phút.", true},
		{"a wait in English", "en", "err.rateLimited", map[string]string{"waitSec": "30"}, "Too many tries. Please wait 30 s.", true},
		{"a missing argument stays visible", "en", "err.child.notFound", nil, "There is no child named {name}.", true},
		{"an unknown key", "vi", "err.no.such", nil, "", false},
		{"no key", "vi", "", nil, "", false},
	}
	for _, c := range cases {
		got, ok := ErrorText(c.lang, c.key, c.args)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: ErrorText(%s, %s) = %q, %v; want %q, %v", c.sentence, c.lang, c.key, got, ok, c.want, c.ok)
		}
	}
}

func TestErrorSentence(t *testing.T) {
	cases := []struct {
		sentence            string
		lang, key, code, en string
		want                string
	}{
		{"a key wins", "vi", "err.pin.wrong", "not_allowed", "wrong PIN", "Mã PIN không đúng."},
		{"no key: the code's sentence with the English detail", "vi", "", "not_found", "no such thing",
			"Không tìm thấy: có thể đã bị xóa. (chi tiết: no such thing)"},
		{"no key in English: the daemon's sentence", "en", "", "not_found", "no such thing", "no such thing"},
		{"an unknown code: the English", "vi", "", "bad_usage", "kidtime: oops", "kidtime: oops"},
	}
	for _, c := range cases {
		if got := ErrorSentence(c.lang, c.key, nil, c.code, c.en); got != c.want {
			t.Errorf("%s: got %q, want %q", c.sentence, got, c.want)
		}
	}
}

// TestEveryErrorKeyInCodeHasBothLanguages reads the Go code of the whole
// module for "err.*" message keys and fails for one without a Vietnamese
// or an English sentence, or whose placeholders differ between the two.
func TestEveryErrorKeyInCodeHasBothLanguages(t *testing.T) {
	en, err := Messages("en")
	if err != nil {
		t.Fatal(err)
	}
	vi, _ := Messages("vi")
	keyRE := regexp.MustCompile(`"(err\.[A-Za-z_.]+[A-Za-z_])"`)
	used := map[string]string{}
	err = filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && d.Name() != ".." || d.Name() == "build") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 40 {
		t.Fatalf("found only %d error keys in the code; is the walk broken?", len(used))
	}
	for _, code := range []string{"bad_request", "not_allowed", "not_found", "conflict", "rate_limited", "internal"} {
		used["err.status."+code] = "ErrorSentence"
	}
	placeholders := regexp.MustCompile(`\{[A-Za-z]+\}`)
	for key, where := range used {
		e, okE := en[key]
		v, okV := vi[key]
		if !okV {
			t.Errorf("%s (used in %s) has no Vietnamese sentence", key, where)
		}
		if !okE {
			t.Errorf("%s (used in %s) has no English sentence", key, where)
		}
		pe, pv := placeholders.FindAllString(e, -1), placeholders.FindAllString(v, -1)
		slices.Sort(pe)
		slices.Sort(pv)
		if okE && okV && !slices.Equal(pe, pv) {
			t.Errorf("%s: the placeholders differ: %v in English, %v in Vietnamese", key, pe, pv)
		}
	}
}
