package console

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/agent/apitype"
	"github.com/kidtime/kidtime/ui/i18n"
)

// Requests lists the children's asks for more time, answered with one tap.
type Requests struct {
	c       *Console
	Rows    []*RequestRow
	list    *fyne.Container
	info    *widget.Label
	content fyne.CanvasObject
	ctx     map[string]RequestContext
}

// RequestRow is one pending ask with its answer buttons: Min15, Min30 and
// Hour for time, Allow for a new program (approvals.go); Deny for both.
type RequestRow struct {
	Request                  apitype.Request
	Min15, Min30, Hour, Deny *widget.Button
	Allow                    *widget.Button
	// Context is the child's day beside the ask: time used today, the
	// limit, what they are doing.
	Context *widget.Label
}

func newRequests(c *Console) *Requests {
	r := &Requests{c: c, list: container.NewVBox(), info: widget.NewLabel("")}
	r.content = container.NewBorder(container.NewVBox(title(lang.L("requests.title")), r.info), nil, nil, nil, container.NewVScroll(r.list))
	return r
}

// Refresh reloads the requests (pending first, then today's answered ones).
//
// Each pending ask shows its context, as the agent has it now: the
// child's time used today against the limit, and what they are doing (the
// app in front, else today's most used app).
func (r *Requests) Refresh() {
	var all []apitype.Request
	contexts := map[string]RequestContext{}
	r.c.call(func(ctx context.Context) (err error) {
		if all, err = r.c.b.Requests(ctx, ""); err != nil {
			return err
		}
		r.contexts(ctx, all, contexts)
		return nil
	}, func(err error) {
		if err != nil {
			r.info.SetText(ErrorText(err))
			return
		}
		r.ctx = contexts
		r.show(all)
	})
}

// RequestContext is what a parent needs beside an ask: the child's day.
type RequestContext struct {
	Status apitype.ChildStatus
	// Doing is the app in front (the companion says it; Now is set), else
	// the app the child used most today ("" when none).
	Doing string
	Now   bool
}

// Text says the context in the parent's words.
func (rc RequestContext) Text(kind string) string {
	cs := rc.Status
	used, limit := cs.ScreenUsedSec, cs.ScreenLimitSec
	key := "requests.contextScreen"
	if kind == apitype.KindGames {
		used, limit, key = cs.GamesUsedSec, cs.GamesLimitSec, "requests.contextGames"
	}
	data := map[string]any{"Used": i18n.Seconds(used), "Limit": i18n.Seconds(limit)}
	s := lang.L(key, data)
	if limit < 0 {
		s = lang.L(key+"NoLimit", data)
	}
	switch {
	case rc.Doing != "" && rc.Now:
		s += " · " + lang.L("requests.doing", map[string]any{"App": rc.Doing})
	case rc.Doing != "":
		s += " · " + lang.L("requests.mostUsed", map[string]any{"App": rc.Doing})
	}
	return s
}

// contexts fills the context of the children with a pending time ask;
// a context that cannot be read is left out (the ask still shows).
func (r *Requests) contexts(ctx context.Context, all []apitype.Request, out map[string]RequestContext) {
	want := map[string]bool{}
	for _, q := range all {
		if q.Status == apitype.StatusPending && q.App == nil {
			want[q.Child] = true
		}
	}
	if len(want) == 0 {
		return
	}
	st, err := r.c.b.Status(ctx)
	if err != nil {
		return
	}
	today := st.Day
	if today == "" {
		today = r.c.now().Format(time.DateOnly)
	}
	for _, cs := range st.Children {
		if !want[cs.Name] {
			continue
		}
		rc := RequestContext{Status: cs, Doing: cs.Foreground, Now: cs.Foreground != ""}
		if OwnProgram(rc.Doing, "") {
			rc.Doing, rc.Now = "", false
		}
		if rc.Doing == "" {
			if u, err := r.c.b.Usage(ctx, cs.Name, today, today, "app"); err == nil {
				best := int64(0)
				for _, row := range u.Rows {
					if row.ScreenSec > best && !OwnProgram(row.Key, row.Path) {
						best, rc.Doing = row.ScreenSec, AppName(row.Key, row.Path)
					}
				}
			}
		}
		out[cs.Name] = rc
	}
}

func (r *Requests) show(all []apitype.Request) {
	r.list.RemoveAll()
	r.Rows = nil
	pending := 0
	for _, q := range all {
		if q.Status == "pending" {
			pending++
			if q.App != nil {
				r.list.Add(r.appRow(q))
				continue
			}
			r.list.Add(r.row(q))
		}
	}
	if pending == 0 {
		r.info.SetText(lang.L("requests.none"))
	} else {
		r.info.SetText("")
	}
	answered := widget.NewLabelWithStyle(lang.L("requests.answered"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	shown := false
	for i := len(all) - 1; i >= 0; i-- {
		q := all[i]
		if q.Status == "pending" || r.c.now().Sub(q.Answered) > 7*24*time.Hour {
			continue
		}
		if !shown {
			r.list.Add(answered)
			shown = true
		}
		if q.App != nil {
			r.list.Add(widget.NewLabel(appAnswered(q, r.c.now())))
			continue
		}
		key := "requests.wasDenied"
		if q.Status == "approved" {
			key = "requests.wasApproved"
		}
		amount := q.GrantedSec
		if amount == 0 {
			amount = q.AddSec
		}
		r.list.Add(widget.NewLabel(lang.L(key, map[string]any{
			"Child": q.Child, "Amount": i18n.Seconds(amount), "When": i18n.When(q.Answered, r.c.now())})))
	}
	r.list.Refresh()
}

func (r *Requests) row(q apitype.Request) fyne.CanvasObject {
	row := &RequestRow{Request: q}
	kind := lang.L("companion.screen")
	if q.Kind == apitype.KindGames {
		kind = lang.L("companion.games")
	}
	text := lang.L("requests.asks", map[string]any{"Child": q.Child, "Amount": i18n.Seconds(q.AddSec), "Kind": kind, "When": i18n.When(q.Created, r.c.now())})
	if q.PC != "" {
		// Asked on another PC of the family (issue 13).
		text += " · " + lang.L("requests.onPC", map[string]any{"PC": q.PC})
	}
	reason := q.Reason
	if reason == "" {
		reason = lang.L("requests.noReason")
	}
	row.Min15 = widget.NewButton(i18n.Duration(15*time.Minute), func() { r.onAnswer(q, true, 15*60) })
	row.Min30 = widget.NewButton(i18n.Duration(30*time.Minute), func() { r.onAnswer(q, true, 30*60) })
	row.Hour = widget.NewButton(i18n.Duration(time.Hour), func() { r.onAnswer(q, true, 3600) })
	row.Deny = widget.NewButtonWithIcon(lang.L("requests.deny"), theme.CancelIcon(), func() { r.onAnswer(q, false, 0) })
	for _, b := range []*widget.Button{row.Min15, row.Min30, row.Hour} {
		b.Importance = widget.HighImportance
		b.Icon = theme.ConfirmIcon()
	}
	r.Rows = append(r.Rows, row)
	label := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	label.Wrapping = fyne.TextWrapWord
	why := widget.NewLabel("“" + reason + "”")
	why.Wrapping = fyne.TextWrapWord
	row.Context = widget.NewLabel("")
	row.Context.Wrapping = fyne.TextWrapWord
	row.Context.Importance = widget.MediumImportance
	if rc, ok := r.ctx[q.Child]; ok {
		row.Context.SetText(rc.Text(q.Kind))
	} else {
		row.Context.Hide()
	}
	return widget.NewCard("", "", container.NewVBox(label, row.Context, why,
		container.NewGridWithColumns(4, row.Min15, row.Min30, row.Hour, row.Deny)))
}

func (r *Requests) onAnswer(q apitype.Request, approve bool, sec int64) {
	var kept bool
	r.c.call(func(ctx context.Context) error {
		out, err := r.c.b.Answer(ctx, q.ID, apitype.AnswerRequest{Approve: approve, AddSec: sec})
		kept = err == nil && out.Kept
		return err
	}, func(err error) {
		switch {
		case err != nil:
			r.c.showError(err)
		case kept:
			// Another PC's request, that PC out of reach: the hub keeps
			// the answer until it connects.
			dialog.ShowInformation(lang.L("requests.keptTitle"), lang.L("requests.kept", map[string]any{"PC": q.PC}), r.c.w)
		}
		r.Refresh()
		if r.c.Main != nil {
			r.c.Main.Today.Refresh()
		}
	})
}
