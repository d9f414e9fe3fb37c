// Package widgets holds the app's drawing pieces: a time bar (used / left),
// a bar chart of screen and game time per day, a 24-hour timeline of allowed
// hours, and a QR code image. They take numbers and ready-made labels; the
// translation happens in the screens.
package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// Calm colours shared by the console and the companion: blues and greens
// for time, a soft amber for warnings, never an alarming red for a child.
var (
	ScreenColor = color.NRGBA{R: 0x3b, G: 0x82, B: 0xc4, A: 0xff} // calm blue
	GamesColor  = color.NRGBA{R: 0x4c, G: 0xa8, B: 0x7a, A: 0xff} // soft green
	WarnColor   = color.NRGBA{R: 0xe0, G: 0x9b, B: 0x3d, A: 0xff} // amber
	RestColor   = color.NRGBA{R: 0x8a, G: 0x7c, B: 0xc0, A: 0xff} // lavender: time is over, rest
	TrackColor  = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x38} // empty part of a bar
	TamperColor = color.NRGBA{R: 0xc6, G: 0x4b, B: 0x4b, A: 0xff} // for parents only
)

// StateColor is the colour of a child's state (ok, warn, grace, blocked).
func StateColor(state string) color.Color {
	switch state {
	case "warn", "grace":
		return WarnColor
	case "blocked":
		return RestColor
	}
	return GamesColor
}

// fraction is used/limit clamped to [0, 1]; 0 when there is no limit.
func fraction(used, limit int64) float32 {
	if limit < 0 {
		return 0 // no limit: nothing to fill
	}
	if limit == 0 {
		if used > 0 {
			return 1
		}
		return 0
	}
	f := float32(used) / float32(limit)
	if f < 0 {
		return 0
	}
	if f > 1 {
		return 1
	}
	return f
}

func newText(s string, size float32, bold bool) *canvas.Text {
	t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
	t.TextSize = size
	t.TextStyle = fyne.TextStyle{Bold: bold}
	return t
}
