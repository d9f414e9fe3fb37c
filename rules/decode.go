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

// failKey is fail with the message key the apps translate; err may be a
// *DurationError, whose key wins.
func (w *walker) failKey(path string, n *node, key string, err error) {
	w.fail(path, n, "%v", err)
	if len(w.errs) == 0 || w.errs[len(w.errs)-1].Reason != err.Error() {
		return
	}
	var de *DurationError
	if errors.As(err, &de) {
		key = de.Key
	}
	w.errs[len(w.errs)-1].Key = key
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
		w.failKey(path, n, KeyDuration, err)
		return 0, false
	}
	var reason, key string
	switch {
	case d == Unlimited && kind != durBudget:
		reason, key = "cannot be unlimited", "err.duration.unlimited"
	case d == Unlimited:
	case d > MaxDaily:
		reason, key = "more than 24h in a day", "err.duration.max"
	case d == 0 && (kind == durLimit || kind == durWarning):
		reason, key = "must be more than 0", "err.duration.zero"
	case kind == durGrace && d > MaxGrace:
		reason, key = "longer than 30m", "err.duration.grace"
	}
	if reason != "" {
		w.failKey(path, n, key, errors.New(reason))
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
