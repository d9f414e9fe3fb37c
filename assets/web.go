package assets

import "embed"

// WebLists holds web/*.txt: the seed domain lists of kidtime's web filter,
// one per category (the file name), and web/README.md naming their sources.
//
//go:embed web/*.txt
var WebLists embed.FS
