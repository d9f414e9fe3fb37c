package i18n_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
)

func load(t *testing.T, lang string) map[string]string {
	t.Helper()
	data, err := assets.UITranslations.ReadFile("translations/ui/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s.json is not a flat key -> string object: %v", lang, err)
	}
	return m
}

var keyRE = regexp.MustCompile(`lang\.[LX]\("([^"]+)"`)

// usedKeys scans the ui sources (tests excluded) for lang.L("key") and
// lang.X("key", ...). Keys that end in "." are prefixes of keys built at run
// time; Dynamic lists those.
func usedKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasSuffix(m[1], ".") {
				keys = append(keys, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys in ui/: the scan is broken", len(keys))
	}
	return keys
}

// Dynamic are the keys the ui builds at run time from a prefix.
func Dynamic() []string {
	var out []string
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		out = append(out, "day."+d)
	}
	for _, k := range []string{"screen", "games", "hours", "rating"} {
		for _, b := range []string{"0", "2", "6", "9", "12", "16"} {
			out = append(out, "why."+k+"."+b)
		}
	}
	out = append(out, "notify.title.screen", "notify.title.games")
	for _, r := range rules.Reasons() {
		out = append(out, r.MessageKey())
	}
	return out
}

func TestEveryKeyIsTranslated(t *testing.T) {
	en, vi := load(t, "en"), load(t, "vi")
	keys := append(usedKeys(t), Dynamic()...)
	for _, k := range keys {
		if en[k] == "" {
			t.Errorf("key %q is used but missing in en.json", k)
		}
		if vi[k] == "" {
			t.Errorf("key %q is used but missing in vi.json", k)
		}
	}
}

func TestBothLanguagesHaveTheSameKeys(t *testing.T) {
	en, vi := load(t, "en"), load(t, "vi")
	for k := range en {
		if _, ok := vi[k]; !ok {
			t.Errorf("%q is in en.json but not in vi.json", k)
		}
	}
	for k := range vi {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in vi.json but not in en.json", k)
		}
	}
}

// TestVietnameseIsWrittenWithDiacritics catches a file saved without
// diacritics (or an English string pasted into vi.json).
func TestVietnameseIsWrittenWithDiacritics(t *testing.T) {
	vi := load(t, "vi")
	marked := 0
	for _, v := range vi {
		if strings.ContainsAny(v, "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ") {
			marked++
		}
	}
	if marked*10 < len(vi)*7 {
		t.Errorf("only %d of %d Vietnamese strings have diacritics", marked, len(vi))
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		sentence string
		d        time.Duration
		en, vi   string
	}{
		{"hours and minutes are both said", 75 * time.Minute, "1 h 15 min", "1 giờ 15 phút"},
		{"whole hours drop the minutes", 2 * time.Hour, "2 h", "2 giờ"},
		{"under an hour only minutes", 45 * time.Minute, "45 min", "45 phút"},
		{"seconds are dropped from a minute up", 90 * time.Second, "1 min", "1 phút"},
		{"under a minute the seconds are said", 42 * time.Second, "42 s", "42 giây"},
		{"nothing left is zero seconds", 0, "0 s", "0 giây"},
		{"a negative duration is nothing left", -time.Minute, "0 s", "0 giây"},
	}
	for _, lang := range []string{"en", "vi"} {
		if err := i18n.Setup(lang); err != nil {
			t.Fatal(err)
		}
		if got := i18n.Current(); got != lang {
			t.Fatalf("Setup(%q): Current() = %q", lang, got)
		}
		for _, c := range cases {
			want := c.en
			if lang == "vi" {
				want = c.vi
			}
			if got := i18n.Duration(c.d); got != want {
				t.Errorf("%s (%s): Duration(%v) = %q, want %q", c.sentence, lang, c.d, got, want)
			}
		}
	}
}

func TestDatesFollowTheLanguage(t *testing.T) {
	d := time.Date(2026, 3, 21, 6, 5, 0, 0, time.Local)
	cases := []struct {
		sentence, lang, want string
	}{
		{"Vietnamese puts the day first", "vi", "21/03/2026"},
		{"English puts the month first", "en", "Mar 21, 2026"},
	}
	for _, c := range cases {
		if err := i18n.Setup(c.lang); err != nil {
			t.Fatal(err)
		}
		if got := i18n.Date(d); got != c.want {
			t.Errorf("%s: Date = %q, want %q", c.sentence, got, c.want)
		}
	}
	if err := i18n.Setup("vi"); err != nil {
		t.Fatal(err)
	}
	if got := i18n.When(d.Add(24*time.Hour), d); got != "ngày mai lúc 06:05" {
		t.Errorf("tomorrow is said as such: got %q", got)
	}
	if got := i18n.Countdown(65 * time.Second); got != "1:05" {
		t.Errorf("a countdown reads m:ss: got %q", got)
	}
}

func TestTimesAreShownInLocalTime(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("ICT", 7*3600) // Vietnam
	t.Cleanup(func() { time.Local = saved })
	if err := i18n.Setup("en"); err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC on the 21st is 06:30 on the 22nd in Hà Nội
	back := time.Date(2026, 3, 21, 23, 30, 0, 0, time.UTC)
	now := time.Date(2026, 3, 21, 16, 0, 0, 0, time.UTC) // 23:00 local, the 21st
	if got := i18n.Clock(back); got != "06:30" {
		t.Errorf("Clock of a UTC time = %q, want 06:30", got)
	}
	if got := i18n.Date(back); got != "Mar 22, 2026" {
		t.Errorf("Date of a UTC time = %q, want the local day", got)
	}
	if got := i18n.When(back, now); got != "tomorrow at 06:30" {
		t.Errorf("When of a UTC time = %q", got)
	}
	// the same instant seen from a UTC "now" is still tomorrow locally
	if got := i18n.When(back, now.Local()); got != "tomorrow at 06:30" {
		t.Errorf("When with a local now = %q", got)
	}
}

func TestSetupRefusesUnknownLanguages(t *testing.T) {
	if err := i18n.Setup("fr"); err == nil {
		t.Error("Setup(fr) should fail: there is no French translation")
	}
	if !slices.Contains(i18n.Languages, "vi") || !slices.Contains(i18n.Languages, "en") {
		t.Error("Languages should list vi and en")
	}
}

// The daemon's errors are said in the app's language, from their key, and
// every duration the app shows reads back as the same duration.
func TestErrorTextAndDurationsReadBack(t *testing.T) {
	cases := []struct {
		sentence string
		key      string
		args     map[string]string
		retry    int64
		en, vi   string
	}{
		{"a wrong PIN", "err.pin.wrong", nil, 0, "Wrong PIN.", "Mã PIN không đúng."},
		{"the wait of a rate limit", "err.rateLimited", nil, 120, "Too many tries. Please wait 2 min.", "Thử sai quá nhiều lần. Hãy đợi 2 phút."},
		{"the five asks", "err.ask.full", map[string]string{"max": "5"}, 0,
			"5 requests are already waiting for an answer. Wait for your parents to answer them.", "Đã có 5 yêu cầu đang chờ trả lời. Con hãy đợi cha mẹ trả lời."},
	}
	for _, lang := range []string{"en", "vi"} {
		if err := i18n.Setup(lang); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			want := c.en
			if lang == "vi" {
				want = c.vi
			}
			if got, ok := i18n.ErrorText(c.key, c.args, c.retry); !ok || got != want {
				t.Errorf("%s (%s): %q, %v; want %q", c.sentence, lang, got, ok, want)
			}
		}
		for _, d := range []time.Duration{42 * time.Second, 45 * time.Minute, 2 * time.Hour, 150 * time.Minute, 24 * time.Hour} {
			if back, err := rules.ParseDuration(i18n.Duration(d)); err != nil || back != d {
				t.Errorf("(%s) %v is shown %q, which reads back as %v, %v", lang, d, i18n.Duration(d), back, err)
			}
		}
	}
}

func TestPlural(t *testing.T) {
	cases := []struct {
		sentence string
		n        int
		en, vi   string
	}{
		{"one request", 1, "1 request waiting for your answer — see Requests.", "1 yêu cầu đang chờ cha mẹ trả lời — xem mục Yêu cầu."},
		{"two requests", 2, "2 requests waiting for your answer — see Requests.", "2 yêu cầu đang chờ cha mẹ trả lời — xem mục Yêu cầu."},
	}
	for _, lang := range []string{"en", "vi"} {
		if err := i18n.Setup(lang); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			want := c.en
			if lang == "vi" {
				want = c.vi
			}
			if got := i18n.Plural("today.pending", c.n, map[string]any{"N": c.n}); got != want {
				t.Errorf("%s (%s): %q, want %q", c.sentence, lang, got, want)
			}
		}
		if got, want := i18n.Plural("today.childAge", 11, map[string]any{"Name": "An", "Age": 11}), map[string]string{"en": "An · 11 years old", "vi": "An · 11 tuổi"}[lang]; got != want {
			t.Errorf("(%s) a child's age: %q, want %q", lang, got, want)
		}
	}
}
