package assets

import (
	"strconv"
	"strings"
)

// ErrorText is the sentence of an error's message key (the daemon's
// apitype.Error.Key, "err.*" in translations/cli) in lang, its {name}
// placeholders filled from args; an argument whose name ends in "Sec" is a
// number of seconds, said as a duration ("2 phút"). ok is false when the
// key has no sentence in lang or in English.
func ErrorText(lang, key string, args map[string]string) (text string, ok bool) {
	msgOnce.Do(loadMessages)
	f, ok := msgs[lang][key]
	if !ok {
		f, ok = msgs["en"][key]
	}
	if !ok || key == "" {
		return "", false
	}
	return fill(lang, f, args), true
}

// fill replaces each {name} of f by its argument; a {name} without one is
// left as it is.
func fill(lang, f string, args map[string]string) string {
	if !strings.Contains(f, "{") {
		return f
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(f, '{')
		j := strings.IndexByte(f[i+1:], '}')
		if i < 0 || j < 0 {
			b.WriteString(f)
			return b.String()
		}
		name := f[i+1 : i+1+j]
		b.WriteString(f[:i])
		v, ok := args[name]
		switch {
		case !ok:
			b.WriteString("{" + name + "}")
		case strings.HasSuffix(name, "Sec"):
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				v = HumanDuration(lang, n)
			}
			b.WriteString(v)
		default:
			b.WriteString(v)
		}
		f = f[i+2+j:]
	}
}

// ErrorSentence says an error the daemon sent in lang: its key's sentence
// when there is one; else the general sentence of its code
// ("err.status.not_found") with the English detail; else the English
// sentence as it came.
func ErrorSentence(lang, key string, args map[string]string, code, english string) string {
	if s, ok := ErrorText(lang, key, args); ok {
		return s
	}
	general, ok := ErrorText(lang, "err.status."+code, args)
	switch {
	case !ok:
		return english
	case lang == "en" && english != "":
		return english
	case english == "":
		return general
	}
	s, _ := ErrorText(lang, "err.detail", map[string]string{"text": general, "detail": english})
	return s
}
