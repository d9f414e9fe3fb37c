package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Category is what kind of app something is. Game time is counted and capped
// separately; education and other apps count as screen time only.
type Category uint8

// The categories. CategoryUnknown is an app nobody has classified.
const (
	CategoryUnknown Category = iota
	CategoryGame
	CategoryEducation
	CategoryOther
)

var categoryNames = []string{"", "game", "education", "other"}

// String returns the policy-file name of c ("" when unknown).
func (c Category) String() string { return enumName(categoryNames, int(c)) }

// MarshalText writes the policy-file name of c.
func (c Category) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads game, education or other.
func (c *Category) UnmarshalText(b []byte) error {
	i, err := parseEnum(categoryNames, string(b), "category")
	*c = Category(i)
	return err
}

// RuleKind is what a per-app rule does beyond classifying the app.
type RuleKind uint8

// The rule kinds. RuleNone only classifies (sets a category).
const (
	RuleNone   RuleKind = iota
	RuleAlways          // always allowed: never counted, never closed
	RuleLimit           // at most Limit of use per day
	RuleBlock           // never allowed: closed at once
)

var ruleNames = []string{"", "always", "limit", "block"}

// String returns the policy-file name of r.
func (r RuleKind) String() string { return enumName(ruleNames, int(r)) }

// MarshalText writes the policy-file name of r.
func (r RuleKind) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads block, always or limit.
func (r *RuleKind) UnmarshalText(b []byte) error {
	i, err := parseEnum(ruleNames, string(b), "rule")
	*r = RuleKind(i)
	return err
}

// Action is what happens to the session when screen time is over.
type Action uint8

// The actions at the limit. ActionLock is the default.
const (
	ActionLock Action = iota
	ActionLogout
)

var actionNames = []string{"lock", "logout"}

// String returns the policy-file name of a.
func (a Action) String() string { return enumName(actionNames, int(a)) }

// MarshalText writes the policy-file name of a.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads lock or logout.
func (a *Action) UnmarshalText(b []byte) error {
	i, err := parseEnum(actionNames, string(b), "action")
	*a = Action(i)
	return err
}

// Rating is a game age rating as in Decree 147/2024/NĐ-CP Art. 38: 00+, 12+,
// 16+, 18+. Ratings are ordered: a child may run apps rated at or below the
// policy's MaxRating.
type Rating uint8

// The ratings. RatingUnknown is an app with no known rating, or a profile
// that keeps its preset's rating.
const (
	RatingUnknown Rating = iota
	Rating00
	Rating12
	Rating16
	Rating18
)

var ratingNames = []string{"", "00+", "12+", "16+", "18+"}

// String returns the policy-file name of r ("" when unknown).
func (r Rating) String() string { return enumName(ratingNames, int(r)) }

// MarshalText writes the policy-file name of r.
func (r Rating) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads 00+, 12+, 16+ or 18+.
func (r *Rating) UnmarshalText(b []byte) error {
	i, err := parseEnum(ratingNames, string(b), "rating")
	*r = Rating(i)
	return err
}

func enumName(names []string, i int) string {
	if i < 0 || i >= len(names) {
		return fmt.Sprintf("invalid(%d)", i)
	}
	return names[i]
}

func parseEnum(names []string, s, what string) (int, error) {
	if s != "" {
		if i := slices.Index(names, s); i >= 0 {
			return i, nil
		}
	}
	var want []string
	for _, n := range names {
		if n != "" {
			want = append(want, n)
		}
	}
	return 0, fmt.Errorf("unknown %s (want %s)", what, strings.Join(want, ", "))
}

// Match picks the apps a rule applies to. Every field that is set must
// match; at least one must be set.
type Match struct {
	// Name is the executable's base name, compared without case and without
	// a trailing ".exe" ("minecraft" matches "Minecraft.exe").
	Name string `json:"name,omitempty"`
	// Path is the executable's full path, compared exactly (without case for
	// Windows paths such as C:\...).
	Path string `json:"path,omitempty"`
	// SHA256 is the executable's content hash in hex: a renamed or copied
	// executable still matches.
	SHA256 string `json:"sha256,omitempty"`
}

// Matches reports whether app is one that m picks.
func (m Match) Matches(app App) bool {
	if m.Name == "" && m.Path == "" && m.SHA256 == "" {
		return false
	}
	if m.Name != "" && appName(m.Name) != appName(app.Name) {
		return false
	}
	if m.Path != "" && !samePath(m.Path, app.Path) {
		return false
	}
	if m.SHA256 != "" && !strings.EqualFold(m.SHA256, app.SHA256) {
		return false
	}
	return true
}

// appName normalises an executable name: base name, lower case, no ".exe".
func appName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ToLower(s)
	return strings.TrimSuffix(s, ".exe")
}

func samePath(a, b string) bool {
	if isWindowsPath(a) {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func isWindowsPath(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') ||
		strings.HasPrefix(p, `\\`)
}

// AppRule is one per-app rule of a policy.
type AppRule struct {
	Match Match `json:"match"`
	// Rule is block, always, limit, or empty to only set the category.
	Rule RuleKind `json:"rule,omitempty"`
	// Limit is the daily allowance when Rule is RuleLimit.
	Limit Duration `json:"limit,omitempty"`
	// Category, when set, overrides the agent's classification of the app.
	Category Category `json:"category,omitempty"`
}

// App is a program as the agent identifies it.
type App struct {
	Name   string `json:"name,omitempty"`   // executable base name
	Path   string `json:"path,omitempty"`   // executable path
	SHA256 string `json:"sha256,omitempty"` // content hash, hex
	// Category is the agent's own classification (catalog, .desktop file,
	// launcher library); a policy rule with a category overrides it.
	Category Category `json:"category,omitempty"`
	// Rating is the app's Vietnamese age rating where known.
	Rating Rating `json:"rating,omitempty"`
	// MinAge is the app's minimum age from its OARS content rating; 0 when
	// it has none or nobody knows.
	MinAge int `json:"minAge,omitempty"`
}

// id is a short stable name of the app, for warning keys.
func (a App) id() string {
	switch {
	case a.Name != "":
		return appName(a.Name)
	case a.Path != "":
		return a.Path
	default:
		return strings.ToLower(a.SHA256)
	}
}

// Class is how a policy sees an app.
type Class struct {
	Category Category `json:"category"`
	// Rule is the strongest rule that matches: block beats limit, limit
	// beats always.
	Rule RuleKind `json:"rule"`
	// Limit is the smallest matching limit when Rule is RuleLimit.
	Limit time.Duration `json:"limit,omitempty"`
	// Index is the position in Policy.Apps of the rule that decided Rule, or
	// -1 when no rule matched.
	Index int `json:"index"`
}

// Counted reports whether time in the app counts at all (always-allowed
// apps do not count as screen or game time).
func (c Class) Counted() bool { return c.Rule != RuleAlways }

// Game reports whether time in the app counts as game time.
func (c Class) Game() bool { return c.Category == CategoryGame && c.Counted() }

// Classify applies the policy's per-app rules to app. The parent's rules come
// first; the app's own Category (from the agent's catalog) is the fallback.
// Deny wins: a matching block beats everything, a limit beats always.
func (p *Policy) Classify(app App) Class {
	c := Class{Category: app.Category, Index: -1}
	catSet := false
	for i, r := range p.Apps {
		if !r.Match.Matches(app) {
			continue
		}
		if r.Category != CategoryUnknown && !catSet {
			c.Category, catSet = r.Category, true
		}
		switch {
		case r.Rule == RuleNone:
		case r.Rule > c.Rule:
			c.Rule, c.Index = r.Rule, i
			if r.Rule == RuleLimit {
				c.Limit = time.Duration(r.Limit)
			}
		case r.Rule == RuleLimit && c.Rule == RuleLimit && time.Duration(r.Limit) < c.Limit:
			c.Limit, c.Index = time.Duration(r.Limit), i
		}
	}
	return c
}

// Date is a local calendar day.
type Date struct {
	Year  int        `json:"year"`
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
}

// DateOf returns the local day of t (in t's location).
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String writes d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Grant is extra time a parent gave for one day. Granted game time does not
// extend screen time; grant both when both are spent. A grant adds to the
// day's budgets; it does not open hours outside the allowed windows.
type Grant struct {
	Day    Date          `json:"day"`
	Screen time.Duration `json:"screen,omitempty"`
	Games  time.Duration `json:"games,omitempty"`
}

// Policy is one child's resolved rules: every value explicit, per weekday.
// Arrays indexed by day use time.Weekday (Sunday is 0). The zero Policy
// allows nothing.
type Policy struct {
	// Age is the child's age in years, compared with apps' OARS minimum age;
	// -1 when unknown (a default profile), which skips that comparison.
	Age int `json:"age"`
	// Screen is the daily screen time per weekday.
	Screen [7]time.Duration `json:"screen"`
	// Games is the daily game time per weekday. Game time is also screen
	// time: games stop when either runs out.
	Games [7]time.Duration `json:"games"`
	// PerGame caps each game per day (Decree 147/2024: 60 minutes).
	PerGame time.Duration `json:"perGame"`
	// Allowed lists the allowed hours per weekday. An empty list means no
	// screen time that day; a window crossing midnight belongs to the day it
	// starts on.
	Allowed [7][]Window `json:"allowed"`
	// Warnings are the thresholds of time left at which the child is
	// warned, e.g. 15m, 5m, 1m.
	Warnings []time.Duration `json:"warnings"`
	// Grace is the time after a limit is reached before it is enforced
	// ("save your game").
	Grace time.Duration `json:"grace"`
	// OnLimit is what happens to the session when screen time is over.
	OnLimit Action `json:"onLimit"`
	// MaxRating is the highest game rating the child may run; RatingUnknown
	// is treated as 00+.
	MaxRating Rating `json:"maxRating"`
	// Apps are the per-app rules, in the parent's order.
	Apps []AppRule `json:"apps,omitempty"`
	// ApproveNew: a program the child obtained (one in a place the child
	// can write, not installed by an administrator) is stopped at its start
	// until a parent allows it (see ApprovalPreset).
	ApproveNew bool `json:"approveNew,omitempty"`
	// Grants are the extra time parents gave; only today's count.
	Grants []Grant `json:"grants,omitempty"`
	// Web is what the child's DNS lookups may reach (web.go).
	Web WebPolicy `json:"web"`
}

// DefaultWarnings are the warning thresholds of every preset.
var DefaultWarnings = []time.Duration{15 * time.Minute, 5 * time.Minute, time.Minute}

// DefaultGrace is the grace period of every preset.
const DefaultGrace = 60 * time.Second

// MaxGrace is the longest grace period a policy may give.
const MaxGrace = 30 * time.Minute

// Validate checks a policy built in code (a decoded file is checked while it
// is read). Errors name the field, e.g. "allowed[saturday][1]".
func (p *Policy) Validate() error {
	var errs Errors
	add := func(path, value, reason string) {
		errs = append(errs, &FieldError{Path: path, Value: value, Reason: reason})
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		day := strings.ToLower(d.String())
		for _, b := range []struct {
			name string
			v    time.Duration
		}{{"screen", p.Screen[d]}, {"games", p.Games[d]}} {
			if reason := budgetProblem(b.v); reason != "" {
				add(b.name+"["+day+"]", FormatDuration(b.v), reason)
			}
		}
		for i, w := range p.Allowed[d] {
			path := fmt.Sprintf("allowed[%s][%d]", day, i)
			if !w.valid() {
				add(path, "", "not a valid window")
				continue
			}
			for j := range i {
				if w.overlaps(p.Allowed[d][j]) {
					add(path, w.String(), "overlaps "+p.Allowed[d][j].String())
				}
			}
		}
	}
	if reason := budgetProblem(p.PerGame); reason != "" {
		add("perGame", FormatDuration(p.PerGame), reason)
	}
	for i, w := range p.Warnings {
		if w <= 0 || w > MaxDaily {
			add(fmt.Sprintf("warnings[%d]", i), FormatDuration(w), "must be more than 0 and at most 24h")
		}
	}
	if p.Grace < 0 || p.Grace > MaxGrace {
		add("grace", FormatDuration(p.Grace), "must be between 0s and 30m")
	}
	if int(p.OnLimit) >= len(actionNames) {
		add("onLimit", "", "unknown action")
	}
	if int(p.MaxRating) >= len(ratingNames) {
		add("maxRating", "", "unknown rating")
	}
	for i, r := range p.Apps {
		if reason := appRuleProblem(r); reason != "" {
			add(fmt.Sprintf("apps[%d]", i), "", reason)
		}
	}
	for i, g := range p.Grants {
		if g.Screen < 0 || g.Screen > MaxDaily || g.Games < 0 || g.Games > MaxDaily {
			add(fmt.Sprintf("grants[%d]", i), "", "granted time must be between 0 and 24h")
		}
	}
	p.validateWeb(add)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func budgetProblem(d time.Duration) string {
	switch {
	case d == Unlimited:
		return ""
	case d < 0:
		return "negative duration"
	case d > MaxDaily:
		return "more than 24h in a day"
	}
	return ""
}

func appRuleProblem(r AppRule) string {
	m := r.Match
	switch {
	case m.Name == "" && m.Path == "" && m.SHA256 == "":
		return "match needs a name, path or sha256"
	case m.SHA256 != "" && !isSHA256(m.SHA256):
		return "sha256 must be 64 hex digits"
	case int(r.Rule) >= len(ruleNames):
		return "unknown rule"
	case int(r.Category) >= len(categoryNames):
		return "unknown category"
	case r.Rule == RuleLimit && (r.Limit <= 0 || time.Duration(r.Limit) > MaxDaily):
		return "limit must be more than 0 and at most 24h"
	case r.Rule != RuleLimit && r.Limit != 0:
		return "limit is only for rule \"limit\""
	case r.Rule == RuleNone && r.Category == CategoryUnknown:
		return "the rule says nothing: give a rule or a category"
	}
	return ""
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}

// Usage is what the accountant measured today (since local midnight) for
// one child, plus the warnings already given today.
type Usage struct {
	// Screen is today's counted screen time.
	Screen time.Duration `json:"screen"`
	// Games is today's counted game time (a part of Screen).
	Games time.Duration `json:"games"`
	// Apps is today's time per app, and which apps are running now.
	Apps []AppUsage `json:"apps,omitempty"`
	// Warned holds the keys of the warnings already given today (see
	// Warning.Key), so that each is given once.
	Warned []string `json:"warned,omitempty"`
}

// AppUsage is one app's time today.
type AppUsage struct {
	App     App           `json:"app"`
	Used    time.Duration `json:"used"`
	Running bool          `json:"running"`
}
