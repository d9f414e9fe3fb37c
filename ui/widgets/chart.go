package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Day is one column of a chart: screen seconds, of which game seconds.
type Day struct {
	Label     string
	ScreenSec int64
	GamesSec  int64
}

// BarChart draws screen time per day with the game part inside it, so games
// read as the part of screen time they are. Tapping a column selects the day.
type BarChart struct {
	widget.BaseWidget

	Days     []Day
	Selected int // -1 for none
	OnTapped func(i int)
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
	i := int(e.Position.X / (c.Size().Width / float32(len(c.Days))))
	if i < 0 || i >= len(c.Days) {
		return
	}
	c.Selected = i
	c.Refresh()
	if c.OnTapped != nil {
		c.OnTapped(i)
	}
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
	labels  []*canvas.Text
	objects []fyne.CanvasObject
}

func (r *chartRenderer) rebuild() {
	r.screens, r.games, r.labels = nil, nil, nil
	r.objects = []fyne.CanvasObject{r.base}
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
		label := ""
		if (n-1-i)%every == 0 {
			label = d.Label
		}
		t := newText(label, theme.CaptionTextSize(), i == r.chart.Selected)
		r.screens = append(r.screens, s)
		r.games = append(r.games, g)
		r.labels = append(r.labels, t)
		r.objects = append(r.objects, s, g, t)
	}
}

func (r *chartRenderer) Layout(size fyne.Size) {
	n := len(r.chart.Days)
	if n == 0 {
		return
	}
	labelH := newText("0", theme.CaptionTextSize(), false).MinSize().Height
	plotH := size.Height - labelH - 4
	var max int64 = 3600
	for _, d := range r.chart.Days {
		max = max64(max, max64(d.ScreenSec, d.GamesSec))
	}
	col := size.Width / float32(n)
	w := col * 0.6
	for i, d := range r.chart.Days {
		x := col*float32(i) + (col-w)/2
		hs := plotH * float32(d.ScreenSec) / float32(max)
		hg := plotH * float32(d.GamesSec) / float32(max)
		r.screens[i].Move(fyne.NewPos(x, plotH-hs))
		r.screens[i].Resize(fyne.NewSize(w, hs))
		r.games[i].Move(fyne.NewPos(x+w*0.2, plotH-hg))
		r.games[i].Resize(fyne.NewSize(w*0.6, hg))
		ls := r.labels[i].MinSize()
		r.labels[i].Move(fyne.NewPos(col*float32(i)+(col-ls.Width)/2, plotH+4))
	}
	r.base.Position1 = fyne.NewPos(0, plotH)
	r.base.Position2 = fyne.NewPos(size.Width, plotH)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func (r *chartRenderer) MinSize() fyne.Size { return fyne.NewSize(280, 160) }

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
