// Package apitype holds the JSON wire types and route names of kidtimed's
// local API, shared by the server (agent/api), the typed client
// (agent/client), the CLI and the Fyne app.
//
// The API is HTTP/1.1 with JSON bodies over a local socket (a Unix socket on
// Linux and macOS, a named pipe on Windows). Every caller is identified by the
// operating system, never by what it claims. Durations travel as whole
// seconds in fields ending in "Sec"; times as RFC 3339 strings; days as
// local dates "YYYY-MM-DD".
//
// This package imports only the standard library (and may import rules).
package apitype

import "time"

// Version is the API version; routes are prefixed with "/v1".
const Version = "v1"

// Roles, from the least to the most trusted. See DESIGN.md §7.
const (
	RoleOther  = "other"  // any local user: health and own status only
	RoleChild  = "child"  // an OS account that a child claims: own status, usage, requests, heartbeats
	RoleParent = "parent" // a caller holding a token obtained with the PIN
	RoleAdmin  = "admin"  // root, kidtime-admin group, the daemon's own uid
)

// Routes. Methods are given in the comments; each route has one required role
// (the server's route table enforces it before the handler runs).
const (
	RouteHealth    = "/v1/health"    // GET  other  -> Health
	RouteStatus    = "/v1/status"    // GET  other  -> Status (children visible to the caller)
	RouteSetup     = "/v1/setup"     // POST admin  SetupRequest -> LoginResponse (first PIN only)
	RouteLogin     = "/v1/login"     // POST other (not a child) LoginRequest -> LoginResponse ; DELETE: revoke the caller's token
	RoutePIN       = "/v1/pin"       // POST parent ChangePINRequest -> OK
	RouteChildren  = "/v1/children"  // GET parent -> []Child ; POST parent AddChildRequest -> Child
	RouteChild     = "/v1/children/" // + NAME: DELETE parent ; + NAME/policy: GET child(own)/parent, PUT parent (rules.ChildSpec JSON)
	RoutePolicy    = "/v1/policy"    // GET parent -> rules.File JSON ; PUT parent rules.File JSON -> OK
	RouteGrant     = "/v1/grant"     // POST parent (or child with a valid parent code) GrantRequest -> OK
	RouteRequests  = "/v1/requests"  // GET child(own)/parent -> []Request ; POST child AskRequest -> Request
	RouteAnswer    = "/v1/requests/" // + ID/answer: POST parent AnswerRequest -> Request
	RouteUsage     = "/v1/usage"     // GET child(own)/parent ?child=&from=&to=&by=day|app|category -> Usage
	RouteEvents    = "/v1/events"    // GET parent ?since=RFC3339|DUR&child= -> []Event
	RouteApps      = "/v1/apps"      // GET parent ?child=&days=7 -> []AppUsage
	RouteCode      = "/v1/code"      // GET parent -> Code (current parent code) ; POST parent -> CodeSetup (new secret, shown once)
	RouteHeartbeat = "/v1/heartbeat" // POST child (own session only) Heartbeat -> ChildStatus
	RouteAction    = "/v1/action"    // POST parent ActionRequest -> OK (lock now, pause games today)
	RouteExport    = "/v1/export"    // GET parent ?child= -> the store's JSON export
	RouteErase     = "/v1/erase"     // POST parent EraseRequest -> OK
	RouteSettings  = "/v1/settings"  // GET parent -> Settings ; PUT parent Settings -> Settings
	RouteAccounts  = "/v1/accounts"  // GET parent -> []Account (the machine's OS accounts, for "add a child") ; POST admin NewAccountRequest -> Account (a standard account made for a child)
)

// Error is the body of every 4xx/5xx answer.
type Error struct {
	Error string `json:"error"`           // a sentence saying what was wrong
	Field string `json:"field,omitempty"` // the offending field path, when one is to blame
	Code  string `json:"code"`            // machine-readable: bad_request, not_allowed, not_found, conflict, rate_limited, internal
	// RetryAfterSec is set with rate_limited: how long to wait before the next try.
	RetryAfterSec int64 `json:"retryAfterSec,omitempty"`
	// Key names the sentence in the translations (assets/translations/cli,
	// "err.*"), for clients to say it in the person's language; Args fill
	// its {placeholders}. An argument whose name ends in "Sec" is a number
	// of seconds, said as a duration ("2 phút"). Error stays the English
	// sentence for old clients and scripts. Both are absent when the daemon
	// has no sentence for the error (clients then fall back on Code).
	Key  string            `json:"key,omitempty"`
	Args map[string]string `json:"args,omitempty"`
}

// Error codes.
const (
	CodeBadRequest  = "bad_request"
	CodeNotAllowed  = "not_allowed"
	CodeNotFound    = "not_found"
	CodeConflict    = "conflict"
	CodeRateLimited = "rate_limited"
	CodeInternal    = "internal"
)

// OK is the body of answers that carry nothing else.
type OK struct {
	OK bool `json:"ok"`
}

// Health answers RouteHealth.
type Health struct {
	OK      bool      `json:"ok"`
	Version string    `json:"version"`
	Now     time.Time `json:"now"`
	Role    string    `json:"role"`  // the caller's role as the daemon sees it
	User    string    `json:"user"`  // the caller's OS account
	Setup   bool      `json:"setup"` // a PIN has been set
}

// Status answers RouteStatus.
type Status struct {
	Now      time.Time     `json:"now"`
	Day      string        `json:"day"` // the trusted local day
	Role     string        `json:"role"`
	User     string        `json:"user"`
	Setup    bool          `json:"setup"`
	Children []ChildStatus `json:"children"`
	Help     []Contact     `json:"help"` // always includes the national hotline 111
	// Pending is the number of requests waiting for an answer (parents only).
	Pending int `json:"pending"`
	// SchoolKey is the ID of the school key this computer's policy must be
	// signed with (rules.KeyID), "" when it follows no school key.
	SchoolKey string `json:"schoolKey"`
	// ParentCode: a parent has set up the parent code (its secret was shown
	// for an authenticator app), so a child may be given time with one.
	ParentCode bool `json:"parentCode,omitempty"`
	// Hub is the hub this PC joined (kidtime join); absent when none.
	Hub *HubStatus `json:"hub,omitempty"`
}

// Contact is a help line shown to children; never blocked.
type Contact struct {
	Name   string `json:"name"`
	Number string `json:"number"`
	Note   string `json:"note,omitempty"`
}

// States of a child, from rules.Decision.
const (
	StateOK      = "ok"
	StateWarn    = "warn"
	StateGrace   = "grace"
	StateBlocked = "blocked"
	// StateElsewhere is a child known only on the family's other PCs (a
	// family hub): this PC does not decide for them.
	StateElsewhere = "elsewhere"
)

// ChildStatus is one child's day as the agent sees it now.
type ChildStatus struct {
	Name string `json:"name"`
	// DefaultProfile: an account no parent named as a child (Name is the
	// account's), held by the default profile.
	DefaultProfile bool     `json:"defaultProfile,omitempty"`
	Accounts       []string `json:"accounts"`
	Age            int      `json:"age"`
	State          string   `json:"state"`     // ok | warn | grace | blocked
	Reason         string   `json:"reason"`    // machine-readable reason of the state (rules)
	ReasonKey      string   `json:"reasonKey"` // translation key of the human sentence
	Active         bool     `json:"active"`    // at the PC now (a session counted as active)

	ScreenUsedSec  int64 `json:"screenUsedSec"`
	ScreenLeftSec  int64 `json:"screenLeftSec"`
	ScreenLimitSec int64 `json:"screenLimitSec"` // today's budget including grants
	GamesUsedSec   int64 `json:"gamesUsedSec"`
	GamesLeftSec   int64 `json:"gamesLeftSec"`
	GamesLimitSec  int64 `json:"gamesLimitSec"`

	// NextChange is when the decision changes next (a warning, a window edge, the end).
	NextChange time.Time `json:"nextChange,omitzero"`
	// BackAt is when time comes back when blocked (the next allowed window or midnight).
	BackAt time.Time `json:"backAt,omitzero"`
	// LockRequested asks the child's companion to lock the screen now (a
	// parent's "lock now" where no login manager can lock it).
	LockRequested bool `json:"lockRequested,omitempty"`
	// LogoutAt is when a child who may not use the PC now, and is still at
	// it, will be logged out (the lock did not take, or was only asked of
	// the companion).
	LogoutAt time.Time `json:"logoutAt,omitzero"`
	// GamesPaused is set when a parent paused games for today.
	GamesPaused bool `json:"gamesPaused,omitempty"`
	// Foreground is the app in front, when the companion reports it.
	Foreground string `json:"foreground,omitempty"`
	// CompanionSeen is the last heartbeat from the child's companion.
	CompanionSeen time.Time `json:"companionSeen,omitzero"`
	// AppStopped is the last program stopped for a parent's yes (today).
	AppStopped *AppStopped `json:"appStopped,omitempty"`
	// Web is the child's safe web (issue 14).
	Web *WebStatus `json:"web,omitempty"`

	// The family's other PCs (a family hub, issue 13). Elsewhere: a child
	// known only there (State is StateElsewhere, the used times are the
	// sums of their rollups of today, no limits: those PCs decide). PCs
	// names the other PCs where the child was seen today. PerApp is each
	// app's time there (an elsewhere child only).
	Elsewhere bool      `json:"elsewhere,omitempty"`
	PCs       []string  `json:"pcs,omitempty"`
	PerApp    []AppTime `json:"perApp,omitempty"`
}

// AppTime is one app's time in a day (its display name and category).
type AppTime struct {
	Name     string `json:"name"`
	Category string `json:"category,omitempty"`
	Sec      int64  `json:"sec"`
}

// WebStatus is a child's safe web now: the filter level, SafeSearch, and
// how many lookups were blocked today (counts only, never which sites).
type WebStatus struct {
	Filter       string `json:"filter"` // off | light | standard | strict | allowlist
	SafeSearch   bool   `json:"safeSearch"`
	BlockedToday int64  `json:"blockedToday"`
	// ByCategory splits BlockedToday: adult, gambling, ..., deny (the
	// parent's list), allowlist (not on the allow-list).
	ByCategory map[string]int64 `json:"byCategory,omitempty"`
	// Active is false when the filter is not enforced on this PC (the
	// firewall refused, nothing to filter, or, on Windows, where the whole
	// machine's resolver follows the console, the child is not the one at
	// the console).
	Active bool `json:"active"`
	// Closed: kidtime has no resolver for this child (no port left, or
	// their port could not be opened), so their lookups are refused
	// outright: websites do not open, and nothing goes unfiltered.
	Closed bool `json:"closed,omitempty"`
}

// SetupRequest sets the first PIN (admin only, once).
type SetupRequest struct {
	PIN string `json:"pin"`
}

// LoginRequest exchanges the PIN for a parent token.
type LoginRequest struct {
	PIN string `json:"pin"`
}

// LoginResponse carries a parent token; send it as "Authorization: Bearer TOKEN".
type LoginResponse struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
}

// ChangePINRequest changes the PIN.
type ChangePINRequest struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// Child is a child as stored.
type Child struct {
	Name      string   `json:"name"`
	BirthYear int      `json:"birthYear"`
	Accounts  []string `json:"accounts"`
	Age       int      `json:"age"`
	// DefaultProfile: an account no parent named as a child, held by the
	// default profile (its name is the account's).
	DefaultProfile bool `json:"defaultProfile,omitempty"`
	// Elsewhere: a child known only on the family's other PCs (a family
	// hub), named in PCs; their rules are set there, not here. PCs also
	// names the other PCs where a child of this PC was seen today.
	Elsewhere bool     `json:"elsewhere,omitempty"`
	PCs       []string `json:"pcs,omitempty"`
}

// AddChildRequest adds a child with the age preset (unless Preset says otherwise).
type AddChildRequest struct {
	Name      string   `json:"name"`
	BirthYear int      `json:"birthYear"`
	Accounts  []string `json:"accounts"`
	Preset    string   `json:"preset,omitempty"` // "auto" (default) or "age:N"
}

// Kinds of time.
const (
	KindScreen = "screen"
	KindGames  = "games"
	// KindApp is a request for a program, not for time: a program the
	// child obtained waits for a parent's yes (policy field approveNew).
	KindApp = "app"
)

// GrantRequest gives a child more time today. A child's own session may send
// it with Code, the parent code from the parent's authenticator app, or PIN.
type GrantRequest struct {
	Child  string `json:"child"`
	Kind   string `json:"kind"` // screen | games
	AddSec int64  `json:"addSec"`
	Code   string `json:"code,omitempty"`
	PIN    string `json:"pin,omitempty"`
}

// AskRequest is a child asking for more time.
type AskRequest struct {
	Kind   string `json:"kind"` // screen | games
	AddSec int64  `json:"addSec"`
	Reason string `json:"reason,omitempty"`
}

// Request is a child's ask as stored.
type Request struct {
	ID         int64     `json:"id"`
	Child      string    `json:"child"`
	Kind       string    `json:"kind"`
	AddSec     int64     `json:"addSec"`
	Reason     string    `json:"reason,omitempty"`
	Status     string    `json:"status"` // StatusPending | StatusApproved | StatusDenied
	GrantedSec int64     `json:"grantedSec,omitempty"`
	AnsweredBy string    `json:"answeredBy,omitempty"`
	Created    time.Time `json:"created"`
	Answered   time.Time `json:"answered,omitzero"`
	// App is the program a request of kind "app" is for.
	App *RequestApp `json:"app,omitempty"`
	// PC is the PC of the family it was asked on, when another (issue 13).
	PC string `json:"pc,omitempty"`
	// Kept, in the reply to an answer to another PC's request: that PC
	// is out of reach, and the hub keeps the answer until it connects
	// (the request stays pending till then).
	Kept bool `json:"kept,omitempty"`
}

// RequestApp is the program a request of kind "app" is for.
type RequestApp struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Key is the program's identity (today its SHA-256): the answer stays
	// with it, wherever the file goes and whatever its name.
	Key string `json:"key"`
}

// AppStopped is the last program of the child's stopped at its start
// because it waits for a parent's yes (or was refused).
type AppStopped struct {
	Name string `json:"name"`
	// Status is "pending" (the parents were asked), "denied" (a parent
	// said no) or "full" (too many programs wait already; not asked).
	Status string `json:"status"`
	// At is when it was first stopped in a row of tries.
	At time.Time `json:"at"`
}

// Request statuses.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusDenied   = "denied"
)

// ValidStatus reports whether s is a request status ("" means any).
func ValidStatus(s string) bool {
	switch s {
	case "", StatusPending, StatusApproved, StatusDenied:
		return true
	}
	return false
}

// AnswerRequest approves (with AddSec, 0 = what was asked) or denies a request.
type AnswerRequest struct {
	Approve bool  `json:"approve"`
	AddSec  int64 `json:"addSec,omitempty"`
}

// Usage answers RouteUsage.
type Usage struct {
	Child string     `json:"child"`
	From  string     `json:"from"`
	To    string     `json:"to"`
	By    string     `json:"by"` // day | app | category
	Rows  []UsageRow `json:"rows"`
}

// UsageRow is one line of a usage report.
type UsageRow struct {
	Key       string `json:"key"` // the day, the app's name or the category
	ScreenSec int64  `json:"screenSec"`
	GamesSec  int64  `json:"gamesSec"`
	// By app only: the program's path, content hash and category ("" =
	// not classified), so a row without a name shows its file name and an
	// unclassified one can be classified on the spot.
	Path     string `json:"path,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Category string `json:"category,omitempty"`
}

// AppUsage is an app the child actually used, for the console's app rules.
type AppUsage struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
	Category string `json:"category"`
	Rule     string `json:"rule,omitempty"` // the parent's rule for it, if any
	UsedSec  int64  `json:"usedSec"`        // over the asked period
}

// Event is one entry of the append-only event log.
type Event struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Child  string         `json:"child,omitempty"`
	Kind   string         `json:"kind"`
	Tamper bool           `json:"tamper,omitempty"` // a tamper signal the parent should look at
	Detail map[string]any `json:"detail,omitempty"`
}

// Code answers GET RouteCode.
type Code struct {
	Code       string    `json:"code"`
	ValidUntil time.Time `json:"validUntil"`
}

// CodeSetup answers POST RouteCode: the new TOTP secret, shown once.
type CodeSetup struct {
	Secret string `json:"secret"`
	URL    string `json:"url"` // otpauth:// URL for a QR code
}

// Heartbeat is sent by the companion in a child's session every few seconds.
type Heartbeat struct {
	Session    string `json:"session,omitempty"` // XDG_SESSION_ID or display
	Display    string `json:"display,omitempty"`
	IdleSec    int64  `json:"idleSec"`
	Locked     bool   `json:"locked"`
	ForePID    int    `json:"forePid,omitempty"`
	Fullscreen bool   `json:"fullscreen,omitempty"`
}

// Actions a parent can take on the spot.
const (
	ActionLock       = "lock"
	ActionPauseGames = "pause-games"
	ActionResume     = "resume-games"
)

// ActionRequest is a parent's action on a child.
type ActionRequest struct {
	Child  string `json:"child"`
	Action string `json:"action"`
}

// EraseRequest erases everything stored about one child.
type EraseRequest struct {
	Child string `json:"child"`
}

// Settings are the daemon's parent-settable options.
type Settings struct {
	DetailRetentionDays int       `json:"detailRetentionDays"`
	RollupRetentionDays int       `json:"rollupRetentionDays"`
	Language            string    `json:"language,omitempty"` // "", "vi" or "en"
	Help                []Contact `json:"help"`
	// WebDetail keeps the names of children's blocked lookups (never the
	// allowed ones); off by default: parents see counts per category.
	WebDetail bool `json:"webDetail,omitempty"`
}

// Account is an OS account of the machine.
type Account struct {
	Name string `json:"name"`
	// FullName is the person's name the system keeps (GECOS on Unix), when
	// it has one.
	FullName string `json:"fullName,omitempty"`
	UID      uint32 `json:"uid"`
	Admin    bool   `json:"admin"`           // root, sudo/wheel/admin/kidtime-admin: never a child
	Child    string `json:"child,omitempty"` // the child who claims it, if any
	// DefaultProfile: no child claims it and the default profile holds it
	// (a parent may still give it to a child).
	DefaultProfile bool `json:"defaultProfile,omitempty"`
}

// NewAccountRequest makes a standard OS account for a child (the parent
// confirmed it): a login name of lowercase letters without accents, digits,
// - and _ (at most 20, starting with a letter), the name shown at the login
// screen, and the first password (at least 4 characters).
type NewAccountRequest struct {
	Name     string `json:"name"`
	FullName string `json:"fullName,omitempty"`
	Password string `json:"password"`
}

// Sessions route.
const (
	RouteSessions = "/v1/sessions" // GET child(own)/parent ?child=&from=&to= -> Sessions
)

// Installed apps route.
const (
	RouteInstalled = "/v1/installed" // GET parent -> []InstalledApp
)

// InstalledApp is an app installed on the computer (its .desktop file),
// for rules set before the child runs it: a rule names it by the file
// names of its programs.
type InstalledApp struct {
	Name     string   `json:"name"`
	Programs []string `json:"programs"`
	Category string   `json:"category"` // game | education | other | …
}

// The safe web's routes (issue 14).
const (
	// RouteWebLists: GET parent -> WebLists ; POST parent
	// ?category=CAT&source=FILE|URL with the list's text as the body (at
	// most 64 MB; hosts file, plain domains or ||domain^ lines) -> WebImport.
	RouteWebLists = "/v1/web/lists"
	// MaxWebImport is the largest list an import sends (a million names in
	// a hosts file is about 35 MB).
	MaxWebImport = 64 << 20
)

// WebList is one installed list of domains.
type WebList struct {
	Name     string    `json:"name"`
	Category string    `json:"category"`
	Domains  int       `json:"domains"`
	Source   string    `json:"source"`
	Updated  time.Time `json:"updated,omitzero"` // when it was imported; zero for the lists kidtime ships
	Shipped  bool      `json:"shipped"`
}

// WebLists answers GET RouteWebLists.
type WebLists struct {
	Lists []WebList `json:"lists"`
	// Active is false when this PC cannot filter children's DNS.
	Active bool `json:"active"`
}

// WebImport answers POST RouteWebLists: the list installed and what was
// read.
type WebImport struct {
	List    WebList `json:"list"`
	Skipped int     `json:"skipped"` // lines that named no domain
}

// Sessions answers RouteSessions: the child's stretches of screen use over
// the days from..to (inclusive), sorted by start.
type Sessions struct {
	Child    string       `json:"child"`
	From     string       `json:"from"`
	To       string       `json:"to"`
	Sessions []SessionRow `json:"sessions"`
}

// SessionRow is one session: screen intervals less than a few minutes apart,
// joined. LateNight is set when some of it fell between 21:00 and 06:00.
type SessionRow struct {
	Day       string    `json:"day"` // the day it started
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	ScreenSec int64     `json:"screenSec"` // screen time inside it, the gaps left out
	GamesSec  int64     `json:"gamesSec"`
	LateNight bool      `json:"lateNight,omitempty"`
}
