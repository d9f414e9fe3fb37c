package rules

import (
	"fmt"
	"slices"
	"strings"
)

// The message keys of the web settings' errors (assets/translations/cli).
const (
	KeyWebFilter   = "err.web.filter"   // not a filter level
	KeyWebCategory = "err.web.category" // not a category
	KeyWebDomain   = "err.web.domain"   // not a domain name; {reason} says why
)

// web reads a profile's "web" object.
func (w *walker) web(path string, n *node) *WebSpec {
	fs := w.object(path, n, "filter", "safeSearch", "block", "deny", "allow")
	if fs == nil {
		return nil
	}
	s := &WebSpec{}
	if v, ok := fs["filter"]; ok {
		if str, ok := w.str(path+".filter", v); ok {
			var f WebFilter
			if err := f.UnmarshalText([]byte(str)); err != nil {
				w.failKey(path+".filter", v, KeyWebFilter, fmt.Errorf("unknown filter (want %s)", strings.Join(webFilterNames, ", ")))
			} else {
				s.Filter = &f
			}
		}
	}
	if v, ok := fs["safeSearch"]; ok {
		if v.kind == 'b' {
			b := v.b
			s.SafeSearch = &b
		} else {
			w.fail(path+".safeSearch", v, "want true or false, got %s", v.describe())
		}
	}
	if v, ok := fs["block"]; ok {
		s.Block = []string{}
		for i, cn := range w.list(path+".block", v, len(WebBlockCategories)*2) {
			ep := fmt.Sprintf("%s.block[%d]", path, i)
			c, ok := w.str(ep, cn)
			if !ok {
				continue
			}
			switch {
			case !slices.Contains(WebBlockCategories, c):
				w.failKey(ep, cn, KeyWebCategory, fmt.Errorf("unknown category (want %s)", strings.Join(WebBlockCategories, ", ")))
			case slices.Contains(s.Block, c):
				w.fail(ep, cn, "listed twice")
			default:
				s.Block = append(s.Block, c)
			}
		}
	}
	s.Deny = w.domains(path+".deny", fs["deny"])
	s.Allow = w.domains(path+".allow", fs["allow"])
	return s
}

// domains reads a list of domain names, normalised (NormalDomain).
func (w *walker) domains(path string, n *node) []string {
	if n == nil {
		return nil
	}
	out := []string{}
	for i, dn := range w.list(path, n, MaxWebDomains) {
		ep := fmt.Sprintf("%s[%d]", path, i)
		s, ok := w.str(ep, dn)
		if !ok {
			continue
		}
		d, err := NormalDomain(s)
		if err != nil {
			w.failKey(ep, dn, KeyWebDomain, err)
			continue
		}
		if slices.Contains(out, d) {
			w.fail(ep, dn, "listed twice")
			continue
		}
		out = append(out, d)
	}
	return out
}

// ParseWebFilter reads a filter level as the CLI takes it; the error is a
// *FieldError on field with its message key.
func ParseWebFilter(field, s string) (WebFilter, error) {
	var f WebFilter
	if err := f.UnmarshalText([]byte(s)); err != nil {
		return 0, &FieldError{Path: field, Value: fmt.Sprintf("%q", s), Key: KeyWebFilter,
			Reason: "unknown filter (want " + strings.Join(webFilterNames, ", ") + ")"}
	}
	return f, nil
}

// ParseWebCategory checks a category name as the CLI takes it (block says
// whether "education", an allow category, is refused).
func ParseWebCategory(field, s string, block bool) (string, error) {
	if slices.Contains(WebBlockCategories, s) || !block && s == WebEducation {
		return s, nil
	}
	want := WebBlockCategories
	if !block {
		want = append(slices.Clone(want), WebEducation)
	}
	return "", &FieldError{Path: field, Value: fmt.Sprintf("%q", s), Key: KeyWebCategory,
		Reason: "unknown category (want " + strings.Join(want, ", ") + ")"}
}

// ParseWebDomain is NormalDomain with a *FieldError on field.
func ParseWebDomain(field, s string) (string, error) {
	d, err := NormalDomain(s)
	if err != nil {
		return "", &FieldError{Path: field, Value: fmt.Sprintf("%q", s), Key: KeyWebDomain, Reason: err.Error()}
	}
	return d, nil
}
