package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// File is a policy file: one or more children, an optional default profile
// for every other non-admin account, and the help contacts children see.
// Read one with ParseFile; write one with EncodeFile. The format is
// documented in README.md.
type File struct {
	Version  int     `json:"version"`
	Children []Child `json:"children,omitempty"`
	// DefaultProfile applies to every non-admin OS account that no child
	// claims (a new account made to escape the rules lands here).
	DefaultProfile *Profile `json:"defaultProfile,omitempty"`
	// Help lists the contacts a child can always reach; DefaultHelp when
	// empty.
	Help []HelpContact `json:"help,omitempty"`
	// ShareNames lets a school's hub show the children's names in its
	// report (rules/report.go); Classes group the children for it.
	ShareNames bool          `json:"shareNames,omitempty"`
	Classes    []SchoolClass `json:"classes,omitempty"`
}

// FileVersion is the policy-file version this package reads and writes.
const FileVersion = 1

// Child is one child: who they are, which OS accounts are theirs, and their
// profile.
type Child struct {
	Name      string   `json:"name"`
	BirthYear int      `json:"birthYear"`
	Accounts  []string `json:"accounts,omitempty"`
	Profile
}

// Profile is a preset plus the values a parent set explicitly; explicit
// values override the preset. Nil and zero fields keep the preset's value.
type Profile struct {
	// Preset is "auto" (a child's age preset from the birth year; the
	// default for children), "age:N" (the preset for age N, 0–17), or
	// "none" (Unrestricted; the default for the default profile).
	Preset    string              `json:"preset,omitempty"`
	Screen    *BudgetSpec         `json:"screen,omitempty"`
	Games     *GamesSpec          `json:"games,omitempty"`
	Allowed   map[string][]Window `json:"allowed,omitempty"`
	Warnings  []Duration          `json:"warnings,omitempty"`
	Grace     *Duration           `json:"grace,omitempty"`
	OnLimit   Action              `json:"onLimit,omitempty"`
	MaxRating Rating              `json:"maxRating,omitempty"`
	Apps      []AppRule           `json:"apps,omitempty"`
	// ApproveNew turns the parent's yes for new programs on or off; nil
	// keeps the preset's (ApprovalPreset).
	ApproveNew *bool `json:"approveNew,omitempty"`
	// Web sets the web filter (rules/web.go); nil keeps the preset's.
	Web *WebSpec `json:"web,omitempty"`
}

// BudgetSpec is a daily budget with per-day overrides. Days keys are mon …
// sun, weekdays and weekend; a single day beats weekdays/weekend, which beat
// Daily.
type BudgetSpec struct {
	Daily *Duration           `json:"daily,omitempty"`
	Days  map[string]Duration `json:"days,omitempty"`
}

// GamesSpec is the game budget: per day (with overrides, as BudgetSpec) and
// per game per day.
type GamesSpec struct {
	Daily   *Duration           `json:"daily,omitempty"`
	PerGame *Duration           `json:"perGame,omitempty"`
	Days    map[string]Duration `json:"days,omitempty"`
}

// HelpContact is someone a child can always call.
type HelpContact struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// DefaultHelp is the national child-protection hotline: free, 24/7 (Decree
// 56/2017/NĐ-CP Arts. 22–23).
var DefaultHelp = []HelpContact{{Name: "Tổng đài quốc gia bảo vệ trẻ em", Number: "111"}}

// HelpContacts returns the file's help contacts, or DefaultHelp.
func (f *File) HelpContacts() []HelpContact {
	if len(f.Help) == 0 {
		return slices.Clone(DefaultHelp)
	}
	return slices.Clone(f.Help)
}

// dayKeys maps a day key to its weekdays and its precedence (higher wins).
var dayKeys = map[string]struct {
	days  []time.Weekday
	level int
}{
	"daily":    {[]time.Weekday{0, 1, 2, 3, 4, 5, 6}, 1},
	"weekdays": {[]time.Weekday{1, 2, 3, 4, 5}, 2},
	"weekend":  {[]time.Weekday{0, 6}, 2},
	"mon":      {[]time.Weekday{time.Monday}, 3},
	"tue":      {[]time.Weekday{time.Tuesday}, 3},
	"wed":      {[]time.Weekday{time.Wednesday}, 3},
	"thu":      {[]time.Weekday{time.Thursday}, 3},
	"fri":      {[]time.Weekday{time.Friday}, 3},
	"sat":      {[]time.Weekday{time.Saturday}, 3},
	"sun":      {[]time.Weekday{time.Sunday}, 3},
}

// applyByDay calls set for each weekday of each key, least precise first.
func applyByDay[V any](m map[string]V, set func(time.Weekday, V)) {
	for level := 1; level <= 3; level++ {
		for key, v := range m {
			if k, ok := dayKeys[key]; ok && k.level == level {
				for _, d := range k.days {
					set(d, v)
				}
			}
		}
	}
}

// presetAge reads "age:N".
func presetAge(s string) (int, bool) {
	n, ok := strings.CutPrefix(s, "age:")
	if !ok || n == "" || len(n) > 2 || !digits(n) {
		return 0, false
	}
	age, _ := strconv.Atoi(n)
	return age, age <= 17
}

// Policy resolves the child's profile for the moment now: the preset for
// the child's age (from the birth year and now's year), then the explicit
// values on top.
func (c *Child) Policy(now time.Time) (Policy, error) {
	age := AgeIn(c.BirthYear, now)
	if age < 0 {
		return Policy{}, fmt.Errorf("child %q: birthYear %d is after %d", c.Name, c.BirthYear, now.Year())
	}
	var p Policy
	switch preset := c.Preset; preset {
	case "", "auto":
		p = Preset(age)
	case "none":
		p = Unrestricted()
	default:
		n, ok := presetAge(preset)
		if !ok {
			return Policy{}, fmt.Errorf("child %q: unknown preset %q", c.Name, preset)
		}
		p = Preset(n)
	}
	p.Age = age
	return c.Profile.apply(p, "child "+strconv.Quote(c.Name))
}

// Policy resolves a default profile: its preset ("age:N" or "none"), then
// its explicit values. Its Age is N for "age:N" and unknown (-1) otherwise.
func (pr *Profile) Policy() (Policy, error) {
	var p Policy
	switch pr.Preset {
	case "", "none":
		p = Unrestricted()
	default:
		n, ok := presetAge(pr.Preset)
		if !ok {
			return Policy{}, fmt.Errorf("default profile: preset %q needs a birth year or an age (age:N)", pr.Preset)
		}
		p = Preset(n)
	}
	return pr.apply(p, "default profile")
}

func (pr *Profile) apply(p Policy, who string) (Policy, error) {
	if s := pr.Screen; s != nil {
		if s.Daily != nil {
			for d := range p.Screen {
				p.Screen[d] = time.Duration(*s.Daily)
			}
		}
		applyByDay(s.Days, func(d time.Weekday, v Duration) { p.Screen[d] = time.Duration(v) })
	}
	if g := pr.Games; g != nil {
		if g.Daily != nil {
			for d := range p.Games {
				p.Games[d] = time.Duration(*g.Daily)
			}
		}
		applyByDay(g.Days, func(d time.Weekday, v Duration) { p.Games[d] = time.Duration(v) })
		if g.PerGame != nil {
			p.PerGame = time.Duration(*g.PerGame)
		}
	}
	applyByDay(pr.Allowed, func(d time.Weekday, ws []Window) { p.Allowed[d] = slices.Clone(ws) })
	for d := range p.Allowed {
		if p.Allowed[d] == nil {
			p.Allowed[d] = []Window{}
		}
	}
	if len(pr.Warnings) > 0 {
		p.Warnings = make([]time.Duration, len(pr.Warnings))
		for i, w := range pr.Warnings {
			p.Warnings[i] = time.Duration(w)
		}
		slices.Sort(p.Warnings)
		slices.Reverse(p.Warnings)
	}
	if pr.Grace != nil {
		p.Grace = time.Duration(*pr.Grace)
	}
	if pr.OnLimit != ActionLock {
		p.OnLimit = pr.OnLimit
	}
	if pr.MaxRating != RatingUnknown {
		p.MaxRating = pr.MaxRating
	}
	p.Apps = append(p.Apps, pr.Apps...)
	if pr.ApproveNew != nil {
		p.ApproveNew = *pr.ApproveNew
	}
	p.applyWeb(pr.Web, p.Age >= 0 && p.Age <= 17)
	if err := p.Validate(); err != nil {
		return Policy{}, fmt.Errorf("%s: %w", who, err)
	}
	return p, nil
}

// Claims reports whether account is one of the child's, compared without
// case (Windows account names ignore case; on Linux two accounts differing
// only in case would both be held to this child's rules, the safe side).
func (c *Child) Claims(account string) bool {
	return slices.ContainsFunc(c.Accounts, func(a string) bool { return strings.EqualFold(a, account) })
}

// ChildFor returns the child who claims account, or nil.
func (f *File) ChildFor(account string) *Child {
	for i := range f.Children {
		if f.Children[i].Claims(account) {
			return &f.Children[i]
		}
	}
	return nil
}

// PolicyFor resolves the policy for an OS account at the moment now: its
// child's, or the default profile's (child is then nil). Admin accounts are
// the caller's business: it should not ask. Without a child or a default
// profile the error is ErrNotManaged.
func (f *File) PolicyFor(account string, now time.Time) (p Policy, child *Child, err error) {
	if c := f.ChildFor(account); c != nil {
		p, err := c.Policy(now)
		return p, c, err
	}
	if f.DefaultProfile == nil {
		return Policy{}, nil, ErrNotManaged
	}
	p, err = f.DefaultProfile.Policy()
	return p, nil, err
}

// EncodeFile writes f as indented JSON that ParseFile reads back to an
// equal File.
func EncodeFile(f *File) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encode policy file: %w", err)
	}
	return b.Bytes(), nil
}
