package widgets

import (
	"fmt"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// QRImage encodes text (an otpauth:// URL) as a QR code image of size px.
func QRImage(text string, px int) (image.Image, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	scaled, err := barcode.Scale(code, px, px)
	if err != nil {
		return nil, fmt.Errorf("scale QR code: %w", err)
	}
	return scaled, nil
}

// NewQR is a canvas image of a QR code, drawn crisp at size px.
func NewQR(text string, px int) (*canvas.Image, error) {
	img, err := QRImage(text, px)
	if err != nil {
		return nil, err
	}
	c := canvas.NewImageFromImage(img)
	c.FillMode = canvas.ImageFillContain
	c.ScaleMode = canvas.ImageScalePixels
	c.SetMinSize(fyne.NewSize(float32(px), float32(px)))
	return c, nil
}
