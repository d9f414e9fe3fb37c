// Package assets holds files embedded into the programs: the translations of
// the Fyne app (and, as they land, icons and the app catalog).
//
// This package imports only the standard library.
package assets

import "embed"

// UITranslations holds translations/ui/{en,vi}.json: flat key -> string
// files in the format that fyne.io/fyne/v2/lang loads.
//
//go:embed translations/ui
var UITranslations embed.FS
