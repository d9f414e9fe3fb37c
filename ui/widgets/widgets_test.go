package widgets_test

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kidtime/kidtime/ui/widgets"
)

// A table's columns are as wide as their own widest cell, not all as wide
// as the widest cell of all (a grid's way, which made the rules 1,153 px
// wide); the stretch column takes what is left.
func TestTableColumnsTakeTheirOwnWidth(t *testing.T) {
	test.NewTempApp(t)
	wide, narrow := widget.NewLabel("a rather long heading here"), widget.NewLabel("x")
	a, b := widget.NewLabel("y"), widget.NewLabel("z")
	table := widgets.NewTable(2, 1, wide, narrow, a, b)
	min := table.MinSize()
	if want := wide.MinSize().Width + narrow.MinSize().Width; min.Width > want+10 {
		t.Errorf("table min width %.0f, want about %.0f", min.Width, want)
	}
	table.Resize(fyne.NewSize(min.Width+100, min.Height))
	if got := b.Size().Width; got < narrow.MinSize().Width+99 {
		t.Errorf("the stretch column got %.0f px", got)
	}
	if b.Position().X < wide.MinSize().Width {
		t.Errorf("the second column starts at %.0f, inside the first (%.0f)", b.Position().X, wide.MinSize().Width)
	}
}

// The timeline's "0" and "24" stand whole inside the widget.
func TestTimelineTicksStayInside(t *testing.T) {
	test.NewTempApp(t)
	tl := widgets.NewTimeline([]widgets.Span{{Start: 6 * 60, End: 20*60 + 30}})
	w := test.NewWindow(tl)
	t.Cleanup(w.Close)
	tl.Resize(fyne.NewSize(300, tl.MinSize().Height))
	var texts []*canvas.Text
	for _, o := range test.WidgetRenderer(tl).Objects() {
		if tx, ok := o.(*canvas.Text); ok {
			texts = append(texts, tx)
		}
	}
	if len(texts) != 5 || texts[4].Text != "24" {
		t.Fatalf("ticks: %d", len(texts))
	}
	for _, tx := range texts {
		if x := tx.Position().X; x < 0 || x+tx.MinSize().Width > tl.Size().Width+0.5 {
			t.Errorf("tick %q at %.1f..%.1f, outside 0..%.0f", tx.Text, x, x+tx.MinSize().Width, tl.Size().Width)
		}
	}
}

func TestChartScale(t *testing.T) {
	for _, tc := range []struct {
		days []widgets.Day
		top  int
	}{
		{nil, 1},
		{[]widgets.Day{{ScreenSec: 90 * 60}}, 2},
		{[]widgets.Day{{ScreenSec: 30 * 60, LimitSec: 3 * 3600}}, 3}, // the limit line shows
		{[]widgets.Day{{ScreenSec: 30 * 60, LimitSec: -1}}, 1},       // no limit
	} {
		if got := widgets.Top(tc.days); got != tc.top {
			t.Errorf("Top(%+v) = %d, want %d", tc.days, got, tc.top)
		}
	}
	test.NewTempApp(t)
	c := widgets.NewBarChart(nil)
	c.HourLabel = func(h int) string { return map[int]string{0: "0", 1: "1 h", 2: "2 h", 3: "3 h"}[h] }
	c.SetDays([]widgets.Day{{Label: "1/12", ScreenSec: 9000, GamesSec: 3000, LimitSec: 7200}})
	w := test.NewWindow(c)
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(400, 220))
	var scale []string
	lines := 0
	for _, o := range test.WidgetRenderer(c).Objects() {
		switch v := o.(type) {
		case *canvas.Text:
			scale = append(scale, v.Text)
		case *canvas.Line:
			if v.Visible() && v.StrokeColor == widgets.WarnColor {
				lines++
			}
		}
	}
	for _, want := range []string{"0", "1 h", "2 h", "3 h"} {
		found := false
		for _, s := range scale {
			found = found || s == want
		}
		if !found {
			t.Errorf("the scale has no %q: %q", want, scale)
		}
	}
	if lines != 1 {
		t.Errorf("%d limit lines, want 1", lines)
	}
}

func TestButtonsBalanceTheirRows(t *testing.T) {
	for _, tc := range []struct {
		n        int
		width    float32
		want     int
		sentence string
	}{
		{4, 1000, 4, "room for four: one row"},
		{4, 700, 2, "room for three: two rows of two, not three and one"},
		{4, 410, 2, "room for two: two rows of two"},
		{4, 150, 1, "room for one: one a row"},
		{3, 700, 3, "three fit"},
	} {
		if got := widgets.Columns(tc.n, 200, tc.width, 4); got != tc.want {
			t.Errorf("%s: %d columns, want %d", tc.sentence, got, tc.want)
		}
	}
}
