package console

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/assets"
	"github.com/kidtime/kidtime/rules"
)

// Rules for apps before the child ever runs them: the parent searches the
// catalog of known games and apps (assets/catalog.json, the one the agent
// classifies with) and blocks, limits or allows one in advance. A rule
// names the app by each of its programs' file names, which the agent
// matches whatever folder they are in. An Android game (Liên Quân Mobile,
// Free Fire) runs inside an Android emulator, where the agent sees only
// the emulator: its rule also names the emulators' programs, and the row
// says so.

// KnownApp is an app of the catalog, or one installed on the computer
// (Installed; its ID is "installed:" and its name).
type KnownApp struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Category  string   `json:"category"`
	MinAge    int      `json:"minAge"`
	Exe       []string `json:"exe"`
	Android   []string `json:"android"`
	Installed bool     `json:"-"`
}

// installedApps are the agent's installed apps that the catalog does not
// already know by one of their programs.
func installedApps(in []apitype.InstalledApp) []*KnownApp {
	known := map[string]bool{}
	for _, k := range knownApps() {
		for _, e := range k.Exe {
			known[strings.ToLower(e)] = true
		}
	}
	var out []*KnownApp
	for _, a := range in {
		if len(a.Programs) == 0 || slices.ContainsFunc(a.Programs, func(p string) bool { return known[strings.ToLower(p)] }) {
			continue
		}
		out = append(out, &KnownApp{ID: "installed:" + a.Name, Name: a.Name, Category: a.Category, Exe: a.Programs, Installed: true})
	}
	return out
}

// ThroughEmulators reports whether the app runs only in an Android
// emulator on a PC (it has no program of its own).
func (k *KnownApp) ThroughEmulators() bool { return len(k.Exe) == 0 && len(k.Android) > 0 }

// programs are the file names a rule on the app names: its own, its
// Android packages (as Waydroid shows them), and for an Android-only app
// the emulators'.
func (k *KnownApp) programs() []string {
	out := append(append([]string(nil), k.Exe...), k.Android...)
	if k.ThroughEmulators() {
		for _, e := range knownApps() {
			if e.Category == "emulator" {
				out = append(out, e.Exe...)
			}
		}
	}
	return out
}

func (k *KnownApp) apps() []rules.App {
	var out []rules.App
	for _, p := range k.programs() {
		out = append(out, rules.App{Name: p})
	}
	return out
}

func (k *KnownApp) matches() []rules.Match {
	var out []rules.Match
	for _, p := range k.programs() {
		out = append(out, rules.Match{Name: p})
	}
	return out
}

var knownApps = sync.OnceValue(func() []*KnownApp {
	var f struct {
		Apps []*KnownApp `json:"apps"`
	}
	if err := json.Unmarshal(assets.Catalog, &f); err != nil {
		slog.Error("console: read the app catalog", "err", err)
		return nil
	}
	return f.Apps
})

// searchShown is how many apps a search shows.
const searchShown = 8

// gameRank orders kinds of apps: games first (the apps parents search
// for), then launchers and emulators, then the rest.
func gameRank(category string) int {
	switch category {
	case "game":
		return 0
	case "launcher", "emulator":
		return 1
	}
	return 2
}

// SearchKnownApps finds the catalog's apps whose name, id or program
// names hold the words of q, with or without Vietnamese marks ("lien
// quan" finds "Liên Quân Mobile"), games first.
func SearchKnownApps(q string) []*KnownApp { return searchApps(q, knownApps()) }

// searchApps searches a list of apps: games first, then installed ones.
func searchApps(q string, apps []*KnownApp) []*KnownApp {
	words := strings.Fields(fold(q))
	if len(words) == 0 {
		return nil
	}
	var out []*KnownApp
	for _, k := range apps {
		hay := fold(k.Name + " " + k.ID + " " + strings.Join(k.Exe, " ") + " " + strings.Join(k.Android, " "))
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if ok {
			out = append(out, k)
		}
	}
	slices.SortStableFunc(out, func(a, b *KnownApp) int {
		if d := gameRank(a.Category) - gameRank(b.Category); d != 0 {
			return d
		}
		switch {
		case a.Installed && !b.Installed:
			return -1
		case b.Installed && !a.Installed:
			return 1
		}
		return 0
	})
	return out
}

// fold is s in lower case without Vietnamese marks.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if base, ok := unmarked[r]; ok {
			r = base
		}
		b.WriteRune(r)
	}
	return b.String()
}

var unmarked = func() map[rune]rune {
	m := map[rune]rune{'đ': 'd'}
	for base, marked := range map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ", 'e': "èéẻẽẹêềếểễệ", 'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ", 'u': "ùúủũụưừứửữự", 'y': "ỳýỷỹỵ",
	} {
		for _, r := range marked {
			m[r] = base
		}
	}
	return m
}()

// onSearch shows the known apps that match the search, each with its rule.
func (r *RulesEditor) onSearch(q string) {
	// rows the parent changed stay, so a new search loses no choice
	var keep []*AppRow
	for _, row := range r.Found {
		if row.changed() {
			keep = append(keep, row)
		}
	}
	r.Found = keep
	r.foundBx.RemoveAll()
	for _, row := range keep {
		r.foundBx.Add(row.object(knownInfo(row.Known)))
	}
	found := searchApps(q, append(slices.Clone(r.installed), knownApps()...))
	for _, k := range found {
		if len(r.Found) >= searchShown+len(keep) {
			break
		}
		if slices.ContainsFunc(keep, func(row *AppRow) bool { return row.Known == k }) {
			continue
		}
		row := newAppRow(r.policy, apitype.AppUsage{}, k)
		r.Found = append(r.Found, row)
		r.foundBx.Add(row.object(knownInfo(k)))
	}
	if strings.TrimSpace(q) != "" && len(found) == 0 {
		r.foundBx.Add(widget.NewLabel(lang.L("rules.searchNone", map[string]any{"Query": strings.TrimSpace(q)})))
	}
	r.foundBx.Refresh()
	if r.appsScroll != nil {
		r.appsScroll.Refresh() // the section grew or shrank
	}
}

// knownInfo says what a known app is: its name, kind, age, and where an
// Android game runs.
func knownInfo(k *KnownApp) string {
	s := k.Name + " · " + CategoryName(k.Category)
	if k.MinAge > 0 {
		s += " · " + lang.L("rules.minAge", map[string]any{"Age": k.MinAge})
	}
	if k.Installed {
		s += " · " + lang.L("rules.installed")
	}
	if k.ThroughEmulators() {
		s += " · " + lang.L("rules.throughEmulators")
	}
	return s
}
