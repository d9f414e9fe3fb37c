package widgets

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Span is an allowed window in minutes from midnight; End <= Start means the
// window crosses midnight (20:00-06:00).
type Span struct{ Start, End int }

// Timeline draws a day from 00:00 to 24:00 with the allowed windows filled.
type Timeline struct {
	widget.BaseWidget
	Spans []Span
}

// NewTimeline makes a timeline.
func NewTimeline(spans []Span) *Timeline {
	t := &Timeline{Spans: spans}
	t.ExtendBaseWidget(t)
	return t
}

// SetSpans replaces the windows.
func (t *Timeline) SetSpans(s []Span) {
	t.Spans = s
	t.Refresh()
}

// Pieces splits the windows into [start, end) pieces within one day, in
// minutes; a window crossing midnight gives two pieces.
func Pieces(spans []Span) [][2]int {
	var out [][2]int
	for _, s := range spans {
		if s.End > s.Start {
			out = append(out, [2]int{s.Start, s.End})
			continue
		}
		out = append(out, [2]int{s.Start, 24 * 60})
		if s.End > 0 {
			out = append(out, [2]int{0, s.End})
		}
	}
	return out
}

// CreateRenderer implements fyne.Widget.
func (t *Timeline) CreateRenderer() fyne.WidgetRenderer {
	r := &timelineRenderer{tl: t, track: canvas.NewRectangle(TrackColor)}
	r.track.CornerRadius = 4
	for h := 0; h <= 24; h += 6 {
		r.ticks = append(r.ticks, newText(fmt.Sprintf("%d", h), theme.CaptionTextSize(), false))
	}
	r.rebuild()
	return r
}

type timelineRenderer struct {
	tl     *Timeline
	track  *canvas.Rectangle
	fills  []*canvas.Rectangle
	pieces [][2]int
	ticks  []*canvas.Text
}

func (r *timelineRenderer) rebuild() {
	r.pieces = Pieces(r.tl.Spans)
	r.fills = r.fills[:0]
	for range r.pieces {
		f := canvas.NewRectangle(GamesColor)
		f.CornerRadius = 4
		r.fills = append(r.fills, f)
	}
}

const stripH = 16

// inset is the room kept on each side for half a tick's label, so that
// "0" and "24" stand centred under the ends of the strip, whole.
func (r *timelineRenderer) inset() float32 {
	return r.ticks[len(r.ticks)-1].MinSize().Width/2 + 1
}

func (r *timelineRenderer) Layout(size fyne.Size) {
	in := r.inset()
	width := max(size.Width-2*in, 0)
	r.track.Move(fyne.NewPos(in, 0))
	r.track.Resize(fyne.NewSize(width, stripH))
	per := width / (24 * 60)
	for i, p := range r.pieces {
		r.fills[i].Move(fyne.NewPos(in+float32(p[0])*per, 0))
		r.fills[i].Resize(fyne.NewSize(float32(p[1]-p[0])*per, stripH))
	}
	for i, t := range r.ticks {
		x := in + width*float32(i)/float32(len(r.ticks)-1)
		t.Move(fyne.NewPos(x-t.MinSize().Width/2, stripH+1))
	}
}

func (r *timelineRenderer) MinSize() fyne.Size {
	return fyne.NewSize(200+2*r.inset(), stripH+1+r.ticks[0].MinSize().Height)
}

func (r *timelineRenderer) Refresh() {
	r.rebuild()
	r.Layout(r.tl.Size())
	canvas.Refresh(r.tl)
}

func (r *timelineRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.track}
	for _, f := range r.fills {
		objs = append(objs, f)
	}
	for _, t := range r.ticks {
		objs = append(objs, t)
	}
	return objs
}

func (r *timelineRenderer) Destroy() {}
