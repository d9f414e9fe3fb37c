package companion

import (
	"log/slog"

	"fyne.io/fyne/v2"
	fdesktop "fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
)

// TrayMenu is the companion's system tray menu: show the window, ask for
// time, help. A window closed (hidden) comes back from here.
func (c *Companion) TrayMenu() *fyne.Menu {
	show := func() {
		c.window()
		c.win.Show()
		c.win.RequestFocus()
	}
	return fyne.NewMenu(lang.L("companion.title"),
		fyne.NewMenuItem(lang.L("tray.show"), show),
		fyne.NewMenuItem(lang.L("companion.ask"), func() {
			show()
			if c.ready { // the form needs the agent; until then the window says so
				c.onAsk()
			}
		}),
		fyne.NewMenuItem(lang.L("companion.help"), c.onHelp),
	)
}

// SetupTray puts the companion in the system tray when the driver has one
// (a desktop driver with a StatusNotifier host); it reports whether it did.
// Without a tray (no session D-Bus, no tray on the desktop) the companion
// goes on in its window. Call it after Start or ShowWaiting.
func (c *Companion) SetupTray() bool {
	d, ok := c.app.(fdesktop.App)
	if !ok {
		return false
	}
	if c.TrayHost != nil {
		if err := c.TrayHost(); err != nil {
			slog.Info("companion: no system tray; the window stays", "err", err)
			return false
		}
	}
	c.window()
	d.SetSystemTrayMenu(c.TrayMenu())
	d.SetSystemTrayWindow(c.win)
	return true
}
