package widgets

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Day is one column of a chart: screen seconds, of which game seconds,
// and the day's screen time limit (a line across the column; -1 or
// beyond the chart's top for none).
type Day struct {
	Label     string
	ScreenSec int64
	GamesSec  int64
	LimitSec  int64
}

// BarChart draws screen time per day with the game part inside it, so games
// read as the part of screen time they are, over an hours scale, with each
// day's limit as a line across its column. Tapping a column selects the day.
type BarChart struct {
	widget.BaseWidget

	Days     []Day
	Selected int // -1 for none
	OnTapped func(i int)
	// HourLabel writes the scale's hours ("2 h", "2 giờ"); nil writes "2".
	HourLabel func(h int) string
}

// NewBarChart makes a chart; SetDays fills it.
func NewBarChart(onTapped func(i int)) *BarChart {
	c := &BarChart{Selected: -1, OnTapped: onTapped}
	c.ExtendBaseWidget(c)
	return c
}

// SetDays replaces the data.
func (c *BarChart) SetDays(days []Day) {
	c.Days = days
	if c.Selected >= len(days) {
		c.Selected = -1
	}
	c.Refresh()
}

// Tapped selects the column under the pointer.
func (c *BarChart) Tapped(e *fyne.PointEvent) {
	if len(c.Days) == 0 {
		return
	}
	axis := c.axisWidth()
	i := int((e.Position.X - axis) / ((c.Size().Width - axis) / float32(len(c.Days))))
	if e.Position.X < axis {
		return
	}
	if i < 0 || i >= len(c.Days) {
		return
	}
	c.Selected = i
	c.Refresh()
	if c.OnTapped != nil {
		c.OnTapped(i)
	}
}

// axisWidth is the room the hours scale takes on the left.
func (c *BarChart) axisWidth() float32 {
	return newText(c.hourLabel(24), theme.CaptionTextSize(), false).MinSize().Width + theme.Padding()*2
}

func (c *BarChart) hourLabel(h int) string {
	if c.HourLabel != nil {
		return c.HourLabel(h)
	}
	return fmt.Sprint(h)
}

// Top is the chart's scale in whole hours: at least one, and above every
// column and every limit shown.
func Top(days []Day) int {
	var top int64 = 3600
	for _, d := range days {
		top = max(top, d.ScreenSec, d.GamesSec)
		if d.LimitSec > 0 && d.LimitSec <= 24*3600 {
			top = max(top, d.LimitSec)
		}
	}
	return int((top + 3599) / 3600)
}

// CreateRenderer implements fyne.Widget.
func (c *BarChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{chart: c, base: canvas.NewLine(TrackColor)}
	r.rebuild()
	return r
}

type chartRenderer struct {
	chart   *BarChart
	base    *canvas.Line
	screens []*canvas.Rectangle
	games   []*canvas.Rectangle
	limits  []*canvas.Line
	labels  []*canvas.Text
	grid    []*canvas.Line // one per hour step of the scale
	scale   []*canvas.Text
	steps   []int // the hours the scale marks
	objects []fyne.CanvasObject
}

// scaleStep is the hours between two marks of the scale: 1, 2, 3, 4, 6 or
// 12, so that at most six marks stand.
func scaleStep(top int) int {
	for _, s := range []int{1, 2, 3, 4, 6, 12} {
		if top/s <= 6 {
			return s
		}
	}
	return 24
}

func (r *chartRenderer) rebuild() {
	r.screens, r.games, r.labels, r.limits, r.grid, r.scale, r.steps = nil, nil, nil, nil, nil, nil, nil
	r.objects = nil
	top := Top(r.chart.Days)
	step := scaleStep(top)
	for h := 0; h <= top; h += step {
		g := canvas.NewLine(TrackColor)
		t := newText(r.chart.hourLabel(h), theme.CaptionTextSize(), false)
		r.grid = append(r.grid, g)
		r.scale = append(r.scale, t)
		r.steps = append(r.steps, h)
		r.objects = append(r.objects, g, t)
	}
	r.objects = append(r.objects, r.base)
	n := len(r.chart.Days)
	every := 1
	if n > 10 {
		every = (n + 9) / 10
	}
	for i, d := range r.chart.Days {
		s := canvas.NewRectangle(ScreenColor)
		s.CornerRadius = 3
		g := canvas.NewRectangle(GamesColor)
		g.CornerRadius = 3
		l := canvas.NewLine(WarnColor)
		l.StrokeWidth = 2
		l.Hidden = d.LimitSec < 0 || d.LimitSec > int64(top)*3600
		label := ""
		if (n-1-i)%every == 0 {
			label = d.Label
		}
		t := newText(label, theme.CaptionTextSize(), i == r.chart.Selected)
		r.screens = append(r.screens, s)
		r.games = append(r.games, g)
		r.limits = append(r.limits, l)
		r.labels = append(r.labels, t)
		r.objects = append(r.objects, s, g, l, t)
	}
}

func (r *chartRenderer) Layout(size fyne.Size) {
	labelH := newText("0", theme.CaptionTextSize(), false).MinSize().Height
	topPad := labelH / 2
	plotH := size.Height - labelH - 4 - topPad
	axis := r.chart.axisWidth()
	top := float32(Top(r.chart.Days) * 3600)
	y := func(sec int64) float32 { return topPad + plotH - plotH*float32(sec)/top }
	for i, h := range r.steps {
		yy := y(int64(h) * 3600)
		r.grid[i].Position1 = fyne.NewPos(axis, yy)
		r.grid[i].Position2 = fyne.NewPos(size.Width, yy)
		ts := r.scale[i].MinSize()
		r.scale[i].Move(fyne.NewPos(axis-theme.Padding()-ts.Width, yy-ts.Height/2))
	}
	r.base.Position1 = fyne.NewPos(axis, topPad+plotH)
	r.base.Position2 = fyne.NewPos(size.Width, topPad+plotH)
	n := len(r.chart.Days)
	if n == 0 {
		return
	}
	col := (size.Width - axis) / float32(n)
	w := col * 0.6
	for i, d := range r.chart.Days {
		x := axis + col*float32(i) + (col-w)/2
		hs := topPad + plotH - y(d.ScreenSec)
		hg := topPad + plotH - y(d.GamesSec)
		r.screens[i].Move(fyne.NewPos(x, y(d.ScreenSec)))
		r.screens[i].Resize(fyne.NewSize(w, hs))
		r.games[i].Move(fyne.NewPos(x+w*0.2, y(d.GamesSec)))
		r.games[i].Resize(fyne.NewSize(w*0.6, hg))
		ly := y(max(d.LimitSec, 0))
		r.limits[i].Position1 = fyne.NewPos(axis+col*float32(i)+col*0.05, ly)
		r.limits[i].Position2 = fyne.NewPos(axis+col*float32(i+1)-col*0.05, ly)
		ls := r.labels[i].MinSize()
		r.labels[i].Move(fyne.NewPos(axis+col*float32(i)+(col-ls.Width)/2, topPad+plotH+4))
	}
}

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(320, 160) }

func (r *chartRenderer) Refresh() {
	r.rebuild()
	for i, t := range r.labels {
		t.TextStyle.Bold = i == r.chart.Selected
	}
	r.Layout(r.chart.Size())
	canvas.Refresh(r.chart)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *chartRenderer) Destroy()                     {}
