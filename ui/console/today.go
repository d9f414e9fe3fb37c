package console

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/i18n"
	"github.com/kidtime/kidtime/ui/widgets"
)

// Today shows one card per child with the day so far and quick actions.
type Today struct {
	c     *Console
	Cards []*ChildCard
	// AddChild, at the top, and AddFirstChild, on an empty Today, open the
	// steps that add a child.
	AddChild, AddFirstChild *widget.Button
	// Held names the accounts no parent named that the default profile
	// holds (empty when there are none).
	Held *widget.Label
	// Elsewhere are the cards of the children known only on the family's
	// other PCs (a family hub): where they were seen and their day there.
	Elsewhere []*widget.Label
	pending   *widget.Label
	list      *fyne.Container
	content   fyne.CanvasObject
}

// ChildCard is one child's card.
type ChildCard struct {
	Status              apitype.ChildStatus
	State, Reason       *widget.Label
	Screen, Games       *widgets.TimeBar
	Plus15, Plus1h      *widget.Button
	LockNow, PauseGames *widget.Button
	// Missing warns that the child's app has not reported today (it may
	// have been closed), with what to do; empty when it has.
	Missing *widget.Label
	Web     *widget.Label // the web filter and today's blocked lookups (web.go)
	content fyne.CanvasObject
}

func newToday(c *Console) *Today {
	t := &Today{c: c, list: container.NewVBox(), pending: widget.NewLabel(""), Held: widget.NewLabel("")}
	t.Held.Wrapping = fyne.TextWrapWord
	t.pending.Importance = widget.HighImportance
	t.AddChild = widget.NewButtonWithIcon(lang.L("today.addChild"), theme.ContentAddIcon(), c.ShowAddChild)
	t.AddFirstChild = widget.NewButtonWithIcon(lang.L("today.addChild"), theme.ContentAddIcon(), c.ShowAddChild)
	t.AddFirstChild.Importance = widget.HighImportance
	t.content = container.NewBorder(
		container.NewVBox(container.NewBorder(nil, nil, nil, container.NewCenter(t.AddChild), title(lang.L("today.title"))), t.pending), nil, nil, nil,
		container.NewVScroll(t.list))
	return t
}

// Refresh reloads the status.
func (t *Today) Refresh() {
	var st apitype.Status
	t.c.call(func(ctx context.Context) (err error) {
		st, err = t.c.b.Status(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.pending.SetText(ErrorText(err))
			return
		}
		t.show(st)
	})
}

func (t *Today) show(st apitype.Status) {
	t.list.RemoveAll()
	t.Cards, t.Elsewhere = nil, nil
	if st.Pending > 0 {
		t.pending.SetText(i18n.Plural("today.pending", st.Pending, map[string]any{"N": st.Pending}))
	} else {
		t.pending.SetText("")
	}
	var held []string
	for _, cs := range st.Children {
		if cs.DefaultProfile && !cs.Active {
			held = append(held, cs.Name)
			continue
		}
		if cs.Elsewhere {
			// a child of the family's other PCs: their day there, no actions
			t.list.Add(t.elsewhereCard(cs))
			continue
		}
		// An account the default profile holds gets a card while someone
		// is on it: it can be given time or locked like a child's.
		card := t.card(cs)
		t.Cards = append(t.Cards, card)
		t.list.Add(card.content)
	}
	if len(t.Cards) == 0 {
		t.list.Add(widget.NewCard("", "", container.NewVBox(
			wrap(lang.L("today.noChildren")),
			container.NewHBox(t.AddFirstChild))))
	}
	t.Held.SetText("")
	if len(held) > 0 {
		t.Held.SetText(lang.L("today.held", map[string]any{"Names": strings.Join(held, ", ")}))
		t.list.Add(t.Held)
	}
	t.list.Refresh()
}

func (t *Today) card(cs apitype.ChildStatus) *ChildCard {
	k := &ChildCard{Status: cs}
	name := widget.NewLabelWithStyle(i18n.Plural("today.childAge", cs.Age, map[string]any{"Name": cs.Name, "Age": cs.Age}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	dot := canvas.NewCircle(widgets.StateColor(cs.State))
	dot.Resize(fyne.NewSize(14, 14))
	k.State = widget.NewLabel(StateSentence(cs, t.c.now()))
	k.State.TextStyle.Bold = true
	k.State.Wrapping = fyne.TextWrapWord
	k.Reason = widget.NewLabel(ReasonSentence(cs))
	k.Reason.Wrapping = fyne.TextWrapWord
	k.Screen = widgets.NewTimeBar(lang.L("companion.screen"), widgets.ScreenColor)
	k.Screen.Set(cs.ScreenUsedSec, cs.ScreenLimitSec, ScreenCaption(cs))
	k.Games = widgets.NewTimeBar(lang.L("companion.games"), widgets.GamesColor)
	k.Games.Set(cs.GamesUsedSec, cs.GamesLimitSec, GamesCaption(cs))
	k.Plus15 = widget.NewButtonWithIcon(lang.L("today.plus15"), theme.ContentAddIcon(), func() { t.onGrant(cs.Name, 15*60) })
	k.Plus1h = widget.NewButtonWithIcon(lang.L("today.plus1h"), theme.ContentAddIcon(), func() { t.onGrant(cs.Name, 3600) })
	k.LockNow = widget.NewButtonWithIcon(lang.L("today.lock"), widgets.LockIcon(), func() { t.onAction(cs.Name, apitype.ActionLock) })
	if cs.GamesPaused {
		k.PauseGames = widget.NewButtonWithIcon(lang.L("today.resumeGames"), theme.MediaPlayIcon(), func() { t.onAction(cs.Name, apitype.ActionResume) })
	} else {
		k.PauseGames = widget.NewButtonWithIcon(lang.L("today.pauseGames"), theme.MediaPauseIcon(), func() { t.onAction(cs.Name, apitype.ActionPauseGames) })
	}
	k.Missing = widget.NewLabel("")
	k.Missing.Wrapping = fyne.TextWrapWord
	k.Missing.Importance = widget.WarningImportance
	k.Missing.TextStyle.Bold = true
	missing := container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, k.Missing)
	seen := ""
	if CompanionMissing(cs, t.c.now()) {
		// the child's app may have been closed: the parent must see it
		k.Missing.SetText(lang.L("today.companionMissingWarn", map[string]any{"Name": cs.Name}))
	} else {
		seen = lang.L("today.companionSeen", map[string]any{"When": i18n.When(cs.CompanionSeen, t.c.now())})
		missing.Hide()
	}
	if cs.Active {
		seen = strings.TrimSuffix(lang.L("today.atPC")+" · "+seen, " · ")
	}
	extra := widget.NewLabel(seen)
	extra.Importance = widget.LowImportance
	if seen == "" {
		extra.Hide()
	}
	k.Web = widget.NewLabel(WebLine(cs))
	k.Web.Wrapping = fyne.TextWrapWord
	card := widget.NewCard("", "", container.NewVBox(
		container.NewHBox(container.NewCenter(container.NewGridWrap(fyne.NewSize(14, 14), dot)), name),
		k.State, k.Reason, missing, k.Screen, k.Games, k.Web, extra,
		// as many buttons a row as the window has room for, balanced
		widgets.NewButtons(k.Plus15, k.Plus1h, k.LockNow, k.PauseGames),
	))
	k.content = card
	return k
}

// elsewhereCard is a child of the family's other PCs: where they were seen
// today, their time there and their apps. Their rules and time are set on
// those PCs, so the card has no buttons.
func (t *Today) elsewhereCard(cs apitype.ChildStatus) fyne.CanvasObject {
	name := widget.NewLabelWithStyle(i18n.Plural("today.childAge", cs.Age, map[string]any{"Name": cs.Name, "Age": cs.Age}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	where := widget.NewLabel(lang.L("today.elsewhere", map[string]any{"PCs": strings.Join(cs.PCs, ", ")}))
	where.Wrapping = fyne.TextWrapWord
	where.Importance = widget.LowImportance
	t.Elsewhere = append(t.Elsewhere, where)
	used := widget.NewLabel(lang.L("today.elsewhereUsed", map[string]any{"Screen": i18n.Seconds(cs.ScreenUsedSec), "Games": i18n.Seconds(cs.GamesUsedSec)}))
	used.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(container.NewHBox(widget.NewIcon(theme.ComputerIcon()), name), where, used)
	if len(cs.PerApp) > 0 {
		var apps []string
		for i, x := range cs.PerApp {
			if i == 5 {
				break
			}
			apps = append(apps, x.Name+" "+i18n.Seconds(x.Sec))
		}
		l := widget.NewLabel(lang.L("today.elsewhereApps", map[string]any{"Apps": strings.Join(apps, ", ")}))
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	return widget.NewCard("", "", box)
}

// CompanionMissing reports whether the child's app has sent nothing
// today: no heartbeat since midnight.
func CompanionMissing(cs apitype.ChildStatus, now time.Time) bool {
	y, m, d := now.Local().Date()
	return cs.CompanionSeen.Before(time.Date(y, m, d, 0, 0, 0, 0, time.Local))
}

// GamesCaption says where games stand, and why: "used up" only when the
// game time itself was used up; when games stop because screen time ran
// out, or outside the allowed hours, it says so.
func GamesCaption(cs apitype.ChildStatus) string {
	used := map[string]any{"Used": i18n.Seconds(cs.GamesUsedSec)}
	switch {
	case cs.GamesPaused: // the agent then gives games no time left at all
		return lang.L("today.gamesPaused", used)
	case cs.GamesLeftSec == 0 && (cs.GamesLimitSec < 0 || cs.GamesUsedSec < cs.GamesLimitSec):
		// not the game time: something else ended the day
		if cs.ScreenLimitSec > 0 && cs.ScreenLeftSec == 0 && cs.ScreenUsedSec >= cs.ScreenLimitSec {
			return lang.L("today.gamesScreenOver", used)
		}
		if cs.GamesLimitSec != 0 {
			return notNow(cs, "today.games", used)
		}
	}
	return leftCaption(cs.GamesUsedSec, cs.GamesLimitSec, cs.GamesLeftSec)
}

// ScreenCaption is leftCaption for screen time, except that no time now
// with time still in the day's budget says why (the allowed hours, a
// parent's lock) instead of "used up".
func ScreenCaption(cs apitype.ChildStatus) string {
	if cs.ScreenLeftSec == 0 && cs.ScreenLimitSec > 0 && cs.ScreenUsedSec < cs.ScreenLimitSec {
		return notNow(cs, "today.screen", map[string]any{"Used": i18n.Seconds(cs.ScreenUsedSec), "Limit": i18n.Seconds(cs.ScreenLimitSec)})
	}
	return leftCaption(cs.ScreenUsedSec, cs.ScreenLimitSec, cs.ScreenLeftSec)
}

// notNow is the caption of a budget with time left in it that cannot be
// used now: outside the allowed hours, or locked by a parent.
func notNow(cs apitype.ChildStatus, prefix string, data map[string]any) string {
	switch cs.Reason {
	case "hours.outside", "hours.end":
		return lang.L(prefix+"Hours", data)
	case "parent.lock":
		return lang.L(prefix+"Locked", data)
	}
	return lang.L(prefix+"NotNow", data)
}

// leftCaption is "45 min left of 2 h", "no time today" or, when a value is
// -1, "no limit".
func leftCaption(used, limit, left int64) string {
	if limit < 0 || left < 0 {
		if left >= 0 { // a limit on something else (a game's own cap) applies
			return lang.L("today.leftNoLimit", map[string]any{"Left": i18n.Seconds(left)})
		}
		return lang.L("today.noLimit", map[string]any{"Used": i18n.Seconds(used)})
	}
	if limit == 0 && used == 0 {
		return lang.L("today.none")
	}
	if left <= 0 {
		return lang.L("today.spent", map[string]any{"Limit": i18n.Seconds(limit)})
	}
	return lang.L("today.leftOf", map[string]any{"Left": i18n.Seconds(left), "Limit": i18n.Seconds(limit)})
}

func (t *Today) onGrant(child string, sec int64) {
	t.c.call(func(ctx context.Context) error {
		return t.c.b.Grant(ctx, apitype.GrantRequest{Child: child, Kind: apitype.KindScreen, AddSec: sec})
	}, func(err error) {
		if err != nil {
			t.c.showError(err)
			return
		}
		t.Refresh()
	})
}

func (t *Today) onAction(child, action string) {
	t.c.call(func(ctx context.Context) error {
		return t.c.b.Action(ctx, apitype.ActionRequest{Child: child, Action: action})
	}, func(err error) {
		if err != nil {
			t.c.showError(err)
			return
		}
		t.Refresh()
	})
}

// StateSentence says, for the parent, where a child's day stands: time left,
// time nearly over, or no time now and when it comes back. (The companion
// has its own sentences, spoken to the child.)
func StateSentence(cs apitype.ChildStatus, now time.Time) string {
	name := map[string]any{"Name": cs.Name}
	with := func(k string, v any) map[string]any { return map[string]any{"Name": cs.Name, k: v} }
	switch cs.State {
	case apitype.StateWarn:
		left, games := soonest(cs)
		if !games && (cs.ScreenLeftSec < 0 || strings.HasPrefix(cs.Reason, "app.")) {
			// an app's own limit, or no budget at all: the bars do not say
			return lang.L("today.state.warnSoon", name)
		}
		if games {
			return lang.L("today.state.warnGames", with("Left", i18n.Seconds(left)))
		}
		return lang.L("today.state.warn", with("Left", i18n.Seconds(left)))
	case apitype.StateGrace:
		return lang.L("today.state.grace", name)
	case apitype.StateBlocked:
		if cs.Active && !cs.LogoutAt.IsZero() {
			// The lock did not take (or only the companion was asked): say
			// what really happens next.
			return lang.L("today.state.stillThere", with("When", cs.LogoutAt.Local().Format("15:04:05")))
		}
		if !cs.BackAt.IsZero() {
			return lang.L("today.state.blockedUntil", with("When", i18n.When(cs.BackAt, now)))
		}
		return lang.L("today.state.blocked", name)
	}
	if cs.ScreenLeftSec < 0 {
		return lang.L("today.state.unlimited", name)
	}
	return lang.L("today.state.ok", with("Left", i18n.Seconds(cs.ScreenLeftSec)))
}

// soonest is the time left on whichever budget ends first, and whether it
// is the games': games count when they have a budget and were played today,
// or when the reason is about games (a game's own cap with unlimited daily
// games). A -1 (no limit) never counts.
func soonest(cs apitype.ChildStatus) (left int64, games bool) {
	left = cs.ScreenLeftSec
	gamesCount := cs.GamesLeftSec >= 0 && (cs.GamesLimitSec > 0 && cs.GamesUsedSec > 0 || strings.HasPrefix(cs.Reason, "games."))
	if gamesCount && (left < 0 || cs.GamesLeftSec < left) {
		return cs.GamesLeftSec, true
	}
	return max(left, 0), false
}

// ReasonSentence is the rule in force, in words for the parent.
func ReasonSentence(cs apitype.ChildStatus) string {
	name := map[string]any{"Name": cs.Name}
	switch cs.Reason {
	case "", "none":
		if cs.State == apitype.StateOK {
			return lang.L("today.reason.none")
		}
	case "screen.budget":
		return lang.L("today.reason.screen.budget")
	case "screen.spent":
		return lang.L("today.reason.screen.spent")
	case "screen.none":
		return lang.L("today.reason.screen.none")
	case "hours.end":
		return lang.L("today.reason.hours.end")
	case "hours.outside":
		return lang.L("today.reason.hours.outside")
	case "games.budget":
		return lang.L("today.reason.games.budget")
	case "games.spent":
		return lang.L("today.reason.games.spent")
	case "games.none":
		return lang.L("today.reason.games.none")
	case "games.per-game":
		return lang.L("today.reason.games.per-game")
	case "games.per-game-spent":
		return lang.L("today.reason.games.per-game-spent")
	case "app.limit":
		return lang.L("today.reason.app.limit")
	case "app.limit-spent":
		return lang.L("today.reason.app.limit-spent")
	case "app.blocked":
		return lang.L("today.reason.app.blocked", name)
	case "app.rating":
		return lang.L("today.reason.app.rating", name)
	case "app.always":
		return lang.L("today.reason.app.always")
	case "parent.lock":
		return lang.L("today.reason.parent.lock")
	}
	switch cs.State {
	case apitype.StateBlocked:
		return lang.L("today.reason.blocked")
	case apitype.StateWarn, apitype.StateGrace:
		return lang.L("today.reason.ending")
	}
	return lang.L("today.reason.ok")
}
