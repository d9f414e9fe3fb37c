package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TimeBar shows how much of a budget is used: a rounded track, a filled part,
// a title on the left and a caption ("45 min left") on the right.
type TimeBar struct {
	widget.BaseWidget

	Title   string
	Caption string
	Used    int64 // seconds
	Limit   int64 // seconds; 0 means no time at all today
	Color   color.Color
}

// NewTimeBar makes a bar in a colour.
func NewTimeBar(title string, c color.Color) *TimeBar {
	b := &TimeBar{Title: title, Color: c}
	b.ExtendBaseWidget(b)
	return b
}

// Set changes the numbers and the caption and redraws.
func (b *TimeBar) Set(used, limit int64, caption string) {
	b.Used, b.Limit, b.Caption = used, limit, caption
	b.Refresh()
}

// Fraction is the filled part, between 0 and 1.
func (b *TimeBar) Fraction() float32 { return fraction(b.Used, b.Limit) }

// CreateRenderer implements fyne.Widget.
func (b *TimeBar) CreateRenderer() fyne.WidgetRenderer {
	r := &timeBarRenderer{
		bar:     b,
		track:   canvas.NewRectangle(TrackColor),
		fill:    canvas.NewRectangle(b.Color),
		title:   newText(b.Title, theme.TextSize(), true),
		caption: newText(b.Caption, theme.TextSize(), false),
	}
	r.track.CornerRadius = 6
	r.fill.CornerRadius = 6
	return r
}

type timeBarRenderer struct {
	bar            *TimeBar
	track, fill    *canvas.Rectangle
	title, caption *canvas.Text
}

const barHeight = 14

func (r *timeBarRenderer) Layout(size fyne.Size) {
	ts := r.title.MinSize()
	r.title.Move(fyne.NewPos(0, 0))
	cs := r.caption.MinSize()
	r.caption.Move(fyne.NewPos(size.Width-cs.Width, 0))
	y := ts.Height + 4
	r.track.Move(fyne.NewPos(0, y))
	r.track.Resize(fyne.NewSize(size.Width, barHeight))
	r.fill.Move(fyne.NewPos(0, y))
	r.fill.Resize(fyne.NewSize(size.Width*r.bar.Fraction(), barHeight))
}

func (r *timeBarRenderer) MinSize() fyne.Size {
	ts, cs := r.title.MinSize(), r.caption.MinSize()
	return fyne.NewSize(ts.Width+cs.Width+theme.Padding()*4, ts.Height+4+barHeight)
}

func (r *timeBarRenderer) Refresh() {
	r.title.Text = r.bar.Title
	r.caption.Text = r.bar.Caption
	r.title.Color = theme.Color(theme.ColorNameForeground)
	r.caption.Color = theme.Color(theme.ColorNameForeground)
	r.fill.FillColor = r.bar.Color
	r.Layout(r.bar.Size())
	canvas.Refresh(r.bar)
}

func (r *timeBarRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.track, r.fill, r.title, r.caption}
}

func (r *timeBarRenderer) Destroy() {}
