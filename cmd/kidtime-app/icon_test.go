package main

import (
	"bytes"
	"image"
	_ "image/png"
	"testing"
)

// The app's icon is a bitmap the system tray can read: Fyne converts it to
// .ico on Windows (image.Decode, then ico.Encode) and to pixels for Linux's
// StatusNotifier (image.Decode); an SVG fails both, and the tray shows no
// picture.
func TestAppIconIsABitmapTheTrayReads(t *testing.T) {
	img, format, err := image.Decode(bytes.NewReader(appIcon.Content()))
	if err != nil {
		t.Fatalf("the tray cannot read the app's icon: %v", err)
	}
	if format != "png" || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
		t.Errorf("icon: %s %v, want a 64×64 png", format, img.Bounds())
	}
	opaque := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0x8000 {
				opaque++
			}
		}
	}
	if opaque < b.Dx()*b.Dy()/2 {
		t.Errorf("only %d of %d pixels are drawn: the icon is (nearly) empty", opaque, b.Dx()*b.Dy())
	}
}
