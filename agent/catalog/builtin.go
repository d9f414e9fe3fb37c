package catalog

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// catalogFile is assets/catalog.json; its format is documented on
// assets.Catalog.
type catalogFile struct {
	Version int            `json:"version"`
	Hosts   []string       `json:"hosts"`
	Apps    []catalogEntry `json:"apps"`
}

type catalogEntry struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Category Category `json:"category"`
	MinAge   *int     `json:"minAge"`
	Always   bool     `json:"always"`
	Exe      []string `json:"exe"`
	Paths    []string `json:"paths"`
	Cmdline  []string `json:"cmdline"`
	Android  []string `json:"android"`
	SHA256   []string `json:"sha256"`
}

// entry is a validated catalog entry.
type entry struct {
	ID       string
	Name     string
	Category Category
	MinAge   int
	Always   bool
}

type pattern struct {
	glob  glob
	entry *entry
}

// builtin is the indexed catalog.
type builtin struct {
	byExe     map[string]*entry // lower-case file name
	byComm    map[string]*entry // the same, cut to 15 bytes like Linux comm
	byAndroid map[string]*entry
	bySHA     map[string]*entry
	paths     []pattern
	cmdlines  []pattern
	hostExact map[string]bool
	hostGlobs []glob
}

// commLen is the longest process name Linux keeps (TASK_COMM_LEN - 1).
const commLen = 15

func parseCatalog(data []byte) (*builtin, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f catalogFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse catalog JSON: %w", err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("catalog version %d: this build reads version 1", f.Version)
	}
	if len(f.Apps) == 0 {
		return nil, fmt.Errorf("catalog has no apps")
	}
	b := &builtin{
		byExe:     map[string]*entry{},
		byComm:    map[string]*entry{},
		byAndroid: map[string]*entry{},
		bySHA:     map[string]*entry{},
		hostExact: map[string]bool{},
	}
	for _, h := range f.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case h == "" || strings.ContainsAny(h, `/\`):
			return nil, fmt.Errorf("catalog host %q: want a file name or a pattern on one", h)
		case strings.Contains(h, "*"):
			b.hostGlobs = append(b.hostGlobs, compileGlob(h))
		default:
			b.hostExact[h] = true
		}
	}
	ids := map[string]bool{}
	for i, a := range f.Apps {
		where := fmt.Sprintf("catalog app #%d (%q)", i+1, a.ID)
		switch {
		case a.ID == "" || a.ID != strings.ToLower(a.ID) || strings.ContainsAny(a.ID, " \t/"):
			return nil, fmt.Errorf("%s: id must be non-empty lower case without spaces", where)
		case ids[a.ID]:
			return nil, fmt.Errorf("%s: duplicate id", where)
		case a.Name == "":
			return nil, fmt.Errorf("%s: name is empty", where)
		case !a.Category.valid():
			return nil, fmt.Errorf("%s: category %q is not one of game, education, browser, launcher, emulator, other", where, a.Category)
		case a.MinAge != nil && (*a.MinAge < 0 || *a.MinAge > 21):
			return nil, fmt.Errorf("%s: minAge %d is outside 0..21", where, *a.MinAge)
		case len(a.Exe)+len(a.Paths)+len(a.Cmdline)+len(a.Android)+len(a.SHA256) == 0:
			return nil, fmt.Errorf("%s: nothing to match it by (exe, paths, cmdline, android, sha256)", where)
		}
		ids[a.ID] = true
		e := &entry{ID: a.ID, Name: a.Name, Category: a.Category, MinAge: -1, Always: a.Always}
		if a.MinAge != nil {
			e.MinAge = *a.MinAge
		}
		for _, x := range a.Exe {
			k := strings.ToLower(x)
			if k == "" || strings.ContainsAny(k, `/\*`) {
				return nil, fmt.Errorf("%s: exe %q must be a plain file name", where, x)
			}
			if prev, dup := b.byExe[k]; dup {
				return nil, fmt.Errorf("%s: exe %q already belongs to %q", where, x, prev.ID)
			}
			b.byExe[k] = e
			if len(k) > commLen {
				// Two long names may share a 15-byte prefix; the first wins.
				if _, dup := b.byComm[k[:commLen]]; !dup {
					b.byComm[k[:commLen]] = e
				}
			}
		}
		for _, x := range a.Android {
			k := strings.ToLower(x)
			if k == "" || strings.ContainsAny(k, ` /\*`) {
				return nil, fmt.Errorf("%s: android package %q is not a package name", where, x)
			}
			if prev, dup := b.byAndroid[k]; dup {
				return nil, fmt.Errorf("%s: android package %q already belongs to %q", where, x, prev.ID)
			}
			b.byAndroid[k] = e
		}
		for _, x := range a.SHA256 {
			k := strings.ToLower(x)
			if raw, err := hex.DecodeString(k); err != nil || len(raw) != 32 {
				return nil, fmt.Errorf("%s: sha256 %q is not 64 hex digits", where, x)
			}
			if prev, dup := b.bySHA[k]; dup {
				return nil, fmt.Errorf("%s: sha256 %q already belongs to %q", where, x, prev.ID)
			}
			b.bySHA[k] = e
		}
		for _, x := range a.Paths {
			if strings.Trim(x, "*") == "" {
				return nil, fmt.Errorf("%s: path pattern %q matches everything", where, x)
			}
			b.paths = append(b.paths, pattern{compileGlob(normPath(x)), e})
		}
		for _, x := range a.Cmdline {
			if strings.Trim(x, "*") == "" {
				return nil, fmt.Errorf("%s: cmdline pattern %q matches everything", where, x)
			}
			b.cmdlines = append(b.cmdlines, pattern{compileGlob(strings.ToLower(x)), e})
		}
	}
	return b, nil
}

// isHost reports whether a lower-case file name is a program that runs
// another one named in its arguments.
func (b *builtin) isHost(base string) bool {
	if b.hostExact[base] {
		return true
	}
	for _, g := range b.hostGlobs {
		if g.match(base) {
			return true
		}
	}
	return false
}

// lookup finds the catalog entry for a process, or nil.
func (b *builtin) lookup(p ProcessFacts, exe, base string, host bool) *entry {
	if p.SHA256 != "" {
		if e := b.bySHA[strings.ToLower(p.SHA256)]; e != nil {
			return e
		}
	}
	if e := b.byExe[base]; e != nil {
		return e
	}
	if p.Exe == "" && len(base) == commLen {
		if e := b.byComm[base]; e != nil {
			return e
		}
	}
	if isAndroidRuntime(base) && len(p.Cmdline) > 0 {
		pkg, _, _ := strings.Cut(strings.ToLower(p.Cmdline[0]), ":")
		if e := b.byAndroid[pkg]; e != nil {
			return e
		}
	}
	if exe != "" {
		for _, pt := range b.paths {
			if pt.glob.match(exe) {
				return pt.entry
			}
		}
	}
	if !host {
		return nil
	}
	for _, arg := range p.Cmdline {
		if e := b.byExe[baseName(normPath(arg))]; e != nil {
			return e
		}
	}
	if len(b.cmdlines) == 0 || len(p.Cmdline) == 0 {
		return nil
	}
	joined := strings.ToLower(strings.Join(p.Cmdline, " "))
	for _, pt := range b.cmdlines {
		if pt.glob.match(joined) {
			return pt.entry
		}
	}
	return nil
}

// isAndroidRuntime reports Android's app_process, which every Android app
// process runs (visible on the host under Waydroid).
func isAndroidRuntime(base string) bool {
	return base == "app_process" || base == "app_process32" || base == "app_process64"
}

// glob is a compiled pattern where "*" matches any run of bytes (including
// "/") and every other byte matches itself.
type glob struct {
	segs      []string // the literal parts between stars
	openStart bool     // the pattern starts with "*"
	openEnd   bool     // the pattern ends with "*"
	source    string
}

func compileGlob(pattern string) glob {
	g := glob{source: pattern, openStart: strings.HasPrefix(pattern, "*"), openEnd: strings.HasSuffix(pattern, "*")}
	for _, s := range strings.Split(pattern, "*") {
		if s != "" {
			g.segs = append(g.segs, s)
		}
	}
	return g
}

// match reports whether s matches the pattern. With only "*" as a
// wildcard, taking each literal part at its leftmost place is correct, so
// this is a few strings.Index calls.
func (g glob) match(s string) bool {
	segs := g.segs
	if len(segs) == 0 {
		return g.openStart || s == ""
	}
	if !g.openStart {
		if !strings.HasPrefix(s, segs[0]) {
			return false
		}
		s = s[len(segs[0]):]
		segs = segs[1:]
		if len(segs) == 0 {
			return g.openEnd || s == ""
		}
	}
	last := len(segs) - 1
	for _, seg := range segs[:last] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	if g.openEnd {
		return strings.Contains(s, segs[last])
	}
	return strings.HasSuffix(s, segs[last])
}

// match reports whether s matches pattern (see glob).
func match(pattern, s string) bool { return compileGlob(pattern).match(s) }
