package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// lockSVG is a padlock drawn for kidtime (Fyne's theme has none): a
// shackle over a body with a keyhole, in the 24×24 box of the theme's icons.
const lockSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">` +
	`<path fill="#000000" fill-rule="evenodd" d="M7 10V7a5 5 0 0 1 10 0v3h1a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V11a1 1 0 0 1 1-1h1zm2 0h6V7a3 3 0 0 0-6 0v3zm3 4a1.5 1.5 0 0 0-1 2.6V19h2v-2.4a1.5 1.5 0 0 0-1-2.6z"/>` +
	`</svg>`

var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("lock.svg", []byte(lockSVG)))

// LockIcon is a padlock in the theme's foreground colour ("Lock now").
func LockIcon() fyne.Resource { return lockIcon }
