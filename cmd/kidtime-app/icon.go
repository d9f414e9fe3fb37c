package main

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

// kidtime.png is installer/deb/kidtime.svg (the clock with the green "time
// left" arc) rasterized at 64×64. The app's icon must be a bitmap: without
// one Fyne gives the system tray its broken-image SVG, which the tray
// cannot read (Windows: "Failed to convert systray icon: image: unknown
// format", Fyne converts only bitmaps to .ico; Linux's StatusNotifier:
// "Failed to read icon format"), and the tray entry has no picture.
//
//go:embed kidtime.png
var iconPNG []byte

// appIcon is the app's icon: windows, the taskbar and the system tray.
var appIcon = fyne.NewStaticResource("kidtime.png", iconPNG)
