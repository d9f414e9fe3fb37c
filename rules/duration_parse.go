package rules

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Message keys of duration errors (assets/translations/cli, "err.*"): the
// daemon sends them and the apps render them in the person's language.
const (
	KeyDuration         = "err.duration"          // not a duration at all
	KeyDurationNegative = "err.duration.negative" // "-2h"
	KeyDurationFraction = "err.duration.fraction" // "1.5s": not whole seconds
	KeyDurationEmpty    = "err.duration.empty"    // ""
)

// DurationError is text that is not a duration: the text and why, with the
// message key the apps translate.
type DurationError struct {
	Value string
	Key   string
}

func (e *DurationError) Error() string {
	switch e.Key {
	case KeyDurationNegative:
		return "negative duration"
	case KeyDurationFraction:
		return "durations are whole seconds"
	case KeyDurationEmpty:
		return "empty duration (write e.g. 2 giờ 30 phút, 2g30, 150 phút, 2:30, 2h30m or 90s)"
	}
	return "not a duration (write e.g. 2 giờ 30 phút, 2g30, 150 phút, 2:30, 2h30m or 90s)"
}

// MessageKey is the error's sentence in the translations, for the apps.
func (e *DurationError) MessageKey() (string, map[string]string) {
	return e.Key, map[string]string{"value": e.Value}
}

// unitWords are the words for hours, minutes and seconds people write, in
// Vietnamese (with and without marks) and English, lower case. Go's own
// units h, m and s are among them.
var unitWords = map[string]time.Duration{
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"g": time.Hour, "giờ": time.Hour, "gio": time.Hour, "tiếng": time.Hour, "tieng": time.Hour,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"p": time.Minute, "ph": time.Minute, "phút": time.Minute, "phut": time.Minute,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"giây": time.Second, "giay": time.Second,
}

// halfWords say "and a half" of the unit before: "1 tiếng rưỡi" is 1h30m.
var halfWords = map[string]bool{"rưỡi": true, "ruoi": true, "half": true}

// joinWords may stand between parts: "2 giờ và 30 phút", "2 hours and 30 minutes".
var joinWords = map[string]bool{"và": true, "va": true, "and": true, ",": true}

// ParseDuration reads a duration as people write it (see rules/README.md,
// "Durations"): Go's form ("2h30m", "90s", "1.5h"), h:mm ("2:30"), and
// number-unit pairs in Vietnamese or English, with or without spaces and
// in any case ("2 giờ 30 phút", "2g30", "150 phút", "30p", "1 tiếng
// rưỡi", "2 hours 30 minutes", "90 min"). A bare number after an hour or
// minute is the next smaller unit ("2g30" is 2h30m, "5 phút 30" 5m30s);
// otherwise a bare number other than 0 is refused (minutes or hours?).
// Whole seconds only, never negative; "unlimited" (or "không giới hạn")
// gives Unlimited. The error is a *DurationError.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	bad := func(key string) (time.Duration, error) { return 0, &DurationError{Value: s, Key: key} }
	switch t {
	case "":
		return bad(KeyDurationEmpty)
	case "unlimited", "không giới hạn", "khong gioi han":
		return Unlimited, nil
	}
	if strings.HasPrefix(t, "-") {
		return bad(KeyDurationNegative)
	}
	if d, ok := parseClockDuration(t); ok {
		return d, nil
	}
	toks, ok := durationTokens(t)
	if !ok {
		return bad(KeyDuration)
	}
	var (
		total float64 // seconds
		last  time.Duration
		num   = ""
	)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		switch {
		case isNumber(tok):
			if num != "" {
				return bad(KeyDuration)
			}
			num = tok
		case halfWords[tok]:
			if num != "" || last == 0 {
				return bad(KeyDuration)
			}
			total += float64(last/time.Second) / 2
		case joinWords[tok]:
			if num != "" || last == 0 {
				return bad(KeyDuration)
			}
		default:
			unit, known := unitWords[tok]
			if !known || num == "" || (last != 0 && unit >= last) {
				return bad(KeyDuration)
			}
			v, err := strconv.ParseFloat(strings.Replace(num, ",", ".", 1), 64)
			if err != nil {
				return bad(KeyDuration)
			}
			total += v * float64(unit/time.Second)
			last, num = unit, ""
		}
	}
	if num != "" {
		// A trailing bare number: the unit after the last one, or "0".
		v, err := strconv.ParseFloat(strings.Replace(num, ",", ".", 1), 64)
		switch {
		case err != nil:
			return bad(KeyDuration)
		case last == 0 && v == 0 && len(toks) == 1:
		case last == time.Hour || last == time.Minute:
			if v >= 60 || strings.ContainsAny(num, ".,") {
				return bad(KeyDuration)
			}
			total += v * float64(last/60/time.Second)
		default:
			return bad(KeyDuration)
		}
	}
	if total != float64(int64(total)) {
		return bad(KeyDurationFraction)
	}
	if total > float64(100*MaxDaily/time.Second) {
		return bad(KeyDuration)
	}
	return time.Duration(total) * time.Second, nil
}

// parseClockDuration reads h:mm ("2:30", "0:45").
func parseClockDuration(t string) (time.Duration, bool) {
	h, m, ok := strings.Cut(t, ":")
	h, m = strings.TrimSpace(h), strings.TrimSpace(m)
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, false
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	if mm > 59 {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

// durationTokens splits "2giờ30phút" or "2 hours, 30 min" into numbers,
// words and commas; false on any other character.
func durationTokens(t string) ([]string, bool) {
	var toks []string
	rs := []rune(t)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r >= '0' && r <= '9':
			j := i
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' ||
				(rs[j] == '.' || rs[j] == ',') && j+1 < len(rs) && rs[j+1] >= '0' && rs[j+1] <= '9' && j > i) {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		case r == ',':
			toks = append(toks, ",")
			i++
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.Is(unicode.Mn, rs[j])) {
				j++
			}
			toks = append(toks, bareWord(string(rs[i:j])))
			i = j
		default:
			return nil, false
		}
	}
	return toks, len(toks) > 0
}

// bareWord drops the combining marks of a word typed in decomposed form
// ("giờ" as g-i-o plus two marks) when the word is not known as typed:
// the unmarked words ("gio", "phut") are known too.
func bareWord(w string) string {
	if _, ok := unitWords[w]; ok || halfWords[w] || joinWords[w] {
		return w
	}
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, w)
}

func isNumber(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
