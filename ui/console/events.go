package console

import (
	"context"
	"fmt"
	"image/color"
	"sort"
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

// Events lists what happened: warnings, closures, locks, grants, and the
// tamper signals, highlighted.
type Events struct {
	c          *Console
	Shown      []apitype.Event
	TamperOnly *widget.Check
	list       *fyne.Container
	info       *widget.Label
	content    fyne.CanvasObject
	all        []apitype.Event
}

// EventDays is how far back the events screen looks.
const EventDays = 14

func newEvents(c *Console) *Events {
	e := &Events{c: c, list: container.NewVBox(), info: widget.NewLabel("")}
	e.TamperOnly = widget.NewCheck(lang.L("events.tamperOnly"), func(bool) { e.show() })
	e.content = container.NewBorder(container.NewVBox(title(lang.L("events.title")), e.TamperOnly, e.info), nil, nil, nil, container.NewVScroll(e.list))
	return e
}

// Refresh reloads the last two weeks of events.
func (e *Events) Refresh() {
	var evs []apitype.Event
	e.c.call(func(ctx context.Context) (err error) {
		evs, err = e.c.b.Events(ctx, e.c.now().AddDate(0, 0, -EventDays), "")
		return err
	}, func(err error) {
		if err != nil {
			e.info.SetText(ErrorText(err))
			return
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].At.After(evs[j].At) })
		e.all = evs
		e.show()
	})
}

func (e *Events) show() {
	e.list.RemoveAll()
	e.Shown = nil
	tampers := 0
	for _, ev := range e.all {
		if ev.Tamper {
			tampers++
		}
		if e.TamperOnly.Checked && !ev.Tamper {
			continue
		}
		e.Shown = append(e.Shown, ev)
		e.list.Add(e.row(ev))
	}
	switch {
	case len(e.all) == 0:
		e.info.SetText(lang.L("events.none"))
	case tampers > 0:
		e.info.SetText(i18n.Plural("events.tamperCount", tampers, map[string]any{"N": tampers}))
	default:
		e.info.SetText("")
	}
	e.list.Refresh()
}

func (e *Events) row(ev apitype.Event) fyne.CanvasObject {
	when := widget.NewLabel(i18n.When(ev.At, e.c.now()))
	text := EventSentence(ev)
	label := widget.NewLabel(text)
	label.Wrapping = fyne.TextWrapWord
	if !ev.Tamper {
		return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(150, 36), when), nil, label)
	}
	label.TextStyle.Bold = true
	bg := canvas.NewRectangle(withAlpha(widgets.TamperColor, 0x30))
	bg.CornerRadius = 6
	icon := widget.NewIcon(theme.WarningIcon())
	return container.NewStack(bg, container.NewBorder(nil, nil,
		container.NewHBox(icon, container.NewGridWrap(fyne.NewSize(120, 36), when)), nil, label))
}

// EventSentence says an event in words: a known kind translated, otherwise
// its kind and details as they came.
func EventSentence(ev apitype.Event) string {
	data := map[string]any{"Child": ev.Child}
	for k, v := range ev.Detail {
		data[strings.ToUpper(k[:1])+k[1:]] = v
	}
	for _, k := range []string{"seconds", "addSec"} { // grants: "seconds" from the agent
		switch sec := ev.Detail[k].(type) {
		case float64:
			data["Amount"] = i18n.Seconds(int64(sec))
		case int64:
			data["Amount"] = i18n.Seconds(sec)
		}
	}
	key := "event." + ev.Kind
	s := lang.X(key, "", data)
	if s == "" || s == key {
		parts := []string{ev.Kind}
		if ev.Child != "" {
			parts = append(parts, ev.Child)
		}
		keys := make([]string, 0, len(ev.Detail))
		for k := range ev.Detail {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s=%v", k, ev.Detail[k]))
		}
		return strings.Join(parts, " · ")
	}
	return s
}

// EventKinds are the kinds the console has sentences for; the translation
// test checks each has "event.KIND" in both languages.
var EventKinds = []string{
	"agent_start", "agent_stop", "agent_restart", "answer", "app_allowed", "app_closed", "app_denied", "app_request", "close_failed", "clock_jump", "code_reset",
	"code_failed", "companion_missing", "child_added", "child_removed", "child_erased", "erase", "games_paused",
	"games_resumed", "grant", "heartbeat_gap", "hub_joined", "hub_left", "lock", "lock_now", "lock_failed", "lock_requested", "login", "logout", "new_account",
	"pin_changed", "pin_failed", "pin_in_child_session", "policy_changed", "policy_imported", "policy_rejected",
	"policy_refused", "policy_signed", "request", "restore", "settings_changed", "setup", "warning",
	"web_unavailable", "web_closed", "web_list_imported",
}

var _ = time.Second

func withAlpha(c color.NRGBA, a uint8) color.NRGBA {
	c.A = a
	return c
}
