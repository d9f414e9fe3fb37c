package rules

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// The policy file's own fields, read by the strict walker of decode.go.

func (w *walker) file(n *node) *File {
	f := &File{}
	fs := w.object("", n, "version", "children", "defaultProfile", "help", "shareNames", "classes")
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
	w.report(fs, f)
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

var profileFields = []string{"preset", "screen", "games", "allowed", "warnings", "grace", "onLimit", "maxRating", "apps", "approveNew", "web"}

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
	if v, ok := fs["approveNew"]; ok {
		if v.kind == 'b' {
			b := v.b
			p.ApproveNew = &b
		} else {
			w.fail(sub("approveNew"), v, "want true or false, got %s", v.describe())
		}
	}
	if v, ok := fs["web"]; ok {
		p.Web = w.web(sub("web"), v)
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
				w.failKey(ep, wn, "err.window", err)
				continue
			}
			if o := slices.IndexFunc(ws, win.overlaps); o >= 0 {
				w.failKey(ep, wn, "err.window.overlap", fmt.Errorf("overlaps %s", ws[o]))
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
