package companion

import (
	"fyne.io/fyne/v2"

	"github.com/kidtime/kidtime/agent/desktop"
)

// KeepAbove keeps the countdown window w above other windows, fullscreen
// ones included, through [desktop.KeepAbove] (Fyne has no always-on-top
// call). Where the desktop does not allow it, it returns an error and the
// companion falls back to raising the countdown every few seconds.
func KeepAbove(w fyne.Window) error { return desktop.KeepAbove(w.Title()) }
