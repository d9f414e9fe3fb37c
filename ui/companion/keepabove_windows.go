package companion

import (
	"errors"

	"fyne.io/fyne/v2"
)

// KeepAbove is not done on Windows yet (it needs SetWindowPos with
// HWND_TOPMOST on the GLFW window's handle); the companion raises the
// countdown every few seconds instead.
func KeepAbove(fyne.Window) error { return errors.ErrUnsupported }
