package rules

import (
	"errors"
	"testing"
	"time"
)

func TestParseDurationAsPeopleWriteIt(t *testing.T) {
	const h, m, s = time.Hour, time.Minute, time.Second
	cases := []struct {
		sentence string
		in       string
		want     time.Duration
	}{
		{"Go's form with hours and minutes", "2h30m", 2*h + 30*m},
		{"Go's form in seconds", "90s", 90 * s},
		{"Go's form in minutes", "45m", 45 * m},
		{"Go's form with all three units", "1h30m45s", h + 30*m + 45*s},
		{"Go's decimal hours", "1.5h", 90 * m},
		{"zero", "0", 0},
		{"zero minutes", "0m", 0},
		{"unlimited", "unlimited", Unlimited},
		{"unlimited in Vietnamese", "Không giới hạn", Unlimited},
		{"h:mm", "2:30", 2*h + 30*m},
		{"h:mm under an hour", "0:45", 45 * m},
		{"h:mm with two-digit hours", "10:05", 10*h + 5*m},
		{"hours and minutes in Vietnamese", "2 giờ 30 phút", 2*h + 30*m},
		{"hours in Vietnamese", "2 giờ", 2 * h},
		{"Vietnamese without spaces", "2giờ30phút", 2*h + 30*m},
		{"Vietnamese in capitals", "2 GIỜ 30 PHÚT", 2*h + 30*m},
		{"Vietnamese typed without marks", "2 gio 30 phut", 2*h + 30*m},
		{"Vietnamese in decomposed Unicode", "2 gio\u031b\u0300 30 phu\u0301t", 2*h + 30*m},
		{"the short g with minutes after it", "2g30", 2*h + 30*m},
		{"the short g alone", "2g", 2 * h},
		{"hours with bare minutes after them", "2 giờ 30", 2*h + 30*m},
		{"many minutes", "150 phút", 150 * m},
		{"the short p", "30p", 30 * m},
		{"the short ph", "45ph", 45 * m},
		{"tiếng for hours", "1 tiếng", h},
		{"an hour and a half", "1 tiếng rưỡi", 90 * m},
		{"two hours and a half", "2 giờ rưỡi", 2*h + 30*m},
		{"an hour and a half without marks", "1 tieng ruoi", 90 * m},
		{"và between the parts", "1 giờ và 15 phút", h + 15*m},
		{"seconds in Vietnamese", "30 giây", 30 * s},
		{"minutes then bare seconds", "5 phút 30", 5*m + 30*s},
		{"a Vietnamese decimal comma", "1,5 giờ", 90 * m},
		{"English words", "2 hours 30 minutes", 2*h + 30*m},
		{"English abbreviations", "2 hrs", 2 * h},
		{"English min", "90 min", 90 * m},
		{"English with and and a comma", "1 hour, and 5 mins", h + 5*m},
		{"English half", "1 hour half", 90 * m},
		{"spaces around", "  45 m  ", 45 * m},
		{"Go's form with spaces", "2h 30m", 2*h + 30*m},
	}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s: ParseDuration(%q) = %v, %v; want %v", c.sentence, c.in, got, err, c.want)
		}
	}
}

func TestParseDurationRefusesNonsense(t *testing.T) {
	cases := []struct {
		sentence string
		in       string
		key      string
	}{
		{"nothing", "", KeyDurationEmpty},
		{"spaces only", "   ", KeyDurationEmpty},
		{"a negative duration", "-1m", KeyDurationNegative},
		{"a fraction of a second", "1.5s", KeyDurationFraction},
		{"milliseconds", "10ms", KeyDuration},
		{"days", "1d", KeyDuration},
		{"a unit without a number", "h", KeyDuration},
		{"a bare number other than 0: minutes or hours?", "90", KeyDuration},
		{"a word", "lots", KeyDuration},
		{"units out of order", "30m 2h", KeyDuration},
		{"a unit twice", "1h 2h", KeyDuration},
		{"two numbers in a row", "2 30 phút", KeyDuration},
		{"bare minutes of 60 or more", "2g75", KeyDuration},
		{"bare seconds after seconds", "30s 5", KeyDuration},
		{"h:mm with 60 minutes", "2:60", KeyDuration},
		{"h:mm with one minute digit", "2:5", KeyDuration},
		{"h:mm:ss", "1:02:03", KeyDuration},
		{"a half with nothing before it", "rưỡi", KeyDuration},
		{"a join word first", "và 2 giờ", KeyDuration},
		{"a stray symbol", "2h+30m", KeyDuration},
		{"an unknown word after a number", "2 ngày", KeyDuration},
		{"a month of hours", "9999h", KeyDuration},
	}
	for _, c := range cases {
		d, err := ParseDuration(c.in)
		var de *DurationError
		if !errors.As(err, &de) || de.Key != c.key || de.Value != c.in {
			t.Errorf("%s: ParseDuration(%q) = %v, %v; want a *DurationError with key %s", c.sentence, c.in, d, err, c.key)
		}
	}
}

func TestFormatDurationStaysGoForm(t *testing.T) {
	for _, d := range []time.Duration{0, 90 * time.Second, 2*time.Hour + 30*time.Minute, 24 * time.Hour} {
		got, err := ParseDuration(FormatDuration(d))
		if err != nil || got != d {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", d, got, err)
		}
	}
	if got := FormatDuration(150 * time.Minute); got != "2h30m" {
		t.Errorf("the policy file writes %q, want 2h30m", got)
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"2h30m", "2 giờ 30 phút", "2g30", "1 tiếng rưỡi", "2:30", "90", "1,5 giờ", "-1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil || d == Unlimited {
			return
		}
		if d < 0 || d%time.Second != 0 {
			t.Fatalf("ParseDuration(%q) = %v", s, d)
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Fatalf("%q: %v written %q reads back as %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}
