package catalog

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// localIndex is what the installed .desktop and metainfo files say, keyed
// by the lower-case file name of the program they run.
type localIndex struct {
	desktop   map[string]desktopApp
	appstream map[string]appstreamApp
	gamesDirs []string // normalised "<home>/games/" prefixes from Options.Homes
}

type desktopApp struct {
	name     string
	category Category
}

type appstreamApp struct {
	name     string
	category Category
	minAge   int // -1: no rating
}

func (idx *localIndex) desktopFor(base string, cmdline []string, host bool) (desktopApp, bool) {
	if d, ok := idx.desktop[base]; ok {
		return d, true
	}
	if host {
		for _, arg := range cmdline {
			if d, ok := idx.desktop[baseName(normPath(arg))]; ok {
				return d, true
			}
		}
	}
	return desktopApp{}, false
}

func (idx *localIndex) appstreamFor(base string, cmdline []string, host bool) (appstreamApp, bool) {
	if a, ok := idx.appstream[base]; ok {
		return a, true
	}
	if host {
		for _, arg := range cmdline {
			if a, ok := idx.appstream[baseName(normPath(arg))]; ok {
				return a, true
			}
		}
	}
	return appstreamApp{}, false
}

// categoryRank orders categories when several files describe one program:
// the stricter classification wins.
func categoryRank(c Category) int {
	switch c {
	case Game:
		return 4
	case Browser:
		return 3
	case Education:
		return 2
	case Other:
		return 1
	}
	return 0
}

// desktopCategory maps freedesktop menu categories to ours. An app that is
// both a game and educational (Categories=Education;Game;KidsGame) counts
// as a game; the built-in catalog names the well-known exceptions.
func desktopCategory(cats []string) Category {
	c := Other
	for _, x := range cats {
		switch strings.TrimSpace(x) {
		case "Game":
			return Game
		case "WebBrowser":
			c = Browser
		case "Education":
			if c == Other {
				c = Education
			}
		}
	}
	return c
}

// desktopDir is a folder of .desktop files; untrusted folders (in homes)
// count only for entries that make a program a game.
type desktopDir struct {
	path    string
	trusted bool
}

func buildLocalIndex(desktopDirs []desktopDir, metaDirs []string, isHost func(string) bool, log *slog.Logger) *localIndex {
	idx := &localIndex{desktop: map[string]desktopApp{}, appstream: map[string]appstreamApp{}}
	byDesktopID := map[string][]string{} // "foo.desktop" -> program names
	for _, dd := range desktopDirs {
		dir := dd.path
		if !dirExists(dir, log) {
			continue
		}
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				log.Debug("app classifier: skipping", "path", path, "err", err)
				return nil
			}
			if d.IsDir() || !strings.HasSuffix(d.Name(), ".desktop") {
				return nil
			}
			de, err := readDesktopFile(path)
			if err != nil {
				log.Debug("app classifier: skipping desktop file", "path", path, "err", err)
				return nil
			}
			if de.hidden || de.typ != "Application" {
				return nil
			}
			progs := de.programs(isHost)
			app := desktopApp{name: de.name, category: desktopCategory(de.categories)}
			if len(progs) == 0 || !dd.trusted && app.category != Game {
				return nil
			}
			// Desktop file ids replace "/" in subfolder paths by "-".
			rel, _ := filepath.Rel(dir, path)
			id := strings.ReplaceAll(filepath.ToSlash(rel), "/", "-")
			if dd.trusted {
				byDesktopID[strings.ToLower(id)] = progs
			}
			for _, p := range progs {
				if old, ok := idx.desktop[p]; !ok || categoryRank(app.category) > categoryRank(old.category) {
					idx.desktop[p] = app
				}
			}
			return nil
		})
	}
	for _, dir := range metaDirs {
		if !dirExists(dir, log) {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			log.Debug("app classifier: skipping folder", "dir", dir, "err", err)
			continue
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".xml") {
				continue
			}
			path := filepath.Join(dir, e.Name())
			comp, err := readMetainfo(path)
			if err != nil {
				log.Debug("app classifier: skipping metainfo", "path", path, "err", err)
				continue
			}
			app := appstreamApp{name: comp.name(), category: Other, minAge: comp.minAge()}
			if len(comp.Categories) > 0 {
				app.category = desktopCategory(comp.Categories)
			}
			progs := map[string]bool{}
			for _, b := range comp.Binaries {
				if b = strings.ToLower(filepath.Base(strings.TrimSpace(b))); b != "" && b != "." {
					progs[b] = true
				}
			}
			ids := comp.Launchables
			id := strings.ToLower(strings.TrimSpace(comp.ID))
			ids = append(ids, id, strings.TrimSuffix(id, ".desktop")+".desktop")
			for _, l := range ids {
				for _, p := range byDesktopID[strings.ToLower(strings.TrimSpace(l))] {
					progs[p] = true
				}
			}
			for p := range progs {
				old, ok := idx.appstream[p]
				if !ok || old.minAge < app.minAge {
					idx.appstream[p] = app
				}
			}
		}
	}
	return idx
}

// desktopEntry is the [Desktop Entry] group of a .desktop file.
type desktopEntry struct {
	name, typ, exec, tryExec string
	categories               []string
	hidden                   bool
}

// maxDesktopFile bounds what is read of one file.
const maxDesktopFile = 256 << 10

func readDesktopFile(path string) (desktopEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return desktopEntry{}, err
	}
	defer f.Close()
	return parseDesktopFile(io.LimitReader(f, maxDesktopFile))
}

// parseDesktopFile reads the keys kidtime needs from the [Desktop Entry]
// group (Desktop Entry Specification 1.5).
func parseDesktopFile(r io.Reader) (desktopEntry, error) {
	var de desktopEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxDesktopFile)
	inGroup, sawGroup := false, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '[' {
			inGroup = line == "[Desktop Entry]"
			sawGroup = sawGroup || inGroup
			continue
		}
		if !inGroup {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Name":
			de.name = v
		case "Type":
			de.typ = v
		case "Exec":
			de.exec = v
		case "TryExec":
			de.tryExec = v
		case "Categories":
			de.categories = strings.Split(strings.TrimSuffix(v, ";"), ";")
		case "Hidden":
			de.hidden = v == "true"
		}
	}
	if err := sc.Err(); err != nil {
		return de, fmt.Errorf("read desktop file: %w", err)
	}
	if !sawGroup {
		return de, fmt.Errorf("no [Desktop Entry] group")
	}
	return de, nil
}

// programs returns the lower-case file names of the programs the entry
// runs: the Exec= program (past `env VAR=x`, flatpak's --command, and the
// script or jar given to a host such as python3 or java) and TryExec.
// Entries whose Exec= opens a URL (steam://rungameid/…, heroic://…) run a
// launcher, not themselves, and give none.
func (de desktopEntry) programs(isHost func(string) bool) []string {
	args := splitExec(de.exec)
	for _, a := range args[min(1, len(args)):] {
		if isURLArg(a) {
			return nil
		}
	}
	var out []string
	add := func(p string) {
		if b := strings.ToLower(baseName(strings.ReplaceAll(p, `\`, "/"))); b != "" {
			out = append(out, b)
		}
	}
	for len(args) > 0 && baseName(args[0]) == "env" {
		args = args[1:]
		for len(args) > 0 && (strings.Contains(args[0], "=") || strings.HasPrefix(args[0], "-")) {
			if (args[0] == "-u" || args[0] == "-C" || args[0] == "--unset" || args[0] == "--chdir") && len(args) > 1 {
				args = args[1:] // the option's value
			}
			args = args[1:]
		}
	}
	switch {
	case len(args) == 0:
	case baseName(args[0]) == "flatpak":
		for _, a := range args[1:] {
			if c, ok := strings.CutPrefix(a, "--command="); ok {
				add(c)
			}
		}
		// Without --command the program is the app's own; its id is the
		// first argument after "run" that is not an option.
		if len(out) == 0 {
			run := false
			for _, a := range args[1:] {
				if a == "run" {
					run = true
				} else if run && !strings.HasPrefix(a, "-") {
					add(a)
					break
				}
			}
		}
	case isHost(strings.ToLower(baseName(args[0]))):
		for _, a := range args[1:] {
			if !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "%") {
				add(a)
				break
			}
		}
	default:
		add(args[0])
	}
	if de.tryExec != "" {
		add(de.tryExec)
	}
	return out
}

// isURLArg reports an argument of the form scheme:rest with a scheme of two
// or more letters (steam://, heroic://, lutris:rungameid/3), not a drive
// letter.
func isURLArg(a string) bool {
	i := strings.IndexByte(a, ':')
	if i < 2 {
		return false
	}
	for j := 0; j < i; j++ {
		c := a[j]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// splitExec splits an Exec= value into arguments, honouring double quotes
// and backslash escapes inside them, and dropping field codes (%f, %U…).
func splitExec(s string) []string {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			quoted = !quoted
			inArg = true
		case !quoted && (c == ' ' || c == '\t'):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	out := args[:0]
	for _, a := range args {
		if len(a) == 2 && a[0] == '%' {
			continue
		}
		out = append(out, a)
	}
	return out
}

// component is the part of an AppStream metainfo file kidtime reads.
type component struct {
	ID          string          `xml:"id"`
	Names       []localizedText `xml:"name"`
	Launchables []string        `xml:"launchable"`
	Binaries    []string        `xml:"provides>binary"`
	Categories  []string        `xml:"categories>category"`
	Ratings     []contentRating `xml:"content_rating"`
}

type localizedText struct {
	Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Text string `xml:",chardata"`
}

type contentRating struct {
	Type       string `xml:"type,attr"`
	Attributes []struct {
		ID    string `xml:"id,attr"`
		Value string `xml:",chardata"`
	} `xml:"content_attribute"`
}

// maxMetainfoFile bounds what is read of one file.
const maxMetainfoFile = 4 << 20

func readMetainfo(path string) (*component, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) > maxMetainfoFile {
		return nil, fmt.Errorf("metainfo file larger than %d bytes", maxMetainfoFile)
	}
	return parseMetainfo(data)
}

func parseMetainfo(data []byte) (*component, error) {
	var c component
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse metainfo: %w", err)
	}
	if strings.TrimSpace(c.ID) == "" {
		return nil, fmt.Errorf("metainfo component has no <id>")
	}
	return &c, nil
}

func (c *component) name() string {
	for _, n := range c.Names {
		if n.Lang == "" {
			return strings.TrimSpace(n.Text)
		}
	}
	return strings.TrimSpace(c.ID)
}

// minAge is the component's OARS minimum age: -1 without a content rating
// (or with a rating system other than OARS), 0 for an empty rating.
func (c *component) minAge() int {
	age := -1
	for _, r := range c.Ratings {
		if !strings.HasPrefix(r.Type, "oars-") {
			continue
		}
		a := 0
		for _, attr := range r.Attributes {
			a = max(a, oarsAge(strings.TrimSpace(attr.ID), strings.TrimSpace(attr.Value)))
		}
		age = max(age, a)
	}
	return age
}
