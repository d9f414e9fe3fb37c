package companion

import (
	"image"

	"fyne.io/fyne/v2"

	"github.com/kidtime/kidtime/agent/desktop"
)

// Placer reads and moves the companion's windows on the screen; Fyne has
// no call for it. DesktopPlacer is the desktop's (X11); nil leaves the
// windows where the window manager puts them.
type Placer interface {
	// WorkArea is the screen less the panels.
	WorkArea() (image.Rectangle, error)
	// Frame is where w is, its window manager's frame included.
	Frame(w fyne.Window) (image.Rectangle, error)
	// Move puts w's frame at r.
	Move(w fyne.Window, r image.Rectangle) error
}

// DesktopPlacer places windows through agent/desktop (X11; on Windows it
// says it cannot yet, and the windows stay where Windows puts them).
type DesktopPlacer struct{}

// WorkArea calls desktop.WorkArea.
func (DesktopPlacer) WorkArea() (image.Rectangle, error) { return desktop.WorkArea() }

// Frame calls desktop.Frame with w's title.
func (DesktopPlacer) Frame(w fyne.Window) (image.Rectangle, error) { return desktop.Frame(w.Title()) }

// Move calls desktop.Move with w's title.
func (DesktopPlacer) Move(w fyne.Window, r image.Rectangle) error { return desktop.Move(w.Title(), r) }

// Margin is the gap the countdown keeps from the screen's edges and from
// the companion's window.
const Margin = 12

// OnScreen is r moved (and, when larger, cut down) to lie wholly inside
// the work area: a window whose bottom is off the screen hides its
// buttons.
func OnScreen(work, r image.Rectangle) image.Rectangle {
	w, h := min(r.Dx(), work.Dx()), min(r.Dy(), work.Dy())
	x, y := r.Min.X, r.Min.Y
	x = max(work.Min.X, min(x, work.Max.X-w))
	y = max(work.Min.Y, min(y, work.Max.Y-h))
	return image.Rect(x, y, x+w, y+h)
}

// CountdownSpot is where the countdown of size goes: the first corner of
// the work area (top right, bottom right, top left, bottom left) where it
// does not cover the companion's window; when every corner would, the one
// that covers the least of it.
func CountdownSpot(work, companion image.Rectangle, size image.Point) image.Rectangle {
	size.X, size.Y = min(size.X, work.Dx()-2*Margin), min(size.Y, work.Dy()-2*Margin)
	left, right := work.Min.X+Margin, work.Max.X-Margin-size.X
	top, bottom := work.Min.Y+Margin, work.Max.Y-Margin-size.Y
	var best image.Rectangle
	bestArea := -1
	for _, at := range []image.Point{{right, top}, {right, bottom}, {left, top}, {left, bottom}} {
		r := image.Rectangle{Min: at, Max: at.Add(size)}
		in := r.Intersect(companion.Inset(-Margin / 2))
		area := in.Dx() * in.Dy()
		if in.Empty() {
			return r
		}
		if bestArea < 0 || area < bestArea {
			best, bestArea = r, area
		}
	}
	return best
}

// placeMain moves the companion's window wholly onto the screen; it
// reports whether the window is where it should be (false: not mapped or
// framed yet, or moved now: look again).
func (c *Companion) placeMain() bool {
	if c.Placer == nil || c.win == nil {
		return true
	}
	work, err := c.Placer.WorkArea()
	if err != nil {
		return true // nothing to place it by
	}
	r, err := c.Placer.Frame(c.win)
	if err != nil {
		return false
	}
	want := OnScreen(work, r)
	if want == r {
		return true
	}
	_ = c.Placer.Move(c.win, want)
	return false
}

// placeCountdown puts the countdown in a corner where it covers none of
// the companion's window (nor its buttons); it reports whether it is there.
func (c *Companion) placeCountdown() bool {
	if c.Placer == nil || c.countdown == nil {
		return true
	}
	work, err := c.Placer.WorkArea()
	if err != nil {
		return true
	}
	r, err := c.Placer.Frame(c.countdown)
	if err != nil {
		return false
	}
	var comp image.Rectangle
	if c.win != nil {
		if f, err := c.Placer.Frame(c.win); err == nil {
			comp = f
		}
	}
	want := CountdownSpot(work, comp, r.Size())
	if want == r {
		return true
	}
	_ = c.Placer.Move(c.countdown, want)
	return false
}
