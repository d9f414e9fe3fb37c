package wire

// The figures a PC adds to each rollup for its hub's yearly report (issue
// 13). They ride in Rollup (embedded, so they are plain fields of its
// JSON); an older PC sends none, and they read as zero. Only counts leave
// the PC: no window title, no program's name, no child's name.

// Late night, as the report counts it: screen time between LateFrom and
// LateTo, local time of the PC (22:00–06:00), in minutes from midnight.
// Before 06:00 it belongs to the day it falls on; after 22:00 too (the
// agent's day runs 00:00–24:00).
const (
	LateFrom = 22 * 60
	LateTo   = 6 * 60
)

// ReportFigures are a child's day on one PC as the report counts it.
type ReportFigures struct {
	// LateSec is screen time between LateFrom and LateTo.
	LateSec int64 `json:"lateSec,omitempty"`
	// Blocked counts the programs stopped as they started (a blocked app,
	// a game over its time or rating, a program waiting for a parent's
	// yes, outside the allowed hours), by category ("unknown" when none).
	Blocked map[string]int `json:"blocked,omitempty"`
	// HelpOpened counts the times the child's app showed the help screen
	// (hotline 111).
	HelpOpened int `json:"helpOpened,omitempty"`
	// AppRequests and AppGranted are the requests of Requests and Granted
	// that asked for a program, not for more time.
	AppRequests int `json:"appRequests,omitempty"`
	AppGranted  int `json:"appGranted,omitempty"`
}

// Sum is the figures' part of a rollup's revision: each only grows within
// a day.
func (f ReportFigures) Sum() int64 {
	n := f.LateSec + int64(f.HelpOpened+f.AppRequests+f.AppGranted)
	for _, v := range f.Blocked {
		n += int64(v)
	}
	return n
}
