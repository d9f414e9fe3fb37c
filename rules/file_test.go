package rules

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readExample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/example.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseExample(t *testing.T) {
	const h, m = time.Hour, time.Minute
	f, err := ParseFile(readExample(t))
	if err != nil {
		t.Fatalf("the README's example does not parse: %v", err)
	}
	now := at(mon, 10, 0, 0)
	p, child, err := f.PolicyFor("AN", now)
	if err != nil || child == nil || child.Name != "An" {
		t.Fatalf("PolicyFor(AN) = %v, %v; want An's policy (accounts compare without case)", child, err)
	}
	checks := []struct {
		sentence string
		ok       bool
	}{
		{"An is 10 in 2025 (born 2015).", p.Age == 10},
		{"The explicit 2h daily and the 3h weekend override apply.", p.Screen[time.Monday] == 2*h && p.Screen[time.Saturday] == 3*h && p.Screen[time.Sunday] == 3*h},
		{"Games: 1h a day and 1h per game.", p.Games[time.Wednesday] == h && p.PerGame == h},
		{"Weekdays 06:30-20:00, weekend 07:00-21:00.", p.Allowed[time.Friday][0].String() == "06:30-20:00" && p.Allowed[time.Sunday][0].String() == "07:00-21:00"},
		{"Warnings, grace, action and rating as written.", len(p.Warnings) == 3 && p.Warnings[0] == 15*m && p.Grace == time.Minute && p.OnLimit == ActionLock && p.MaxRating == Rating12},
		{"Four app rules in order.", len(p.Apps) == 4 && p.Apps[3].Rule == RuleLimit && p.Apps[3].Limit == Duration(30*m)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: got %+v", c.sentence, p)
		}
	}

	b, _, err := f.PolicyFor("binh", now)
	if err != nil {
		t.Fatal(err)
	}
	if b.Age != 6 || b.Screen[0] != 2*h || b.Allowed[time.Monday][0].String() != "06:00-19:30" ||
		len(b.Allowed[time.Saturday]) != 2 || b.Allowed[time.Friday][0].String() != "06:00-19:00" {
		t.Errorf("Bình (6): preset with Friday and Saturday hours overridden, got %+v", b)
	}

	d, child, err := f.PolicyFor("guest", now)
	if err != nil || child != nil {
		t.Fatalf("PolicyFor(guest) = %v, %v; want the default profile", child, err)
	}
	if d.Age != 10 || d.Screen[0] != 2*h || d.MaxRating != Rating00 {
		t.Errorf("default profile age:10: got age %d screen %v rating %v", d.Age, d.Screen[0], d.MaxRating)
	}
	if got := f.HelpContacts(); len(got) != 1 || got[0].Number != "111" {
		t.Errorf("help = %v, want the 111 hotline", got)
	}
}

func TestRoundTrip(t *testing.T) {
	f, err := ParseFile(readExample(t))
	if err != nil {
		t.Fatal(err)
	}
	out, err := EncodeFile(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseFile(out)
	if err != nil {
		t.Fatalf("re-reading the encoded file: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("round trip changed the file:\n%+v\n%+v", f, g)
	}
	if !strings.Contains(string(out), `"Tổng đài quốc gia bảo vệ trẻ em"`) {
		t.Errorf("encoded file escapes Vietnamese text:\n%s", out)
	}
}

func TestResolve(t *testing.T) {
	const h = time.Hour
	parse := func(t *testing.T, s string) *File {
		t.Helper()
		f, err := ParseFile([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("A single day beats weekend, which beats daily, whatever the order in the file.", func(t *testing.T) {
		f := parse(t, `{"version":1,"children":[{"name":"A","birthYear":2012,"accounts":["a"],
			"screen":{"days":{"sun":"1h","weekend":"4h"},"daily":"90m"},
			"allowed":{"sat":["09:00-10:00"],"weekend":["08:00-22:00"],"daily":["07:00-21:00"]}}]}`)
		p, _, err := f.PolicyFor("a", at(mon, 0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if p.Screen[time.Sunday] != h || p.Screen[time.Saturday] != 4*h || p.Screen[time.Monday] != 90*time.Minute {
			t.Errorf("screen = %v", p.Screen)
		}
		if p.Allowed[time.Saturday][0].String() != "09:00-10:00" || p.Allowed[time.Sunday][0].String() != "08:00-22:00" ||
			p.Allowed[time.Tuesday][0].String() != "07:00-21:00" {
			t.Errorf("allowed = %v", p.Allowed)
		}
	})
	t.Run("Explicit values override the preset; the rest is the preset's (age 13: 12+, 1h per game).", func(t *testing.T) {
		f := parse(t, `{"version":1,"children":[{"name":"A","birthYear":2012,"accounts":["a"],"screen":{"daily":"3h"},"onLimit":"logout"}]}`)
		p, _, _ := f.PolicyFor("a", at(mon, 0, 0, 0))
		if p.Screen[3] != 3*h || p.PerGame != h || p.MaxRating != Rating12 || p.OnLimit != ActionLogout || p.Allowed[3][0].String() != "06:00-20:30" {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("An empty list of hours means no screen that day.", func(t *testing.T) {
		f := parse(t, `{"version":1,"children":[{"name":"A","birthYear":2012,"allowed":{"sun":[]}}]}`)
		p, err := f.Children[0].Policy(at(mon, 0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		d := Evaluate(p, Usage{}, time.Date(2025, time.March, 9, 12, 0, 0, 0, ict))
		if !d.Lock || d.Reason != ReasonOutsideHours {
			t.Errorf("Sunday with no hours: %+v", d)
		}
	})
	t.Run("The preset follows the calendar: born 2020, the child moves from the 2–5 band to 6–8 on New Year's Day 2026.", func(t *testing.T) {
		f := parse(t, `{"version":1,"children":[{"name":"A","birthYear":2020}]}`)
		p1, _ := f.Children[0].Policy(time.Date(2025, time.December, 31, 12, 0, 0, 0, ict))
		p2, _ := f.Children[0].Policy(time.Date(2026, time.January, 1, 12, 0, 0, 0, ict))
		if p1.Screen[0] != h || p2.Screen[0] != 2*h {
			t.Errorf("screen %v then %v, want 1h then 2h", p1.Screen[0], p2.Screen[0])
		}
	})
	t.Run("A birth year after today is an error when resolving.", func(t *testing.T) {
		f := parse(t, `{"version":1,"children":[{"name":"A","birthYear":2030}]}`)
		if _, err := f.Children[0].Policy(at(mon, 0, 0, 0)); err == nil || !strings.Contains(err.Error(), "2030") {
			t.Errorf("err = %v, want one naming the birth year", err)
		}
	})
	t.Run("An unclaimed account with no default profile is not managed.", func(t *testing.T) {
		f := parse(t, `{"version":1,"children":[{"name":"A","birthYear":2012,"accounts":["a"]}]}`)
		if _, _, err := f.PolicyFor("b", at(mon, 0, 0, 0)); !errors.Is(err, ErrNotManaged) {
			t.Errorf("err = %v, want ErrNotManaged", err)
		}
	})
	t.Run("A default profile with only school hours keeps everything else unlimited.", func(t *testing.T) {
		f := parse(t, `{"version":1,"defaultProfile":{"allowed":{"weekdays":["07:00-17:00"],"weekend":[]}}}`)
		p, _, err := f.PolicyFor("student", at(mon, 0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if p.Screen[1] != Unlimited || p.Age != -1 || p.Allowed[time.Monday][0].String() != "07:00-17:00" || len(p.Allowed[time.Sunday]) != 0 {
			t.Errorf("got %+v", p)
		}
	})
}

// TestParseErrors: every bad value is an error naming the field and why.
func TestParseErrors(t *testing.T) {
	child := func(extra string) string {
		return `{"version":1,"children":[{"name":"An","birthYear":2015,"accounts":["an"]` + extra + `}]}`
	}
	cases := []struct {
		sentence string
		input    string
		want     string
	}{
		{"An hour past 24 is out of range (the issue's example).", child(`,"allowed":{"weekdays":["06:30-20:00","25:00-26:00"]}`),
			`children[0].allowed.weekdays[1]: "25:00-26:00": hour out of range`},
		{"Minutes past 59 are out of range.", child(`,"allowed":{"mon":["06:61-20:00"]}`),
			`children[0].allowed.mon[0]: "06:61-20:00": minute out of range`},
		{"Overlapping windows in one day are an error.", child(`,"allowed":{"daily":["06:00-12:00","11:00-13:00"]}`),
			`children[0].allowed.daily[1]: "11:00-13:00": overlaps 06:00-12:00`},
		{"A window crossing midnight overlaps an early-morning window of the same list.", child(`,"allowed":{"daily":["20:00-02:00","01:00-05:00"]}`),
			`children[0].allowed.daily[1]: "01:00-05:00": overlaps 20:00-02:00`},
		{"An empty window is an error.", child(`,"allowed":{"daily":["08:00-08:00"]}`),
			`children[0].allowed.daily[0]: "08:00-08:00": empty window: start equals end (use 00:00-24:00 for the whole day)`},
		{"An unknown day key is an error.", child(`,"allowed":{"monday":["08:00-09:00"]}`),
			`children[0].allowed.monday: unknown day (want daily, weekdays, weekend or mon…sun)`},
		{"A negative duration is an error.", child(`,"screen":{"daily":"-2h"}`),
			`children[0].screen.daily: "-2h": negative duration`},
		{"An absurd duration (more than a day) is an error.", child(`,"screen":{"days":{"weekend":"25h"}}`),
			`children[0].screen.days.weekend: "25h": more than 24h in a day`},
		{"Milliseconds are not a policy unit.", child(`,"grace":"500ms"`),
			`children[0].grace: "500ms": not a duration (write e.g. 2 giờ 30 phút, 2g30, 150 phút, 2:30, 2h30m or 90s)`},
		{"A grace period longer than 30 minutes is absurd.", child(`,"grace":"2h"`),
			`children[0].grace: "2h": longer than 30m`},
		{"A duration must be a string.", child(`,"games":{"daily":60}`),
			`children[0].games.daily: 60: want a string, got a number`},
		{"An unknown rating is an error.", child(`,"maxRating":"13+"`),
			`children[0].maxRating: "13+": unknown rating (want 00+, 12+, 16+, 18+)`},
		{"An unknown action is an error.", child(`,"onLimit":"shutdown"`),
			`children[0].onLimit: "shutdown": unknown action (want lock, logout)`},
		{"An unknown field is an error, with a hint for a wrong case.", child(`,"birthyear":2015`),
			`children[0].birthyear: unknown field (did you mean "birthYear"?)`},
		{"A duplicate key is an error: a forged file cannot say two things.", child(`,"grace":"60s","grace":"30m"`),
			`children[0].grace: duplicate field`},
		{"An account claimed by two children is an error.", `{"version":1,"children":[{"name":"An","birthYear":2015,"accounts":["an"]},{"name":"Bo","birthYear":2016,"accounts":["AN"]}]}`,
			`children[1].accounts[0]: "AN": account already claimed by children[0]`},
		{"A limit rule needs a limit.", child(`,"apps":[{"match":{"name":"roblox"},"rule":"limit"}]`),
			`children[0].apps[0].limit: missing (rule "limit" needs one)`},
		{"A limit on a rule that is not a limit is an error.", child(`,"apps":[{"match":{"name":"roblox"},"rule":"block","limit":"1h"}]`),
			`children[0].apps[0].limit: "1h": only for "rule": "limit"`},
		{"A hash must be 64 hex digits.", child(`,"apps":[{"match":{"sha256":"abc"},"rule":"block"}]`),
			`children[0].apps[0].match.sha256: "abc": want 64 hex digits`},
		{"A match must name something.", child(`,"apps":[{"match":{},"rule":"block"}]`),
			`children[0].apps[0].match: give a name, path or sha256`},
		{"A rule that neither rules nor classifies is an error.", child(`,"apps":[{"match":{"name":"x"}}]`),
			`children[0].apps[0]: the rule says nothing: give a rule or a category`},
		{"An unknown category is an error.", child(`,"apps":[{"match":{"name":"x"},"category":"toy"}]`),
			`children[0].apps[0].category: "toy": unknown category (want game, education, other)`},
		{"No warnings at all is refused.", child(`,"warnings":[]`),
			`children[0].warnings: give at least one warning: a child must never lose a game without one`},
		{"A preset must be auto, age:N or none.", child(`,"preset":"age:30"`),
			`children[0].preset: "age:30": age out of range 0–17`},
		{"The default profile cannot be auto: it has no birth year.", `{"version":1,"defaultProfile":{"preset":"auto"}}`,
			`defaultProfile.preset: "auto": auto needs a birth year; use age:N or none`},
		{"A child needs a birth year.", `{"version":1,"children":[{"name":"An"}]}`,
			`children[0].birthYear: missing`},
		{"The version is required.", `{"children":[]}`,
			`version: missing (want 1)`},
		{"Another version is refused.", `{"version":2}`,
			`version: 2: unsupported version (this kidtime reads version 1)`},
		{"Broken JSON names where it broke.", `{"version":1,"children":[{"name":"An","birthYear":}]}`,
			`children[0].birthYear: not valid JSON: invalid character '}' looking for beginning of value`},
		{"A truncated file is an error about the document's end.", `{"version":1,"children":[`,
			`children: not valid JSON: unexpected end of the document`},
		{"Data after the document is an error.", `{"version":1} {}`,
			`(document): unexpected data after the end of the document`},
		{"The document must be an object.", `[1]`,
			`(document): want an object, got a list`},
		{"Two children with the same name are an error.", `{"version":1,"children":[{"name":"An","birthYear":2015},{"name":"an","birthYear":2016}]}`,
			`children[1].name: "an": already the name of children[0]`},
		{"An empty name is an error.", `{"version":1,"children":[{"name":" ","birthYear":2015}]}`,
			`children[0].name: " ": must not be empty`},
		{"An account listed twice for one child is an error.", `{"version":1,"children":[{"name":"An","birthYear":2015,"accounts":["an","An"]}]}`,
			`children[0].accounts[1]: "An": listed twice`},
		{"A birth year must be a plausible whole number.", `{"version":1,"children":[{"name":"An","birthYear":20.5}]}`,
			`children[0].birthYear: 20.5: want a whole number`},
		{"A birth year out of range is an error.", `{"version":1,"children":[{"name":"An","birthYear":1066}]}`,
			`children[0].birthYear: 1066: out of range 1900–2200`},
		{"Accounts must be a list.", `{"version":1,"children":[{"name":"An","birthYear":2015,"accounts":"an"}]}`,
			`children[0].accounts: "an": want a list, got a string`},
		{"Per-day budgets accept only day names.", child(`,"games":{"days":{"daily":"1h"}}`),
			`children[0].games.days.daily: unknown day (want mon…sun, weekdays or weekend)`},
		{"A help number must look like one.", `{"version":1,"help":[{"name":"Tổng đài","number":"call me"}]}`,
			`help[0].number: "call me": want a phone number (digits, spaces, + - . ( ))`},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			_, err := ParseFile([]byte(c.input))
			if err == nil {
				t.Fatalf("%s: no error", c.sentence)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors", err)
			}
			if err.Error() != c.want {
				t.Errorf("%s\n got: %s\nwant: %s", c.sentence, err, c.want)
			}
		})
	}
	t.Run("Several problems are all reported, each with its field.", func(t *testing.T) {
		_, err := ParseFile([]byte(child(`,"grace":"1x","maxRating":"7+","warnings":["0s"]`)))
		var es Errors
		if !errors.As(err, &es) || len(es) != 3 {
			t.Fatalf("err = %v, want 3 problems", err)
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Path == "" {
			t.Errorf("errors.As(*FieldError) = %v", fe)
		}
	})
	t.Run("A file over 1 MiB is refused before it is read.", func(t *testing.T) {
		_, err := ParseFile(make([]byte, MaxFileSize+1))
		if err == nil || !strings.HasPrefix(err.Error(), "(document): file is") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestDurationsAndWindows(t *testing.T) {
	durs := []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"90s", 90 * time.Second, "1m30s"},
		{"45m", 45 * time.Minute, "45m"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"0", 0, "0m"},
		{"unlimited", Unlimited, "unlimited"},
	}
	for _, d := range durs {
		got, err := ParseDuration(d.in)
		if err != nil || got != d.want || FormatDuration(got) != d.out {
			t.Errorf("ParseDuration(%q) = %v, %v; formatted %q; want %v, %q", d.in, got, err, FormatDuration(got), d.want, d.out)
		}
	}
	for _, bad := range []string{"", "-1m", "1.5s", "10ms", "1d", "h"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	wins := []struct {
		in      string
		crosses bool
	}{{"06:30-20:00", false}, {"20:00-02:00", true}, {"00:00-24:00", false}, {"6:05-7:00", false}, {"22:00-00:00", true}}
	for _, w := range wins {
		got, err := ParseWindow(w.in)
		if err != nil || got.CrossesMidnight() != w.crosses {
			t.Errorf("ParseWindow(%q) = %v, %v; crosses %v, want %v", w.in, got, err, got.CrossesMidnight(), w.crosses)
		}
	}
	for _, bad := range []string{"24:00-01:00", "06:00", "06:00-24:01", "a:00-b:00", "06:00-06:00", "006:00-07:00"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}

func TestPolicyValidate(t *testing.T) {
	cases := []struct {
		sentence string
		mut      func(p *Policy)
		want     string
	}{
		{"A budget over a day is absurd.", func(p *Policy) { p.Screen[time.Monday] = 25 * time.Hour }, "screen[monday]: 25h: more than 24h in a day"},
		{"A negative game budget is an error.", func(p *Policy) { p.Games[time.Sunday] = -time.Minute }, "games[sunday]: -1m: negative duration"},
		{"Overlapping windows are an error.", func(p *Policy) {
			p.Allowed[time.Saturday] = []Window{{8 * 60, 12 * 60}, {11 * 60, 13 * 60}}
		}, "allowed[saturday][1]: 11:00-13:00: overlaps 08:00-12:00"},
		{"A zero warning is an error.", func(p *Policy) { p.Warnings = []time.Duration{0} }, "warnings[0]: 0m: must be more than 0 and at most 24h"},
		{"A grace of an hour is absurd.", func(p *Policy) { p.Grace = time.Hour }, "grace: 1h: must be between 0s and 30m"},
		{"An app rule must match something.", func(p *Policy) { p.Apps = []AppRule{{Rule: RuleBlock}} }, "apps[0]: match needs a name, path or sha256"},
		{"A grant over a day is absurd.", func(p *Policy) { p.Grants = []Grant{{Screen: 48 * time.Hour}} }, "grants[0]: granted time must be between 0 and 24h"},
	}
	for _, c := range cases {
		p := Preset(10)
		c.mut(&p)
		err := p.Validate()
		if err == nil || err.Error() != c.want {
			t.Errorf("%s\n got: %v\nwant: %s", c.sentence, err, c.want)
		}
	}
}

func TestDecisionJSON(t *testing.T) {
	d := Evaluate(Preset(10), Usage{Screen: 3 * time.Hour}, at(mon, 12, 0, 0))
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"state":"blocked"`, `"reason":"screen.spent"`, `"action":"lock"`, `"lock":true`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("decision JSON lacks %s: %s", want, b)
		}
	}
	var back struct {
		State  State  `json:"state"`
		Action Action `json:"action"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.State != StateBlocked {
		t.Errorf("reading the state back: %v %v", back.State, err)
	}
}

// TestReadmeExample: the README's full example is the testdata file.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```json\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README.md has no json block")
	}
	if strings.TrimSpace(block) != strings.TrimSpace(string(readExample(t))) {
		t.Error("README.md's example differs from testdata/example.json")
	}
}
