// Package i18n loads the app's Vietnamese and English translations into
// fyne's lang package and formats times the way people say them.
//
// Every visible string of the app goes through lang.L with a key that exists
// in both assets/translations/ui/en.json and vi.json (a test checks it).
// The language follows the system locale unless a setting overrides it;
// Setup applies either.
package i18n

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/kidtime/kidtime/assets"
)

// Languages the app is translated into, in the order the settings list them.
var Languages = []string{"vi", "en"}

const dir = "translations/ui"

var (
	mu      sync.Mutex
	current = "en"
)

// Setup loads the translations and selects a language: "vi", "en", or ""
// for the system's language (English when the system's is neither).
//
// fyne's lang package has no call to override the system locale, so Setup
// registers the chosen language's strings under the locale that lang picks
// for this system (and under "en", its fallback); the original files are
// re-registered first, so Setup can be called again to switch.
func Setup(choice string) error {
	mu.Lock()
	defer mu.Unlock()
	sys := lang.SystemLocale()
	chosen, err := resolve(choice, sys)
	if err != nil {
		return err
	}
	if err := lang.AddTranslationsFS(assets.UITranslations, dir); err != nil {
		return fmt.Errorf("load translations: %w", err)
	}
	data, err := assets.UITranslations.ReadFile(dir + "/" + chosen + ".json")
	if err != nil {
		return fmt.Errorf("read %s translations: %w", chosen, err)
	}
	targets := []fyne.Locale{"en"}
	if usable(sys) && sys != "en" {
		targets = append(targets, sys)
	}
	for _, l := range targets {
		if err := lang.AddTranslationsForLocale(data, l); err != nil {
			return fmt.Errorf("select %s for locale %s: %w", chosen, l, err)
		}
	}
	current = chosen
	return nil
}

// resolve picks the language for a choice on a system locale.
func resolve(choice string, sys fyne.Locale) (string, error) {
	switch choice {
	case "vi", "en":
		return choice, nil
	case "":
		if strings.HasPrefix(string(sys), "vi") {
			return "vi", nil
		}
		return "en", nil
	}
	return "", fmt.Errorf("unknown language %q (want vi, en or empty for the system's)", choice)
}

// usable reports whether a locale names a real language (not C/POSIX/und).
func usable(l fyne.Locale) bool {
	s := l.LanguageString()
	return len(s) >= 2 && s != "und" && !strings.EqualFold(s, "c")
}

// Current is the language in use: "vi" or "en".
func Current() string {
	mu.Lock()
	defer mu.Unlock()
	return current
}

// LanguageName is the name of a language in that language, for pickers.
func LanguageName(code string) string {
	switch code {
	case "vi":
		return "Tiếng Việt"
	case "en":
		return "English"
	}
	return lang.L("settings.language.system")
}

// Duration says a duration the way people do: "1 giờ 15 phút" / "1 h 15 min",
// whole minutes from one minute up (rounded down), seconds below.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return lang.L("duration.s", map[string]any{"S": int(d / time.Second)})
	}
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	switch {
	case h == 0:
		return lang.L("duration.m", map[string]any{"M": m})
	case m == 0:
		return lang.L("duration.h", map[string]any{"H": h})
	}
	return lang.L("duration.hm", map[string]any{"H": h, "M": m})
}

// Seconds is Duration for a count of seconds as the API sends them.
func Seconds(sec int64) string { return Duration(time.Duration(sec) * time.Second) }

// Countdown shows the last minutes as a clock: "0:42", "4:05".
func Countdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Clock is a time of day, 24-hour, as both languages write it, in local
// time (the API sends times in any zone, UTC included).
func Clock(t time.Time) string { return t.Local().Format("15:04") }

// Date is a date in the language's order: 21/03/2026 in Vietnamese,
// Mar 21, 2026 in English; the local day.
func Date(t time.Time) string {
	t = t.Local()
	if Current() == "vi" {
		return t.Format("02/01/2006")
	}
	return t.Format("Jan 2, 2006")
}

// ShortDate is a day for chart labels: 21/3 or 3/21.
func ShortDate(t time.Time) string {
	if Current() == "vi" {
		return t.Format("2/1")
	}
	return t.Format("1/2")
}

// When says when something happens: "15:30" today, "tomorrow 06:00" or a
// date, all in local time.
func When(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return Clock(t)
	}
	ty, tm, td := now.AddDate(0, 0, 1).Date()
	if y1 == ty && m1 == tm && d1 == td {
		return lang.L("when.tomorrow", map[string]any{"Time": Clock(t)})
	}
	return Date(t) + " " + Clock(t)
}

// ErrorText is the sentence of an error's message key (the daemon's
// apitype.Error.Key and Args, or a rules error's) in the app's language;
// retryAfterSec, when above 0, fills a missing {waitSec}. ok is false when
// the key has no sentence. The sentences live with the CLI's, in
// assets/translations/cli ("err.*"), so the CLI and the app say the same.
func ErrorText(key string, args map[string]string, retryAfterSec int64) (string, bool) {
	if retryAfterSec > 0 && args["waitSec"] == "" {
		withWait := map[string]string{"waitSec": fmt.Sprint(retryAfterSec)}
		for k, v := range args {
			withWait[k] = v
		}
		args = withWait
	}
	return assets.ErrorText(Current(), key, args)
}

// Plural is lang.L for a count n: the key's ".one" form when n is 1 (both
// translation files have it: "1 request", "1 yêu cầu"), the key itself
// otherwise ("2 requests"). data should hold n under the key's own name.
func Plural(key string, n int, data map[string]any) string {
	if n == 1 {
		if s := lang.L(key+".one", data); s != key+".one" {
			return s
		}
	}
	return lang.L(key, data)
}
