package assets

import (
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
)

// CLITranslations holds translations/cli/{en,vi}.json: the messages of the
// daemon (notifications) and of the CLI, flat key -> format string.
//
//go:embed translations/cli
var CLITranslations embed.FS

var (
	msgOnce sync.Once
	msgs    map[string]map[string]string
	msgErr  error
)

func loadMessages() {
	msgs = map[string]map[string]string{}
	for _, lang := range Languages {
		b, err := CLITranslations.ReadFile("translations/cli/" + lang + ".json")
		if err != nil {
			msgErr = fmt.Errorf("read %s messages: %w", lang, err)
			return
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			msgErr = fmt.Errorf("parse %s messages: %w", lang, err)
			return
		}
		msgs[lang] = m
	}
}

// Languages are the languages every message exists in.
var Languages = []string{"en", "vi"}

// Messages returns the message catalog of a language (for tests).
func Messages(lang string) (map[string]string, error) {
	msgOnce.Do(loadMessages)
	return msgs[lang], msgErr
}

// T formats the message key in lang ("vi" or "en"), falling back to English
// and then to the key itself, so that a missing translation never hides a
// message.
func T(lang, key string, args ...any) string {
	msgOnce.Do(loadMessages)
	f, ok := msgs[lang][key]
	if !ok {
		f, ok = msgs["en"][key]
	}
	if !ok {
		f = key
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// SystemLanguage picks "vi" or "en" from the environment (LC_ALL,
// LC_MESSAGES, LANG, LANGUAGE), then /etc/default/locale; English otherwise.
func SystemLanguage() string {
	for _, v := range []string{"KIDTIME_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		if l := langOf(os.Getenv(v)); l != "" {
			return l
		}
	}
	if b, err := os.ReadFile("/etc/default/locale"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "LANG" {
				if l := langOf(strings.Trim(v, `" `)); l != "" {
					return l
				}
			}
		}
	}
	return "en"
}

func langOf(v string) string {
	v = strings.ToLower(v)
	switch {
	case v == "":
		return ""
	case strings.HasPrefix(v, "vi"):
		return "vi"
	case strings.HasPrefix(v, "en"), v == "c", v == "posix", strings.HasPrefix(v, "c."):
		return "en"
	}
	return ""
}

// HumanDuration writes a duration as people say it: "1 h 15 min" in
// English, "1 giờ 15 phút" in Vietnamese; under a minute in seconds.
func HumanDuration(lang string, d int64) string {
	if d < 0 {
		d = 0
	}
	h, m, s := d/3600, d%3600/60, d%60
	unit := func(k string) string { return T(lang, "unit."+k) }
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d %s %d %s", h, unit("h"), m, unit("min"))
	case h > 0:
		return fmt.Sprintf("%d %s", h, unit("h"))
	case m > 0 && s > 0 && m < 2:
		return fmt.Sprintf("%d %s %d %s", m, unit("min"), s, unit("s"))
	case m > 0:
		return fmt.Sprintf("%d %s", m, unit("min"))
	}
	return fmt.Sprintf("%d %s", s, unit("s"))
}
