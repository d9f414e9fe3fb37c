// Package catalog classifies programs: is this process a game, an
// education app, a browser, a game launcher or an Android emulator, what is
// it called, and from what age is it suitable.
//
// Classify applies, in this order (DESIGN.md §5), the first source that
// knows the program:
//
//  1. the built-in catalog (assets.Catalog): executable names, path and
//     command-line patterns, Android packages, hashes;
//  2. installed .desktop files whose Categories say Game, Education or
//     WebBrowser, matched by the program of their Exec= line;
//  3. installed AppStream metainfo, for the category and the OARS content
//     rating (its minimum age also completes 1 and 2 when they lack one);
//  4. launcher libraries: Steam's steamapps/common, Lutris's and Heroic's
//     ~/Games, the Epic, GOG and itch install folders, Debian's /usr/games;
//  5. Android emulators (BlueStacks, LDPlayer, Nox, MEmu, GameLoop,
//     Waydroid's Android runtime), which count as games;
//  6. unknown.
//
// The parent's own rules come before all of this; the caller applies them.
// Desktop and metainfo files are read once by New and again by Reload, so
// Classify touches no file and is cheap enough to run on every exec.
package catalog

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// Category is what kind of program an app is.
type Category string

// Categories. The empty category means unknown.
const (
	Game      Category = "game"
	Education Category = "education"
	Browser   Category = "browser"
	Launcher  Category = "launcher"
	Emulator  Category = "emulator"
	Other     Category = "other"
	Unknown   Category = ""
)

// IsGame reports whether time in an app of this category is game time:
// games, and Android emulators, whose games the host cannot see. A launcher
// (the Steam client itself) is not; the games it starts are.
func (c Category) IsGame() bool { return c == Game || c == Emulator }

// Rules is the category as the rules engine sees it: games and emulators are
// games, education is education, any other known kind is other.
func (c Category) Rules() rules.Category {
	switch {
	case c.IsGame():
		return rules.CategoryGame
	case c == Education:
		return rules.CategoryEducation
	case c == Unknown:
		return rules.CategoryUnknown
	}
	return rules.CategoryOther
}

// FromRules is a parent's category (from a policy's app rule) as a catalog
// category.
func FromRules(c rules.Category) Category {
	switch c {
	case rules.CategoryGame:
		return Game
	case rules.CategoryEducation:
		return Education
	case rules.CategoryOther:
		return Other
	}
	return Unknown
}

// valid reports whether c is one of the named categories.
func (c Category) valid() bool {
	switch c {
	case Game, Education, Browser, Launcher, Emulator, Other:
		return true
	}
	return false
}

// Sources of a classification, as in Info.Source.
const (
	SourceCatalog     = "catalog"
	SourceDesktop     = "desktop"
	SourceAppStream   = "appstream"
	SourceLauncherDir = "launcher-dir"
	SourceEmulator    = "emulator"
	SourceUnknown     = "unknown"
)

// Info is what the classifier knows about a program.
type Info struct {
	// Name is a display name: the catalog's, the .desktop file's, the game's
	// folder in a launcher library, or else the executable's file name.
	Name     string
	Category Category
	// MinAge is the minimum suitable age in years, -1 when unknown: from the
	// catalog, or from the AppStream OARS rating (0 when the app declares a
	// rating with nothing in it).
	MinAge int
	// Source says which step classified the program (Source* constants).
	Source string
	// ID is the catalog entry's id when Source is "catalog".
	ID string
	// Always marks apps that the catalog says are always allowed by
	// default (education and help apps that neither count nor get closed).
	Always bool
}

// ProcessFacts describes a process to classify.
type ProcessFacts struct {
	// Exe is the executable's path (/proc/PID/exe, or the image path on
	// Windows); may be empty when it could not be read.
	Exe string
	// Name is the process name (Linux comm, at most 15 bytes), used when Exe
	// is empty.
	Name string
	// Cmdline is the argument vector, argv[0] first.
	Cmdline []string
	// SHA256 is the executable's content hash in hex, if known.
	SHA256 string
}

// Options configure a Classifier. Nil slices get the defaults; an empty
// non-nil slice means none.
type Options struct {
	// Catalog is the built-in catalog in the format documented on
	// assets.Catalog. Nil means assets.Catalog.
	Catalog []byte
	// DesktopDirs hold .desktop files. Default: /usr/share/applications,
	// /usr/local/share/applications, /var/lib/flatpak/exports/share/applications.
	DesktopDirs []string
	// MetainfoDirs hold AppStream metainfo files. Default: /usr/share/metainfo,
	// /usr/share/appdata, /usr/local/share/metainfo,
	// /var/lib/flatpak/exports/share/metainfo.
	MetainfoDirs []string
	// Homes lists the home folders whose ~/.local/share/applications,
	// ~/.local/share/flatpak/exports/share/applications and ~/Games to
	// include. Nil: none of the first two, and ~/Games recognised under
	// /home/USER and /var/home/USER only. The child can write these desktop
	// files, so they count only where they say Game: they can make a
	// program stricter to use, never looser. Metainfo files in homes are not
	// read at all, for the same reason (a forged empty rating).
	Homes func() []string
	// Logger receives notes about unreadable files. Default: slog.Default().
	Logger *slog.Logger
}

// Classifier classifies processes. It is safe for concurrent use; Reload
// swaps its index atomically.
type Classifier struct {
	opts    Options
	builtin *builtin
	log     *slog.Logger
	local   atomic.Pointer[localIndex]

	mu      sync.RWMutex
	learned map[string]Info // executable hash -> a game it was seen as
}

// maxLearned bounds the hashes Classify remembers on its own.
const maxLearned = 4096

// New parses the built-in catalog and indexes the installed .desktop and
// metainfo files. A malformed catalog is an error; unreadable or malformed
// desktop and metainfo files are skipped (logged at debug level).
func New(opts Options) (*Classifier, error) {
	if opts.Catalog == nil {
		opts.Catalog = assets.Catalog
	}
	if len(opts.Catalog) == 0 {
		return nil, errors.New("catalog: Options.Catalog is empty")
	}
	b, err := parseCatalog(opts.Catalog)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if opts.DesktopDirs == nil {
		opts.DesktopDirs = []string{"/usr/share/applications", "/usr/local/share/applications", "/var/lib/flatpak/exports/share/applications"}
	}
	if opts.MetainfoDirs == nil {
		opts.MetainfoDirs = []string{"/usr/share/metainfo", "/usr/share/appdata", "/usr/local/share/metainfo", "/var/lib/flatpak/exports/share/metainfo"}
	}
	c := &Classifier{opts: opts, builtin: b, log: opts.Logger, learned: map[string]Info{}}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.Reload()
	return c, nil
}

// Reload re-reads the .desktop and metainfo files (after a package was
// installed, say). Classify keeps answering from the old index meanwhile.
func (c *Classifier) Reload() {
	var desktopDirs []desktopDir
	for _, d := range c.opts.DesktopDirs {
		desktopDirs = append(desktopDirs, desktopDir{path: d, trusted: true})
	}
	var homes []string
	if c.opts.Homes != nil {
		for _, h := range c.opts.Homes() {
			if h == "" {
				continue
			}
			homes = append(homes, h)
			// The child writes these: they may only make a program a game.
			desktopDirs = append(desktopDirs,
				desktopDir{path: filepath.Join(h, ".local/share/applications")},
				desktopDir{path: filepath.Join(h, ".local/share/flatpak/exports/share/applications")})
		}
	}
	idx := buildLocalIndex(desktopDirs, c.opts.MetainfoDirs, c.builtin.isHost, c.log)
	for _, h := range homes {
		idx.gamesDirs = append(idx.gamesDirs, normPath(strings.TrimRight(h, `/\`))+"/games/")
	}
	c.local.Store(idx)
	c.log.Debug("app classifier indexed", "desktop_binaries", len(idx.desktop), "appstream_binaries", len(idx.appstream), "homes", len(homes))
}

// Classify says what the process is. It reads no file.
//
// When p.SHA256 is set, a program once classified as a game stays one under
// any other name or path: Classify remembers the hashes of games it has
// seen (and those given to Remember) and returns the remembered game when
// the program's own classification is less strict (not a game, or a lower
// minimum age). Renaming supertuxkart to gcompris-qt does not make it an
// education app.
func (c *Classifier) Classify(p ProcessFacts) Info {
	info := c.classify(p)
	if p.SHA256 == "" {
		return info
	}
	h := strings.ToLower(p.SHA256)
	c.mu.RLock()
	known, ok := c.learned[h]
	c.mu.RUnlock()
	if ok && (!info.Category.IsGame() || info.MinAge < known.MinAge) {
		return known
	}
	if info.Category.IsGame() && (!ok || known != info) {
		c.remember(h, info, false)
	}
	return info
}

// Remember records that the executable with this SHA-256 is the game info
// describes (for example from the store, where the agent keeps the hashes
// it has seen as games), so that Classify finds it under any name. Infos
// that are not games are ignored: remembering can only make a program
// stricter to use.
func (c *Classifier) Remember(sha256 string, info Info) {
	if sha256 == "" || !info.Category.IsGame() {
		return
	}
	c.remember(strings.ToLower(sha256), info, true)
}

func (c *Classifier) remember(h string, info Info, always bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.learned[h]; !ok && !always && len(c.learned) >= maxLearned {
		return
	}
	c.learned[h] = info
}

func (c *Classifier) classify(p ProcessFacts) Info {
	b, idx := c.builtin, c.local.Load()
	exe := normPath(p.Exe)
	base := baseName(exe)
	if base == "" {
		base = strings.ToLower(p.Name)
	}
	host := b.isHost(base)

	// 1. The built-in catalog.
	if e := b.lookup(p, exe, base, host); e != nil {
		info := Info{Name: e.Name, Category: e.Category, MinAge: e.MinAge, Source: SourceCatalog, ID: e.ID, Always: e.Always}
		if info.MinAge < 0 {
			if a, ok := idx.appstreamFor(base, p.Cmdline, host); ok {
				info.MinAge = a.minAge
			}
		}
		return info
	}

	// 2 and 3. Installed .desktop files and AppStream metainfo. A desktop
	// file that says only "some application" does not stop steps 4 and 5.
	var fallback *Info
	if d, ok := idx.desktopFor(base, p.Cmdline, host); ok {
		info := Info{Name: d.name, Category: d.category, MinAge: -1, Source: SourceDesktop}
		if a, ok := idx.appstreamFor(base, p.Cmdline, host); ok {
			info.MinAge = a.minAge
			if info.Category == Other && a.category != Other && a.category != Unknown {
				info.Category, info.Source = a.category, SourceAppStream
			}
		}
		if info.Category != Other {
			return info
		}
		fallback = &info
	} else if a, ok := idx.appstreamFor(base, p.Cmdline, host); ok {
		info := Info{Name: a.name, Category: a.category, MinAge: a.minAge, Source: SourceAppStream}
		if info.Category != Other && info.Category != Unknown {
			return info
		}
		fallback = &info
	}

	// 4. Launcher libraries. A host (Wine, Java) names the game in its
	// arguments; its own folder (Proton's, a Lutris runner) says less.
	if host {
		for _, arg := range p.Cmdline {
			if !strings.ContainsAny(arg, `/\`) {
				continue
			}
			orig, norm := argPath(arg)
			if name, ok := launcherDir(orig, norm, idx.gamesDirs); ok {
				return Info{Name: name, Category: Game, MinAge: -1, Source: SourceLauncherDir}
			}
		}
	}
	if name, ok := launcherDir(p.Exe, exe, idx.gamesDirs); ok {
		return Info{Name: name, Category: Game, MinAge: -1, Source: SourceLauncherDir}
	}

	// 5. Android emulators.
	if name, ok := emulator(exe, base); ok {
		return Info{Name: name, Category: Emulator, MinAge: -1, Source: SourceEmulator}
	}

	if fallback != nil {
		return *fallback
	}
	// 6. Unknown.
	name := base
	if p.Exe != "" {
		name = filepath.Base(strings.ReplaceAll(p.Exe, `\`, "/"))
	} else if p.Name != "" {
		name = p.Name
	}
	return Info{Name: name, Category: Unknown, MinAge: -1, Source: SourceUnknown}
}

// normPath lowercases ASCII letters and turns backslashes into slashes.
// It keeps byte offsets, so a match in the result indexes the original.
func normPath(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || ('A' <= c && c <= 'Z') {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case c == '\\':
			b[i] = '/'
		case 'A' <= c && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// argPath returns a path found in a host's arguments and its normalised
// form, dropping the drive Z: by which Wine shows the Unix root.
func argPath(s string) (orig, norm string) {
	norm = normPath(s)
	if strings.HasPrefix(norm, "z:/") {
		return s[2:], norm[2:]
	}
	return s, norm
}

// baseName is the last element of a normalised path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// dirExists reports whether dir is a directory, logging errors other than
// its absence.
func dirExists(dir string, log *slog.Logger) bool {
	st, err := os.Stat(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			log.Debug("app classifier: skipping folder", "dir", dir, "err", err)
		}
		return false
	}
	return st.IsDir()
}
