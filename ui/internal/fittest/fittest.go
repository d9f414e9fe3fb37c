// Package fittest finds layout faults in a Fyne tree for the UI's tests: a
// button squeezed below its text, and buttons that lie over one another.
// Only tests import it.
package fittest

import (
	"fmt"
	"reflect"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Faults lists, as sentences, the buttons in o's tree whose text (with its
// icon and padding) is wider than the button as laid out, and the buttons
// that lie over one another; path names the tree in the sentences.
func Faults(o fyne.CanvasObject, path string) []string {
	var out []string
	var placed []placedButton
	walkButtons(o, fyne.NewPos(0, 0), path, &placed, &out)
	for i, a := range placed {
		for _, b := range placed[i+1:] {
			if a.overlaps(b) {
				out = append(out, fmt.Sprintf("button %q at %s lies over %q at %s", b.b.Text, b.path, a.b.Text, a.path))
			}
		}
	}
	return out
}

// Window lists the faults of a window's content and of each of its overlays
// (dialogs, pop-ups), each overlay on its own: an overlay lies over the
// content by design.
func Window(w fyne.Window) []string {
	out := Faults(w.Content(), "")
	for _, o := range w.Canvas().Overlays().List() {
		out = append(out, Faults(o, "overlay")...)
	}
	return out
}

// placedButton is a button where it is on the canvas.
type placedButton struct {
	b    *widget.Button
	pos  fyne.Position
	path string
}

func (p placedButton) overlaps(q placedButton) bool {
	const slack = 1 // touching edges are no overlap
	ps, qs := p.b.Size(), q.b.Size()
	return p.pos.X+ps.Width-slack > q.pos.X && q.pos.X+qs.Width-slack > p.pos.X &&
		p.pos.Y+ps.Height-slack > q.pos.Y && q.pos.Y+qs.Height-slack > p.pos.Y
}

func walkButtons(o fyne.CanvasObject, at fyne.Position, path string, placed *[]placedButton, out *[]string) {
	if o == nil || !o.Visible() {
		return
	}
	at = at.Add(o.Position())
	if b, ok := o.(*widget.Button); ok {
		if b.Text != "" && b.Size().Width+0.5 < b.MinSize().Width {
			*out = append(*out, fmt.Sprintf("button %q at %s: %.0f px for %.0f px of text", b.Text, path, b.Size().Width, b.MinSize().Width))
		}
		if b.Size().Width > 0 && b.Size().Height > 0 {
			*placed = append(*placed, placedButton{b: b, pos: at, path: path})
		}
		return // a button's own insides are its text and icon
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(v).Objects()
	}
	name := strings.TrimPrefix(reflect.TypeOf(o).String(), "*")
	for i, k := range kids {
		walkButtons(k, at, fmt.Sprintf("%s/%s[%d]", path, name, i), placed, out)
	}
}
