package console

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"image/color"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/rules"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// Activity shows the last 7 or 30 days as a bar chart (screen with games
// inside), one day's per-app and per-category breakdown, the longest
// sessions and the late-night ones, and exports CSV.
type Activity struct {
	c       *Console
	Child   *widget.Select
	Period  *widget.RadioGroup
	Chart   *widgets.BarChart
	DayInfo *widget.Label
	Apps    *fyne.Container
	Cats    *fyne.Container
	Export  *widget.Button
	Info    *widget.Label
	// Longest lists the period's longest sessions, Late its late-night
	// ones (both one *widget.Label per session, late ones highlighted);
	// LateInfo says how many late-night sessions there were.
	Longest  *fyne.Container
	Late     *fyne.Container
	LateInfo *widget.Label
	// Top are the sessions in Longest, longest first; LateShown those in
	// Late, newest first.
	Top, LateShown []apitype.SessionRow

	// Week is the weekly summary: the last 7 days against the 7 before,
	// the top apps, the days over the limit (activity_week.go).
	Week *widget.Label
	// Classify are the selects that classify an app not yet classified,
	// on the spot, by its row in the day's apps.
	Classify []*ClassifyRow

	// Days is the report on show, oldest first, one row per day.
	Days    []apitype.UsageRow
	policy  *rules.Policy      // the child's rules, for the limit lines and the kinds
	dayApps []apitype.UsageRow // the apps of the day on show
	content fyne.CanvasObject

	// seq counts the loads (a child or a period picked) and daySeq the days
	// picked: a reply to an older one is dropped, so a slow answer about
	// another child never shows under this one's name
	seq, daySeq int
}

func newActivity(c *Console) *Activity {
	a := &Activity{c: c, DayInfo: widget.NewLabel(""), Info: widget.NewLabel(""), Week: widget.NewLabel(""),
		Apps: container.NewVBox(), Cats: container.NewVBox(),
		Longest: container.NewVBox(), Late: container.NewVBox(), LateInfo: widget.NewLabel("")}
	a.Child = widget.NewSelect(nil, func(string) { a.load() })
	a.Period = widget.NewRadioGroup([]string{lang.L("activity.days7"), lang.L("activity.days30")}, func(string) { a.load() })
	a.Period.Horizontal = true
	a.Period.Required = true
	a.Period.Selected = lang.L("activity.days7")
	a.Chart = widgets.NewBarChart(func(i int) { a.onDay(i) })
	a.Chart.HourLabel = func(h int) string {
		if h == 0 {
			return "0"
		}
		return i18n.Duration(time.Duration(h) * time.Hour)
	}
	a.Week.Wrapping = fyne.TextWrapWord
	a.DayInfo.Wrapping = fyne.TextWrapWord
	a.Export = widget.NewButtonWithIcon(lang.L("activity.export"), theme.DownloadIcon(), a.onExport)
	a.DayInfo.TextStyle.Bold = true
	legend := container.NewHBox(
		swatch(widgets.ScreenColor), widget.NewLabel(lang.L("companion.screen")),
		swatch(widgets.GamesColor), widget.NewLabel(lang.L("companion.games")),
		swatch(widgets.WarnColor), widget.NewLabel(lang.L("activity.limitLine")))
	top := container.NewVBox(title(lang.L("activity.title")),
		container.NewHBox(a.Child, a.Period, a.Export), a.Info)
	breakdown := container.NewGridWithColumns(2,
		container.NewPadded(container.NewVBox(heading(lang.L("activity.byApp")), a.Apps)),
		container.NewPadded(container.NewVBox(heading(lang.L("activity.byCategory")), a.Cats)))
	sessions := container.NewGridWithColumns(2,
		container.NewPadded(container.NewVBox(heading(lang.L("activity.longest")), a.Longest)),
		container.NewPadded(container.NewVBox(heading(lang.L("activity.late")), a.LateInfo, a.Late)))
	chartHeight := canvas.NewRectangle(color.Transparent)
	chartHeight.SetMinSize(fyne.NewSize(0, 220))
	a.content = container.NewBorder(top, nil, nil, nil, container.NewVScroll(container.NewVBox(
		widget.NewCard("", "", container.NewVBox(heading(lang.L("activity.weekTitle")), a.Week)),
		container.NewStack(chartHeight, a.Chart), legend,
		widget.NewLabel(lang.L("activity.tapDay")),
		a.DayInfo, breakdown, sessions)))
	return a
}

func swatch(c interface{ RGBA() (r, g, b, a uint32) }) fyne.CanvasObject {
	b := widgets.NewTimeBar("", c)
	b.Set(1, 1, "")
	return container.NewGridWrap(fyne.NewSize(18, 18), container.NewCenter(b))
}

// Refresh reloads the children, then the report.
func (a *Activity) Refresh() {
	var kids []apitype.Child
	a.c.call(func(ctx context.Context) (err error) {
		kids, err = a.c.b.Children(ctx)
		return err
	}, func(err error) {
		if err != nil {
			a.Info.SetText(ErrorText(err))
			return
		}
		// this PC's report: not the children of the family's other PCs
		names := make([]string, 0, len(kids))
		for _, k := range kids {
			if !k.Elsewhere {
				names = append(names, k.Name)
			}
		}
		a.Child.SetOptions(names)
		if a.Child.Selected == "" && len(names) > 0 {
			a.Child.SetSelected(names[0]) // loads
			return
		}
		a.load()
	})
}

func (a *Activity) days() int {
	if a.Period.Selected == lang.L("activity.days30") {
		return 30
	}
	return 7
}

func (a *Activity) load() {
	child := a.Child.Selected
	if child == "" {
		return
	}
	to := a.c.now()
	from := to.AddDate(0, 0, -(a.days() - 1))
	a.seq++
	seq := a.seq
	var u apitype.Usage
	var pol *rules.Policy
	a.c.call(func(ctx context.Context) (err error) {
		if u, err = a.c.b.Usage(ctx, child, from.Format(time.DateOnly), to.Format(time.DateOnly), "day"); err != nil {
			return err
		}
		// the limits drawn over the columns; a chart without them still
		// says what was used
		if spec, err := a.c.b.ChildPolicy(ctx, child); err == nil {
			if p, err := spec.Policy(to); err == nil {
				pol = &p
			}
		}
		return nil
	}, func(err error) {
		if seq != a.seq {
			return // another child or period was picked since
		}
		if err != nil {
			a.Info.SetText(ErrorText(err))
			return
		}
		a.policy = pol
		a.Days = FillDays(u.Rows, from, to)
		var screen, games int64
		days := make([]widgets.Day, len(a.Days))
		for i, r := range a.Days {
			d, _ := time.ParseInLocation(time.DateOnly, r.Key, time.Local)
			days[i] = widgets.Day{Label: i18n.ShortDate(d), ScreenSec: r.ScreenSec, GamesSec: r.GamesSec, LimitSec: a.limitOn(d)}
			screen += r.ScreenSec
			games += r.GamesSec
		}
		n := int64(max(len(a.Days), 1))
		a.Info.SetText(lang.L("activity.average", map[string]any{"Screen": i18n.Seconds(screen / n), "Games": i18n.Seconds(games / n)}))
		start := LastDayWithUse(a.Days)
		a.Chart.Selected = start
		a.Chart.SetDays(days)
		a.onDay(start)
	})
	a.loadWeek(seq, child, to)
	a.loadSessions(seq, child, from.Format(time.DateOnly), to.Format(time.DateOnly))
}

// How many sessions each list shows.
const (
	longestShown = 5
	lateShown    = 10
)

// loadSessions fills the longest and the late-night sessions of the period.
func (a *Activity) loadSessions(seq int, child, from, to string) {
	var ss apitype.Sessions
	a.c.call(func(ctx context.Context) (err error) {
		ss, err = a.c.b.Sessions(ctx, child, from, to)
		return err
	}, func(err error) {
		if seq != a.seq {
			return
		}
		a.Longest.RemoveAll()
		a.Late.RemoveAll()
		a.Top, a.LateShown = nil, nil
		defer a.Longest.Refresh()
		defer a.Late.Refresh()
		if err != nil {
			a.LateInfo.SetText("")
			a.Longest.Add(widget.NewLabel(ErrorText(err)))
			return
		}
		a.Top = LongestSessions(ss.Sessions, longestShown)
		if len(a.Top) == 0 {
			a.Longest.Add(widget.NewLabel(lang.L("activity.noSessions")))
		}
		for _, s := range a.Top {
			a.Longest.Add(sessionLabel(s))
		}
		late := LateSessions(ss.Sessions)
		if len(late) == 0 {
			a.LateInfo.SetText(lang.L("activity.noLate"))
			return
		}
		a.LateInfo.SetText(i18n.Plural("activity.lateCount", len(late), map[string]any{"N": len(late)}))
		a.LateShown = late[:min(len(late), lateShown)]
		for _, s := range a.LateShown {
			a.Late.Add(sessionLabel(s))
		}
		if n := len(late) - len(a.LateShown); n > 0 {
			a.Late.Add(widget.NewLabel(lang.L("activity.moreLate", map[string]any{"N": n})))
		}
	})
}

// LongestSessions returns the n longest sessions (start to end), longest
// first; of two as long, the earlier first.
func LongestSessions(ss []apitype.SessionRow, n int) []apitype.SessionRow {
	out := slices.Clone(ss)
	slices.SortStableFunc(out, func(a, b apitype.SessionRow) int {
		return cmp.Or(cmp.Compare(b.End.Sub(b.Start), a.End.Sub(a.Start)), a.Start.Compare(b.Start))
	})
	return out[:min(len(out), max(n, 0))]
}

// LateSessions returns the late-night sessions, newest first.
func LateSessions(ss []apitype.SessionRow) []apitype.SessionRow {
	var out []apitype.SessionRow
	for _, s := range ss {
		if s.LateNight {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b apitype.SessionRow) int { return b.Start.Compare(a.Start) })
	return out
}

// SessionText is one session for the parent: its day, from–to in local
// time, how long, the games in it, and "late at night" when it was.
func SessionText(s apitype.SessionRow) string {
	d, _ := time.ParseInLocation(time.DateOnly, s.Day, time.Local)
	args := map[string]any{"Date": i18n.Date(d), "From": i18n.Clock(s.Start.Local()), "To": i18n.Clock(s.End.Local()),
		"Length": i18n.Duration(s.End.Sub(s.Start)), "Games": i18n.Seconds(s.GamesSec)}
	text := lang.L("activity.session", args)
	if s.GamesSec >= 60 {
		text = lang.L("activity.sessionGames", args)
	}
	if s.LateNight {
		text += " · " + lang.L("activity.lateTag")
	}
	return text
}

// sessionLabel shows a session; a late-night one stands out.
func sessionLabel(s apitype.SessionRow) *widget.Label {
	l := widget.NewLabel(SessionText(s))
	l.Wrapping = fyne.TextWrapWord
	if s.LateNight {
		l.Importance = widget.WarningImportance
		l.TextStyle.Bold = true
	}
	return l
}

// FillDays gives one row per day from..to (inclusive), zero where the
// report has none, oldest first.
func FillDays(rows []apitype.UsageRow, from, to time.Time) []apitype.UsageRow {
	byDay := map[string]apitype.UsageRow{}
	for _, r := range rows {
		byDay[r.Key] = r
	}
	var out []apitype.UsageRow
	for d := from; !d.After(to) || d.Format(time.DateOnly) == to.Format(time.DateOnly); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		r, ok := byDay[k]
		if !ok {
			r = apitype.UsageRow{Key: k}
		}
		out = append(out, r)
		if k == to.Format(time.DateOnly) {
			break
		}
	}
	return out
}

// onDay shows one day's breakdown per app and per category.
func (a *Activity) onDay(i int) {
	if i < 0 || i >= len(a.Days) {
		return
	}
	day, row := a.Days[i].Key, a.Days[i]
	child := a.Child.Selected
	a.daySeq++
	seq, daySeq := a.seq, a.daySeq
	var apps apitype.Usage
	a.c.call(func(ctx context.Context) (err error) {
		apps, err = a.c.b.Usage(ctx, child, day, day, "app")
		return err
	}, func(err error) {
		if seq != a.seq || daySeq != a.daySeq {
			return // another day, child or period was picked since
		}
		if err != nil {
			a.Info.SetText(ErrorText(err))
			return
		}
		d, _ := time.ParseInLocation(time.DateOnly, day, time.Local)
		if row.ScreenSec == 0 && row.GamesSec == 0 {
			a.DayInfo.SetText(lang.L("activity.dayUnused", map[string]any{"Date": i18n.Date(d)}))
		} else {
			a.DayInfo.SetText(lang.L("activity.day", map[string]any{"Date": i18n.Date(d),
				"Screen": i18n.Seconds(row.ScreenSec), "Games": i18n.Seconds(row.GamesSec)}))
		}
		a.dayApps = apps.Rows
		a.fillApps(child, apps.Rows)
		a.showCategories()
	})
}

func fillRows(box *fyne.Container, rows []apitype.UsageRow, name func(string) string) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ScreenSec > rows[j].ScreenSec })
	box.RemoveAll()
	if len(rows) == 0 {
		box.Add(widget.NewLabel(lang.L("activity.nothing")))
	}
	var top int64 = 1
	for _, r := range rows {
		top = max(top, r.ScreenSec)
	}
	for _, r := range rows {
		bar := widgets.NewTimeBar(name(r.Key), widgets.ScreenColor)
		if r.GamesSec > 0 {
			bar.Color = widgets.GamesColor
		}
		bar.Set(r.ScreenSec, top, i18n.Seconds(r.ScreenSec))
		box.Add(bar)
	}
	box.Refresh()
}

// CategoryName translates a category of the rules package.
func CategoryName(c string) string {
	switch c {
	case "game":
		return lang.L("category.game")
	case "education":
		return lang.L("category.education")
	case "other":
		return lang.L("category.other")
	case "browser", "launcher", "emulator": // the agent's catalog's own
		return lang.L("category." + c)
	}
	return lang.L("category.unknown")
}

// CSV writes the report on show: day, screen minutes, game minutes.
func CSV(rows []apitype.UsageRow) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"day", "screen_minutes", "games_minutes"})
	for _, r := range rows {
		_ = w.Write([]string{r.Key, strconv.FormatInt(r.ScreenSec/60, 10), strconv.FormatInt(r.GamesSec/60, 10)})
	}
	w.Flush()
	return b.Bytes()
}

func (a *Activity) onExport() {
	if len(a.Days) == 0 {
		return
	}
	saveFile(a.c.w, "kidtime-"+a.Child.Selected+"-"+a.Days[len(a.Days)-1].Key+".csv", CSV(a.Days))
}

// ownPrograms are kidtime's own programs: the companion counts the time
// the child spends in front of it, but it is no app the child chose.
var ownPrograms = []string{"kidtime-app", "kidtime", "kidtimed"}

// OwnProgram reports whether an app (by name or path) is one of kidtime's.
func OwnProgram(name, path string) bool {
	for _, s := range []string{name, path} {
		base := strings.ToLower(filepath.Base(strings.ReplaceAll(s, `\`, "/")))
		base = strings.TrimSuffix(base, ".exe")
		if s != "" && slices.Contains(ownPrograms, base) {
			return true
		}
	}
	return false
}

// AppName is an app's name for the parent: its name, else its program's
// file name, else "an app without a name".
func AppName(name, path string) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	if path != "" {
		return filepath.Base(strings.ReplaceAll(path, `\`, "/"))
	}
	return lang.L("activity.noName")
}
