package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on policy files. They are far above any real policy and keep a
// forged or corrupted file from costing memory or time.
const (
	MaxFileSize    = 1 << 20 // bytes
	maxDepth       = 16
	maxChildren    = 100
	maxAccounts    = 50
	maxApps        = 1000
	maxWindows     = 48 // per day key
	maxWarnings    = 10
	maxHelp        = 20
	maxNameLen     = 64
	maxReportedErr = 50
)

const docPath = "(document)"

// ParseFile reads a policy file strictly. Unknown fields, duplicate keys,
// wrong types and bad values are errors; the error is an Errors holding every
// problem (up to 50), each naming its field path and the reason, e.g.
//
//	children[0].allowed.weekdays[1]: "25:00-26:00": hour out of range
func ParseFile(data []byte) (*File, error) {
	if len(data) > MaxFileSize {
		return nil, Errors{{Path: docPath, Reason: fmt.Sprintf("file is %d bytes; the limit is %d", len(data), MaxFileSize)}}
	}
	root, ferr := parseTree(data)
	if ferr != nil {
		return nil, Errors{ferr}
	}
	w := &walker{}
	f := w.file(root)
	if len(w.errs) > 0 {
		return nil, w.errs
	}
	return f, nil
}

// node is a JSON value with its object keys in document order.
type node struct {
	kind  byte // '{', '[', 's' string, 'n' number, 'b' bool, '0' null
	text  string
	b     bool
	keys  []string
	elems []*node // object values (parallel to keys) or array elements
}

func (n *node) describe() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "true/false"
	}
	return "null"
}

// value is how n is quoted in an error (only scalars, and not too long).
func (n *node) value() string {
	var s string
	switch n.kind {
	case 's':
		s = strconv.Quote(n.text)
	case 'n':
		s = n.text
	case 'b':
		s = strconv.FormatBool(n.b)
	default:
		return ""
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func parseTree(data []byte) (*node, *FieldError) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := readNode(dec, "", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &FieldError{Path: docPath, Reason: "unexpected data after the end of the document"}
	}
	return root, nil
}

func showPath(p string) string {
	if p == "" {
		return docPath
	}
	return p
}

func syntaxError(path string, err error) *FieldError {
	reason := err.Error()
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		reason = "unexpected end of the document"
	}
	reason = strings.TrimPrefix(reason, "json: ")
	return &FieldError{Path: showPath(path), Reason: "not valid JSON: " + reason}
}

func readNode(dec *json.Decoder, path string, depth int) (*node, *FieldError) {
	if depth > maxDepth {
		return nil, &FieldError{Path: showPath(path), Reason: "nested too deep"}
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(path, err)
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := &node{kind: '{'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxError(path, err)
				}
				key, ok := kt.(string)
				if !ok {
					return nil, &FieldError{Path: showPath(path), Reason: "not valid JSON: object key is not a string"}
				}
				kp := fieldPath(path, key)
				if slices.Contains(n.keys, key) {
					return nil, &FieldError{Path: kp, Reason: "duplicate field"}
				}
				val, ferr := readNode(dec, kp, depth+1)
				if ferr != nil {
					return nil, ferr
				}
				n.keys = append(n.keys, key)
				n.elems = append(n.elems, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, err)
			}
			return n, nil
		case '[':
			n := &node{kind: '['}
			for dec.More() {
				val, ferr := readNode(dec, fmt.Sprintf("%s[%d]", path, len(n.elems)), depth+1)
				if ferr != nil {
					return nil, ferr
				}
				n.elems = append(n.elems, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(path, err)
			}
			return n, nil
		}
		return nil, &FieldError{Path: showPath(path), Reason: "not valid JSON: unexpected " + v.String()}
	case string:
		return &node{kind: 's', text: v}, nil
	case json.Number:
		return &node{kind: 'n', text: v.String()}, nil
	case bool:
		return &node{kind: 'b', b: v}, nil
	case nil:
		return &node{kind: '0'}, nil
	}
	return nil, &FieldError{Path: showPath(path), Reason: "not valid JSON"}
}

// fieldPath appends an object key to a path, quoting keys that are not
// plain names.
func fieldPath(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '+' || r == '-' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			plain = false
		}
	}
	if !plain {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

type walker struct{ errs Errors }

func (w *walker) fail(path string, n *node, format string, args ...any) {
	if len(w.errs) >= maxReportedErr {
		return
	}
	e := &FieldError{Path: showPath(path), Reason: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Value = n.value()
	}
	w.errs = append(w.errs, e)
}

// object checks that n is an object with only the given fields, and returns
// the present, non-null ones by name.
func (w *walker) object(path string, n *node, known ...string) map[string]*node {
	if n.kind != '{' {
		w.fail(path, n, "want an object, got %s", n.describe())
		return nil
	}
	out := make(map[string]*node, len(n.keys))
	for i, k := range n.keys {
		if !slices.Contains(known, k) {
			reason := "unknown field"
			for _, c := range known {
				if strings.EqualFold(c, k) {
					reason += fmt.Sprintf(" (did you mean %q?)", c)
				}
			}
			w.fail(fieldPath(path, k), nil, "%s", reason)
			continue
		}
		if n.elems[i].kind != '0' {
			out[k] = n.elems[i]
		}
	}
	return out
}

func (w *walker) list(path string, n *node, most int) []*node {
	if n.kind != '[' {
		w.fail(path, n, "want a list, got %s", n.describe())
		return nil
	}
	if len(n.elems) > most {
		w.fail(path, nil, "more than %d entries", most)
		return nil
	}
	return n.elems
}

func (w *walker) str(path string, n *node) (string, bool) {
	if n.kind != 's' {
		w.fail(path, n, "want a string, got %s", n.describe())
		return "", false
	}
	return n.text, true
}

// name reads a human name or account: not empty, not too long, no control
// characters, no spaces at either end.
func (w *walker) name(path string, n *node) (string, bool) {
	s, ok := w.str(path, n)
	switch {
	case !ok:
		return "", false
	case strings.TrimSpace(s) == "":
		w.fail(path, n, "must not be empty")
	case utf8.RuneCountInString(s) > maxNameLen:
		w.fail(path, n, "longer than %d characters", maxNameLen)
	case !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0:
		w.fail(path, n, "contains control characters")
	case strings.TrimSpace(s) != s:
		w.fail(path, n, "has spaces at the start or end")
	default:
		return s, true
	}
	return "", false
}

func (w *walker) integer(path string, n *node, lo, hi int) (int, bool) {
	if n.kind != 'n' {
		w.fail(path, n, "want a number, got %s", n.describe())
		return 0, false
	}
	v, err := strconv.Atoi(n.text)
	if err != nil {
		w.fail(path, n, "want a whole number")
		return 0, false
	}
	if v < lo || v > hi {
		w.fail(path, n, "out of range %d–%d", lo, hi)
		return 0, false
	}
	return v, true
}

type durKind int

const (
	durBudget  durKind = iota // 0..24h or unlimited
	durLimit                  // >0..24h
	durWarning                // >0..24h
	durGrace                  // 0..30m
)

func (w *walker) duration(path string, n *node, kind durKind) (Duration, bool) {
	s, ok := w.str(path, n)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		w.fail(path, n, "%v", err)
		return 0, false
	}
	var reason string
	switch {
	case d == Unlimited && kind != durBudget:
		reason = "cannot be unlimited"
	case d == Unlimited:
	case d > MaxDaily:
		reason = "more than 24h in a day"
	case d == 0 && (kind == durLimit || kind == durWarning):
		reason = "must be more than 0"
	case kind == durGrace && d > MaxGrace:
		reason = "longer than 30m"
	}
	if reason != "" {
		w.fail(path, n, "%s", reason)
		return 0, false
	}
	return Duration(d), true
}

func (w *walker) enum(path string, n *node, u interface{ UnmarshalText([]byte) error }) bool {
	s, ok := w.str(path, n)
	if !ok {
		return false
	}
	if err := u.UnmarshalText([]byte(s)); err != nil {
		w.fail(path, n, "%v", err)
		return false
	}
	return true
}

func (w *walker) file(n *node) *File {
	f := &File{}
	fs := w.object("", n, "version", "children", "defaultProfile", "help")
	if fs == nil {
		return f
	}
	if v, ok := fs["version"]; !ok {
		w.fail("version", nil, "missing (want %d)", FileVersion)
	} else if ver, ok := w.integer("version", v, 0, 1<<30); ok {
		if ver != FileVersion {
			w.fail("version", v, "unsupported version (this kidtime reads version %d)", FileVersion)
		}
		f.Version = ver
	}
	claimed := map[string]string{} // lower-case account -> path of the child
	names := map[string]string{}
	if v, ok := fs["children"]; ok {
		for i, cn := range w.list("children", v, maxChildren) {
			path := fmt.Sprintf("children[%d]", i)
			c := w.child(path, cn)
			f.Children = append(f.Children, c)
			if c.Name != "" {
				if other, dup := names[strings.ToLower(c.Name)]; dup {
					w.fail(path+".name", cn.elemNamed("name"), "already the name of %s", other)
				}
				names[strings.ToLower(c.Name)] = path
			}
			for j, a := range c.Accounts {
				if other, dup := claimed[strings.ToLower(a)]; dup {
					w.fail(fmt.Sprintf("%s.accounts[%d]", path, j), &node{kind: 's', text: a}, "account already claimed by %s", other)
					continue
				}
				claimed[strings.ToLower(a)] = path
			}
		}
	}
	if v, ok := fs["defaultProfile"]; ok {
		pr := &Profile{}
		pf := w.object("defaultProfile", v, profileFields...)
		if pf != nil {
			w.profile("defaultProfile", pf, pr, false)
		}
		f.DefaultProfile = pr
	}
	if v, ok := fs["help"]; ok {
		for i, hn := range w.list("help", v, maxHelp) {
			path := fmt.Sprintf("help[%d]", i)
			hf := w.object(path, hn, "name", "number")
			if hf == nil {
				continue
			}
			var h HelpContact
			if x, ok := hf["name"]; ok {
				h.Name, _ = w.name(path+".name", x)
			} else {
				w.fail(path+".name", nil, "missing")
			}
			if x, ok := hf["number"]; ok {
				if s, ok := w.str(path+".number", x); ok {
					if !phoneNumber(s) {
						w.fail(path+".number", x, "want a phone number (digits, spaces, + - . ( ))")
					}
					h.Number = s
				}
			} else {
				w.fail(path+".number", nil, "missing")
			}
			f.Help = append(f.Help, h)
		}
	}
	return f
}

func (n *node) elemNamed(key string) *node {
	if i := slices.Index(n.keys, key); i >= 0 {
		return n.elems[i]
	}
	return nil
}

func phoneNumber(s string) bool {
	if s == "" || len(s) > 24 {
		return false
	}
	nd := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			nd++
		case strings.ContainsRune(" +-.()", r):
		default:
			return false
		}
	}
	return nd > 0
}

var profileFields = []string{"preset", "screen", "games", "allowed", "warnings", "grace", "onLimit", "maxRating", "apps"}

func (w *walker) child(path string, n *node) Child {
	var c Child
	fs := w.object(path, n, append([]string{"name", "birthYear", "accounts"}, profileFields...)...)
	if fs == nil {
		return c
	}
	if v, ok := fs["name"]; ok {
		c.Name, _ = w.name(path+".name", v)
	} else {
		w.fail(path+".name", nil, "missing")
	}
	if v, ok := fs["birthYear"]; ok {
		c.BirthYear, _ = w.integer(path+".birthYear", v, 1900, 2200)
	} else {
		w.fail(path+".birthYear", nil, "missing")
	}
	if v, ok := fs["accounts"]; ok {
		for i, an := range w.list(path+".accounts", v, maxAccounts) {
			ap := fmt.Sprintf("%s.accounts[%d]", path, i)
			a, ok := w.name(ap, an)
			if !ok {
				continue
			}
			if c.Claims(a) {
				w.fail(ap, an, "listed twice")
				continue
			}
			c.Accounts = append(c.Accounts, a)
		}
	}
	w.profile(path, fs, &c.Profile, true)
	return c
}

func (w *walker) profile(path string, fs map[string]*node, p *Profile, isChild bool) {
	sub := func(k string) string { return fieldPath(path, k) }
	if v, ok := fs["preset"]; ok {
		if s, ok := w.str(sub("preset"), v); ok {
			switch _, isAge := presetAge(s); {
			case s == "none" || isAge:
				p.Preset = s
			case s == "auto" && isChild:
				p.Preset = s
			case s == "auto":
				w.fail(sub("preset"), v, "auto needs a birth year; use age:N or none")
			case strings.HasPrefix(s, "age:"):
				w.fail(sub("preset"), v, "age out of range 0–17")
			default:
				w.fail(sub("preset"), v, "unknown preset (want auto, age:N or none)")
			}
		}
	}
	if v, ok := fs["screen"]; ok {
		sf := w.object(sub("screen"), v, "daily", "days")
		if sf != nil {
			s := &BudgetSpec{}
			if d, ok := sf["daily"]; ok {
				if x, ok := w.duration(sub("screen")+".daily", d, durBudget); ok {
					s.Daily = &x
				}
			}
			if d, ok := sf["days"]; ok {
				s.Days = w.days(sub("screen")+".days", d)
			}
			p.Screen = s
		}
	}
	if v, ok := fs["games"]; ok {
		gf := w.object(sub("games"), v, "daily", "perGame", "days")
		if gf != nil {
			g := &GamesSpec{}
			if d, ok := gf["daily"]; ok {
				if x, ok := w.duration(sub("games")+".daily", d, durBudget); ok {
					g.Daily = &x
				}
			}
			if d, ok := gf["perGame"]; ok {
				if x, ok := w.duration(sub("games")+".perGame", d, durBudget); ok {
					g.PerGame = &x
				}
			}
			if d, ok := gf["days"]; ok {
				g.Days = w.days(sub("games")+".days", d)
			}
			p.Games = g
		}
	}
	if v, ok := fs["allowed"]; ok {
		p.Allowed = w.allowed(sub("allowed"), v)
	}
	if v, ok := fs["warnings"]; ok {
		wp := sub("warnings")
		list := w.list(wp, v, maxWarnings)
		if v.kind == '[' && len(v.elems) == 0 {
			w.fail(wp, nil, "give at least one warning: a child must never lose a game without one")
		}
		for i, wn := range list {
			ep := fmt.Sprintf("%s[%d]", wp, i)
			d, ok := w.duration(ep, wn, durWarning)
			if !ok {
				continue
			}
			if slices.Contains(p.Warnings, d) {
				w.fail(ep, wn, "listed twice")
				continue
			}
			p.Warnings = append(p.Warnings, d)
		}
	}
	if v, ok := fs["grace"]; ok {
		if d, ok := w.duration(sub("grace"), v, durGrace); ok {
			p.Grace = &d
		}
	}
	if v, ok := fs["onLimit"]; ok {
		w.enum(sub("onLimit"), v, &p.OnLimit)
	}
	if v, ok := fs["maxRating"]; ok {
		w.enum(sub("maxRating"), v, &p.MaxRating)
	}
	if v, ok := fs["apps"]; ok {
		for i, an := range w.list(sub("apps"), v, maxApps) {
			if r, ok := w.appRule(fmt.Sprintf("%s[%d]", sub("apps"), i), an); ok {
				p.Apps = append(p.Apps, r)
			}
		}
	}
}

func (w *walker) days(path string, n *node) map[string]Duration {
	if n.kind != '{' {
		w.fail(path, n, "want an object of day: duration, got %s", n.describe())
		return nil
	}
	out := map[string]Duration{}
	for i, k := range n.keys {
		kp := fieldPath(path, k)
		if _, ok := dayKeys[k]; !ok || k == "daily" {
			w.fail(kp, nil, "unknown day (want mon…sun, weekdays or weekend)")
			continue
		}
		if n.elems[i].kind == '0' {
			continue
		}
		if d, ok := w.duration(kp, n.elems[i], durBudget); ok {
			out[k] = d
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (w *walker) allowed(path string, n *node) map[string][]Window {
	if n.kind != '{' {
		w.fail(path, n, "want an object of day: [windows], got %s", n.describe())
		return nil
	}
	out := map[string][]Window{}
	for i, k := range n.keys {
		kp := fieldPath(path, k)
		if _, ok := dayKeys[k]; !ok {
			w.fail(kp, nil, "unknown day (want daily, weekdays, weekend or mon…sun)")
			continue
		}
		if n.elems[i].kind == '0' {
			continue
		}
		ws := []Window{}
		for j, wn := range w.list(kp, n.elems[i], maxWindows) {
			ep := fmt.Sprintf("%s[%d]", kp, j)
			s, ok := w.str(ep, wn)
			if !ok {
				continue
			}
			win, err := ParseWindow(s)
			if err != nil {
				w.fail(ep, wn, "%v", err)
				continue
			}
			if o := slices.IndexFunc(ws, win.overlaps); o >= 0 {
				w.fail(ep, wn, "overlaps %s", ws[o])
				continue
			}
			ws = append(ws, win)
		}
		out[k] = ws
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (w *walker) appRule(path string, n *node) (AppRule, bool) {
	var r AppRule
	fs := w.object(path, n, "match", "rule", "limit", "category")
	if fs == nil {
		return r, false
	}
	nerr := len(w.errs)
	if v, ok := fs["match"]; ok {
		mp := path + ".match"
		if mf := w.object(mp, v, "name", "path", "sha256"); mf != nil {
			if x, ok := mf["name"]; ok {
				r.Match.Name, _ = w.name(mp+".name", x)
			}
			if x, ok := mf["path"]; ok {
				if s, ok := w.str(mp+".path", x); ok {
					if s == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 || len(s) > 4096 {
						w.fail(mp+".path", x, "want a full executable path")
					}
					r.Match.Path = s
				}
			}
			if x, ok := mf["sha256"]; ok {
				if s, ok := w.str(mp+".sha256", x); ok {
					if !isSHA256(s) {
						w.fail(mp+".sha256", x, "want 64 hex digits")
					}
					r.Match.SHA256 = strings.ToLower(s)
				}
			}
			if len(mf) == 0 {
				w.fail(mp, nil, "give a name, path or sha256")
			}
		}
	} else {
		w.fail(path+".match", nil, "missing")
	}
	if v, ok := fs["rule"]; ok {
		w.enum(path+".rule", v, &r.Rule)
	}
	if v, ok := fs["category"]; ok {
		w.enum(path+".category", v, &r.Category)
	}
	if v, ok := fs["limit"]; ok {
		if r.Rule != RuleLimit {
			w.fail(path+".limit", v, "only for \"rule\": \"limit\"")
		} else {
			r.Limit, _ = w.duration(path+".limit", v, durLimit)
		}
	} else if r.Rule == RuleLimit {
		w.fail(path+".limit", nil, "missing (rule \"limit\" needs one)")
	}
	if len(w.errs) == nerr && r.Rule == RuleNone && r.Category == CategoryUnknown {
		w.fail(path, nil, "the rule says nothing: give a rule or a category")
	}
	return r, len(w.errs) == nerr
}
