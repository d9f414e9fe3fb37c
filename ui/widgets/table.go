package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// TableLayout lays objects out in rows of Cols cells, each column as wide
// as its widest cell (not, as a grid does, every column as wide as the
// widest cell of all), rows as tall as their tallest cell, cells
// centred vertically. The width left over goes to the Stretch column
// (-1: none). A form of days × pickers then needs only what it shows.
type TableLayout struct {
	Cols    int
	Stretch int
}

// NewTable is a container of objects in a TableLayout.
func NewTable(cols, stretch int, objects ...fyne.CanvasObject) *fyne.Container {
	return container.New(&TableLayout{Cols: cols, Stretch: stretch}, objects...)
}

func (l *TableLayout) sizes(objects []fyne.CanvasObject) (widths, heights []float32) {
	widths = make([]float32, l.Cols)
	for i, o := range objects {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		c, r := i%l.Cols, i/l.Cols
		widths[c] = max(widths[c], m.Width)
		for len(heights) <= r {
			heights = append(heights, 0)
		}
		heights[r] = max(heights[r], m.Height)
	}
	return widths, heights
}

// MinSize is the columns' widths and the rows' heights with padding between.
func (l *TableLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	widths, heights := l.sizes(objects)
	pad := theme.Padding()
	var w, h float32
	for _, x := range widths {
		w += x
	}
	for _, y := range heights {
		h += y
	}
	if len(widths) > 1 {
		w += pad * float32(len(widths)-1)
	}
	if len(heights) > 1 {
		h += pad * float32(len(heights)-1)
	}
	return fyne.NewSize(w, h)
}

// Layout places the cells.
func (l *TableLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	widths, heights := l.sizes(objects)
	pad := theme.Padding()
	if extra := size.Width - l.MinSize(objects).Width; extra > 0 && l.Stretch >= 0 && l.Stretch < l.Cols {
		widths[l.Stretch] += extra
	}
	xs := make([]float32, l.Cols)
	for c := 1; c < l.Cols; c++ {
		xs[c] = xs[c-1] + widths[c-1] + pad
	}
	var y float32
	for r, rh := range heights {
		for c := 0; c < l.Cols; c++ {
			i := r*l.Cols + c
			if i >= len(objects) {
				return
			}
			o := objects[i]
			m := o.MinSize()
			o.Resize(fyne.NewSize(widths[c], m.Height))
			o.Move(fyne.NewPos(xs[c], y+(rh-m.Height)/2))
		}
		y += rh + pad
	}
}

// ButtonsLayout lays buttons out in equal cells, as many a row as the
// width holds, the rows balanced (four buttons go 4, 2+2 or 1 a row,
// never 3+1). Its minimum is one column; the height follows the rows of
// the last layout, as a GridWrap's does.
type ButtonsLayout struct {
	rows int
}

// NewButtons is a container of buttons in a ButtonsLayout.
func NewButtons(objects ...fyne.CanvasObject) *fyne.Container {
	return container.New(&ButtonsLayout{rows: len(objects)}, objects...)
}

func cellOf(objects []fyne.CanvasObject) fyne.Size {
	var cell fyne.Size
	for _, o := range objects {
		if o.Visible() {
			cell = cell.Max(o.MinSize())
		}
	}
	return cell
}

// Columns is how many columns n cells of width cell take in width:
// as many as fit, then as few as keep the same number of rows.
func Columns(n int, cell, width, pad float32) int {
	if n == 0 {
		return 1
	}
	fit := max(int((width+pad)/(cell+pad)), 1)
	fit = min(fit, n)
	rows := (n + fit - 1) / fit
	return (n + rows - 1) / rows
}

// MinSize is one cell wide, as tall as the last layout's rows.
func (l *ButtonsLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	cell := cellOf(objects)
	rows := max(l.rows, 1)
	return fyne.NewSize(cell.Width, cell.Height*float32(rows)+theme.Padding()*float32(rows-1))
}

// Layout places the cells, stretched to share the width.
func (l *ButtonsLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	var shown []fyne.CanvasObject
	for _, o := range objects {
		if o.Visible() {
			shown = append(shown, o)
		}
	}
	cell, pad := cellOf(shown), theme.Padding()
	cols := Columns(len(shown), cell.Width, size.Width, pad)
	w := (size.Width - pad*float32(cols-1)) / float32(cols)
	w = max(w, cell.Width)
	for i, o := range shown {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+pad), float32(r)*(cell.Height+pad)))
		o.Resize(fyne.NewSize(w, cell.Height))
	}
	l.rows = (len(shown) + cols - 1) / cols
}
