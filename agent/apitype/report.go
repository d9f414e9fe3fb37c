package apitype

import (
	"fmt"
	"time"
)

// The school's yearly report (issue 13). RouteHubReport is on the hub's
// socket; RouteHelpOpened on a PC's daemon, where the child's app says it
// showed the help screen (the report counts it; nothing else is sent).
const (
	RouteHubReport  = "/v1/hub/report" // GET admin (hub) ?from=&to=&by=age|pc|child|day -> HubReport
	RouteHelpOpened = "/v1/help"       // POST child (own): the help screen was opened -> OK
)

// Report groupings (--by).
const (
	ReportByAge   = "age"
	ReportByPC    = "pc"
	ReportByChild = "child"
	ReportByDay   = "day"
)

// HubReport is the hub's report over a span of days: the figures the
// provincial plan asks schools for, grouped one way.
type HubReport struct {
	From string `json:"from"` // YYYY-MM-DD, inclusive
	To   string `json:"to"`
	By   string `json:"by"`
	// Names tells whether children's names are shown: only when the
	// policy in force says shareNames (rules.File).
	Names bool `json:"names"`
	// LateFrom and LateTo define late night (HH:MM, the PC's local time).
	LateFrom string `json:"lateFrom"`
	LateTo   string `json:"lateTo"`
	// PCs and Children are those with at least one rollup in the span.
	PCs      int `json:"pcs"`
	Children int `json:"children"`
	// Total is every child-day together; Groups split it by By.
	Total  ReportGroup   `json:"total"`
	Groups []ReportGroup `json:"groups"`
	// Classes is the same figures by class, when the policy names classes.
	Classes []ReportGroup `json:"classes,omitempty"`
	// Generated is when the hub made the report.
	Generated time.Time `json:"generated"`
}

// ReportGroup is the figures of one group of child-days.
type ReportGroup struct {
	// Key is the group: an age band ("6-8", from the presets), a PC's
	// name, a child (a name, or a child key when names are not shared), a
	// day, or a class.
	Key string `json:"key"`
	// Band is the age band of a child or class group ("" when mixed).
	Band      string `json:"band,omitempty"`
	PCs       int    `json:"pcs"`
	Children  int    `json:"children"`
	ChildDays int    `json:"childDays"`
	// Averages per child-day, in seconds.
	AvgScreenSec int64 `json:"avgScreenSec"`
	AvgGamesSec  int64 `json:"avgGamesSec"`
	AvgLateSec   int64 `json:"avgLateSec"`
	// WithinPreset counts the child-days within their age preset's screen
	// and game time (WHO/AAP, Decree 147/2024's 60 minutes of games);
	// WithinPct is its share, in percent.
	WithinPreset int     `json:"withinPreset"`
	WithinPct    float64 `json:"withinPct"`
	// Games60 counts the child-days on which no game took more than 60
	// minutes (Decree 147/2024), over all the child's PCs; where a PC sent
	// no time per game (an older version), all games together are held to
	// the hour.
	Games60    int     `json:"games60"`
	Games60Pct float64 `json:"games60Pct"`
	// LateDays counts child-days with any late-night use.
	LateDays int     `json:"lateDays"`
	LatePct  float64 `json:"latePct"`
	// Category is screen time by category, in seconds (totals).
	Category map[string]int64 `json:"category,omitempty"`
	// Blocked counts programs stopped as they started, by category.
	Blocked map[string]int `json:"blocked,omitempty"`
	// Requests for more time (programs' requests apart).
	TimeAsked   int `json:"timeAsked"`
	TimeGranted int `json:"timeGranted"`
	AppAsked    int `json:"appAsked"`
	AppGranted  int `json:"appGranted"`
	// Tamper counts tamper events by kind.
	Tamper map[string]int `json:"tamper,omitempty"`
	// HelpOpened counts the help screen (hotline 111) opened.
	HelpOpened int `json:"helpOpened"`
}

// ReportArgError is a report's bad argument: Field is the flag ("--from"),
// Key the sentence in the translations (err.report.*), Msg in English.
type ReportArgError struct {
	Field string
	Key   string
	Args  map[string]string
	Msg   string
}

func (e *ReportArgError) Error() string { return e.Field + ": " + e.Msg }

// MessageKey names the sentence (api.KeyedError).
func (e *ReportArgError) MessageKey() (string, map[string]string) { return e.Key, e.Args }

// SchoolYear is the school year in progress on now: 1 September to 31
// August.
func SchoolYear(now time.Time) (from, to string) {
	y := now.Year()
	if now.Month() < time.September {
		y--
	}
	return fmt.Sprintf("%04d-09-01", y), fmt.Sprintf("%04d-08-31", y+1)
}

// ReportSpan checks a report's --from, --to and --by, and fills in the
// defaults: the school year in progress, by age band.
func ReportSpan(from, to, by string, now time.Time) (string, string, string, error) {
	dFrom, dTo := SchoolYear(now)
	for _, a := range []struct {
		flag string
		v    *string
		def  string
	}{{"--from", &from, dFrom}, {"--to", &to, dTo}} {
		if *a.v == "" {
			*a.v = a.def
			continue
		}
		if _, err := time.Parse(time.DateOnly, *a.v); err != nil {
			return "", "", "", &ReportArgError{Field: a.flag, Key: "err.report.date", Args: map[string]string{"value": *a.v},
				Msg: fmt.Sprintf("%q is not a date such as 2026-09-01 (YYYY-MM-DD)", *a.v)}
		}
	}
	if from > to {
		return "", "", "", &ReportArgError{Field: "--from", Key: "err.report.span", Args: map[string]string{"from": from, "to": to},
			Msg: fmt.Sprintf("%s is after --to %s", from, to)}
	}
	switch by {
	case "":
		by = ReportByAge
	case ReportByAge, ReportByPC, ReportByChild, ReportByDay:
	default:
		return "", "", "", &ReportArgError{Field: "--by", Key: "err.report.by", Args: map[string]string{"value": by},
			Msg: fmt.Sprintf("%q: want age, pc, child or day", by)}
	}
	return from, to, by, nil
}
