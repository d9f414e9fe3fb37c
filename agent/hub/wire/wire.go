// Package wire is what a kidtime hub and the PCs that join it agree on:
// the subjects and streams, the enrolment token, the messages, and the TLS
// pinned to the hub's own certificate authority. It imports the standard
// library only, so that the daemon's side (agent/hubsync) and the hub
// (agent/hub) share it without linking each other.
//
// Subjects (H is the hub's id, P a joined PC's id):
//
//	kt.H.enrol.<NKEY>         request: a PC enrols with a token (only that NKEY may publish it)
//	kt.H.pc.P.hello           a PC says who it is and how it is (name, OS, version), at every sync
//	kt.H.pc.P.usage.<C>.<D>   a PC's rollup of child C for day D (stream KT_USAGE, last per subject)
//	kt.H.pc.P.policy          request: a PC forwards a signed policy for the hub to publish
//	kt.H.pc.P.leave           a PC leaves the hub
//	kt.H.pc.P.info            request: the hub's kind (Info), at each connect
//	kt.H.policy               the signed policy in force (stream KT_POLICY, last per subject)
//
// Every PC of a family hub reads kt.H.pc.*.usage.> (live, and a day's by a
// direct get on KT_USAGE): the family's budget is the sum over its PCs. A
// PC of a school hub reads neither (Kind).
//
// A PC's inbox is _i.P (an enrolling connection's _i.<NKEY>): no other
// connection may read it.
package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DefaultPort is the hub's port.
const DefaultPort = 4333

// Stream names.
const (
	StreamPolicy = "KT_POLICY"
	StreamUsage  = "KT_USAGE"
)

// HubID is the hub's id in subjects: the first 12 hex digits of its CA's
// fingerprint, so a PC knows it from the token alone.
func HubID(fingerprint string) string {
	if len(fingerprint) < 12 {
		return strings.ToLower(fingerprint)
	}
	return strings.ToLower(fingerprint[:12])
}

// Subjects.
func EnrolSubject(hub, nkey string) string { return "kt." + hub + ".enrol." + nkey }
func EnrolWildcard(hub string) string      { return "kt." + hub + ".enrol.*" }
func PCPrefix(hub, pc string) string       { return "kt." + hub + ".pc." + pc }
func HelloSubject(hub, pc string) string   { return PCPrefix(hub, pc) + ".hello" }
func LeaveSubject(hub, pc string) string   { return PCPrefix(hub, pc) + ".leave" }
func ForwardSubject(hub, pc string) string { return PCPrefix(hub, pc) + ".policy" }
func PolicySubject(hub string) string      { return "kt." + hub + ".policy" }
func UsageWildcard(hub string) string      { return "kt." + hub + ".pc.*.usage.>" }
func AllPCs(hub, leaf string) string       { return "kt." + hub + ".pc.*." + leaf }
func Inbox(id string) string               { return "_i." + id }
func DirectGetPolicy(hub string) string {
	return "$JS.API.DIRECT.GET." + StreamPolicy + "." + PolicySubject(hub)
}
func DirectGetPrefix() string           { return "$JS.API.DIRECT.GET." + StreamPolicy + ".>" }
func DirectGetUsage() string            { return "$JS.API.DIRECT.GET." + StreamUsage }
func UsageOfDay(hub, day string) string { return "kt." + hub + ".pc.*.usage.*." + day }
func UsageSubject(hub, pc, child, day string) string {
	return PCPrefix(hub, pc) + ".usage." + child + "." + day
}

// PCFromSubject is the PC id in a kt.H.pc.P.… subject, "" if it is none.
func PCFromSubject(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 5 || parts[0] != "kt" || parts[2] != "pc" {
		return ""
	}
	return parts[3]
}

// ChildKey is a child's id across the PCs of a hub, as the subjects and
// rollups carry it: a hash of the child's name (the same child has the
// same name on every PC of a family), never the name itself.
func ChildKey(name string) string {
	h := sha256.Sum256([]byte("kidtime child\n" + name))
	return hex.EncodeToString(h[:8])
}

var pcIDRe = regexp.MustCompile(`^[a-z0-9]{4,32}$`)

// ValidPCID reports whether id may stand as a subject token for a PC.
func ValidPCID(id string) bool { return pcIDRe.MatchString(id) }

// EnrolRequest is what a PC sends to kt.H.enrol.<NKEY>. Its nkey is the
// connection's own (the server checked it signed the nonce): the hub
// registers that public key, and the seed never leaves the PC.
type EnrolRequest struct {
	Secret  string `json:"secret"`
	Name    string `json:"name,omitempty"` // "" = the invite's name, else Host
	Host    string `json:"host"`           // the PC's host name
	OS      string `json:"os"`
	Version string `json:"version"`
}

// EnrolReply is the hub's answer.
type EnrolReply struct {
	OK    bool   `json:"ok"`
	PC    string `json:"pc,omitempty"`   // the PC's id in subjects
	Name  string `json:"name,omitempty"` // the name the hub keeps for it
	Kind  string `json:"kind,omitempty"` // KindFamily or KindSchool ("" = an older hub: school)
	Error *Error `json:"error,omitempty"`
}

// A hub is a family's or a school's (kidtimed hub run --family; school by
// default). In a family hub each PC reads the others' rollups and requests
// and sends the children's names and per-app totals (the parents' own
// data); in a school hub a PC reads only the policy and its own inbox, and
// sends neither names nor per-app totals unless the hub's signed policy
// says shareNames.
const (
	KindFamily = "family"
	KindSchool = "school"
)

// NormKind is KindFamily for "family", KindSchool for anything else
// (privacy by default).
func NormKind(k string) string {
	if k == KindFamily {
		return KindFamily
	}
	return KindSchool
}

// InfoSubject is a PC's request for the hub's Info, at each connect.
func InfoSubject(hub, pc string) string { return PCPrefix(hub, pc) + ".info" }

// Info is what the hub says of itself to a joined PC.
type Info struct {
	Kind string `json:"kind"`
}

// Error is a refusal by the hub, with the key of its sentence in the
// translations (assets, "err.hub.*") and its arguments.
type Error struct {
	Key  string            `json:"key"`
	Args map[string]string `json:"args,omitempty"`
	Msg  string            `json:"msg"`
}

func (e *Error) Error() string { return e.Msg }

// MessageKey names the sentence (api.KeyedError).
func (e *Error) MessageKey() (string, map[string]string) { return e.Key, e.Args }

// HTTPStatus is the status a local API answers this refusal with.
func (e *Error) HTTPStatus() int {
	switch e.Key {
	case "err.hub.noPC", "err.hub.notJoined":
		return 404
	case "err.hub.policyOtherKey", "err.hub.policyOlder", "err.hub.policyBadSignature",
		"err.hub.tokenUsed", "err.hub.tokenExpired", "err.hub.tokenUnknown", "err.hub.notPinned",
		"err.hub.familyLocked", "err.hub.answerForged":
		return 403
	case "err.hub.nameTaken", "err.hub.joined", "err.hub.answerLate":
		return 409
	case "err.hub.internal", "err.hub.unreachable":
		return 502
	}
	return 400
}

// Errors the hub answers with.
func ErrTokenUsed() *Error {
	return &Error{Key: "err.hub.tokenUsed", Msg: "this enrolment token was used already; ask the hub's administrator for a new one (kidtime hub invite)"}
}
func ErrTokenExpired(at time.Time) *Error {
	return &Error{Key: "err.hub.tokenExpired", Args: map[string]string{"expires": at.UTC().Format(time.RFC3339)},
		Msg: fmt.Sprintf("this enrolment token expired at %s; ask the hub's administrator for a new one (kidtime hub invite)", at.UTC().Format(time.RFC3339))}
}
func ErrTokenUnknown() *Error {
	return &Error{Key: "err.hub.tokenUnknown", Msg: "this hub does not know this enrolment token; ask the hub's administrator for a new one (kidtime hub invite)"}
}
func ErrNameTaken(name string) *Error {
	return &Error{Key: "err.hub.nameTaken", Args: map[string]string{"name": name},
		Msg: fmt.Sprintf("a PC named %q is joined to this hub already; choose another name (--name) or remove it first (kidtime hub remove)", name)}
}

// PCChild is the child key of a rollup about the PC itself (its tamper
// events that concern no one child).
const PCChild = "pc"

// Hello is what a PC says of itself every minute, and at every connect.
type Hello struct {
	Name    string    `json:"name"`
	OS      string    `json:"os"`
	Version string    `json:"version"`
	At      time.Time `json:"at"`
}

// Rollup is one child's day on one PC, cumulative: a later revision
// replaces an earlier one (the stream keeps the last per subject), and a
// message id of PC + child + day + revision lets JetStream drop a resend.
type Rollup struct {
	PC        string           `json:"pc"`
	PCName    string           `json:"pcName,omitempty"` // in a family hub
	Child     string           `json:"child"`            // ChildKey
	Name      string           `json:"name,omitempty"`   // in a family hub, or with shareNames
	Age       int              `json:"age,omitempty"`
	Day       string           `json:"day"`
	Rev       int64            `json:"rev"`
	ScreenSec int64            `json:"screenSec"`
	GamesSec  int64            `json:"gamesSec"`
	Category  map[string]int64 `json:"category,omitempty"`
	Requests  int              `json:"requests"`
	Answered  int              `json:"answered"`
	Granted   int              `json:"granted"`
	Tamper    map[string]int   `json:"tamper,omitempty"`
	At        time.Time        `json:"at"`

	// The family's budget (issue 13): each game's time (by GameKey, not
	// the program), and the time granted on this PC (it counts on every PC).
	PerGame       map[string]int64 `json:"perGame,omitempty"`
	GrantedScreen int64            `json:"grantedScreenSec,omitempty"`
	GrantedGames  int64            `json:"grantedGamesSec,omitempty"`

	// PerApp is each app's time (its display name and category), sent
	// in a family hub, or with shareNames: never window titles or paths.
	PerApp []AppTime `json:"perApp,omitempty"`

	ReportFigures
}

// AppTime is one app's time in a day's rollup.
type AppTime struct {
	Name     string `json:"name"`
	Category string `json:"category,omitempty"`
	Sec      int64  `json:"sec"`
}

// GameKey is a game's id in rollups: a hash of its identity (the same
// file on every PC), not its name or path.
func GameKey(appKey string) string {
	h := sha256.Sum256([]byte("kidtime game\n" + appKey))
	return hex.EncodeToString(h[:8])
}

// MsgID is the rollup's JetStream message id.
func (r Rollup) MsgID() string {
	return fmt.Sprintf("%s.%s.%s.%d", r.PC, r.Child, r.Day, r.Rev)
}

// PolicyReply answers a forwarded policy.
type PolicyReply struct {
	OK    bool   `json:"ok"`
	Seq   uint64 `json:"seq,omitempty"`
	Error *Error `json:"error,omitempty"`
}

// ---- The family's requests and answers across its PCs (issue 13) ----
//
//	kt.H.pc.P.req.<C>.<ID>    a time request asked on PC P (stream KT_REQ, last per subject)
//	kt.H.pc.P.answer.<Q>      request/reply: a parent at P answers a request asked on PC Q
//
// Every PC reads kt.H.pc.*.req.> (a parent at any PC sees the family's
// requests) and only kt.H.pc.*.answer.<itself>. The server lets P publish
// only under kt.H.pc.P, so the subject says which PC answered; the answer
// itself is signed with the family's parent key (FamilyKey in hubsync, from
// the PIN), which Q checks: a PC where no parent typed the PIN cannot
// forge one.

// StreamRequests keeps each PC's requests of the last two days.
const StreamRequests = "KT_REQ"

func RequestSubject(hub, pc, child string, id int64) string {
	return fmt.Sprintf("%s.req.%s.%d", PCPrefix(hub, pc), child, id)
}
func RequestsWildcard(hub string) string        { return "kt." + hub + ".pc.*.req.>" }
func DirectGetRequests() string                 { return "$JS.API.DIRECT.GET." + StreamRequests }
func AnswerSubject(hub, from, to string) string { return PCPrefix(hub, from) + ".answer." + to }
func AnswersTo(hub, to string) string           { return "kt." + hub + ".pc.*.answer." + to }

// FamilyRequest is a child's request for time as the PC it was asked on
// publishes it, answered or not (a later state replaces an earlier one).
type FamilyRequest struct {
	PC         string    `json:"pc"` // the PC it was asked on (from the subject)
	PCName     string    `json:"pcName,omitempty"`
	ID         int64     `json:"id"`    // its number on that PC
	Child      string    `json:"child"` // ChildKey
	Name       string    `json:"name,omitempty"`
	Kind       string    `json:"kind"` // screen | games
	AddSec     int64     `json:"addSec"`
	Reason     string    `json:"reason,omitempty"`
	Status     string    `json:"status"`
	GrantedSec int64     `json:"grantedSec,omitempty"`
	AnsweredBy string    `json:"answeredBy,omitempty"`
	Created    time.Time `json:"created"`
	Answered   time.Time `json:"answered,omitzero"`
}

// MsgID is the request's JetStream message id: a resend of the same state
// is dropped.
func (r FamilyRequest) MsgID() string {
	return fmt.Sprintf("%s.%d.%s.%d", r.PC, r.ID, r.Status, r.GrantedSec)
}

// Answer is a parent's answer to a request asked on another PC, signed
// with the family's parent key.
type Answer struct {
	PC      string    `json:"pc"` // the PC the request was asked on
	ID      int64     `json:"id"`
	Child   string    `json:"child"` // ChildKey
	Approve bool      `json:"approve"`
	AddSec  int64     `json:"addSec"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	// Asked is the request's creation time (FamilyRequest.Created, to the
	// millisecond): it binds the answer to that request, not to another
	// that got the same number on that PC (after a reinstall), so an
	// answer kept for a PC that was off is still taken days later, and a
	// genuine answer replayed to another request is not.
	Asked time.Time `json:"asked"`
	Key   string    `json:"key"` // base64 ed25519 public key
	Sig   string    `json:"sig"` // base64 signature of SignedBytes
}

// SignedBytes is what an answer's signature covers: the hub, the PC and
// request (its number and creation), the child, the verdict, the amount,
// who and when.
func (a Answer) SignedBytes(hub string) []byte {
	return fmt.Appendf(nil, "kidtime answer v2\n%s\n%s\n%d\n%d\n%s\n%t\n%d\n%s\n%s",
		hub, a.PC, a.ID, a.Asked.UnixMilli(), a.Child, a.Approve, a.AddSec, a.By, a.At.UTC().Format(time.RFC3339Nano))
}

// AnswerReply is the asking PC's reply to an answer.
type AnswerReply struct {
	OK      bool           `json:"ok"`
	Request *FamilyRequest `json:"request,omitempty"`
	Error   *Error         `json:"error,omitempty"`
	// Kept: the asking PC was out of reach, and the hub keeps the answer
	// (stream KT_ANS) until it connects (set by the answering PC's
	// client, never sent by the asking PC).
	Kept bool `json:"kept,omitempty"`
}

// ---- Answers kept for a PC out of reach (issue 13) ----
//
//	kt.H.pc.P.kept.<Q>.<ID>   a parent at P answered request ID of PC Q, which was out of reach (stream KT_ANS, last per subject)
//	kt.H.pc.Q.collect         request: PC Q asks the hub for the answers kept for it
//
// P publishes under its own prefix (the server says who answered); Q
// follows kt.H.pc.*.kept.<Q>.> live and, at each connect, asks the hub
// for what was kept meanwhile: the hub replies with the last message of
// each of Q's subjects only. Q checks each as a live answer, and takes it
// only while the request is pending (a second delivery is ignored).

// StreamAnswers keeps the answers for PCs out of reach, two days.
const StreamAnswers = "KT_ANS"

func KeptSubject(hub, from, to string, id int64) string {
	return fmt.Sprintf("%s.kept.%s.%d", PCPrefix(hub, from), to, id)
}
func KeptWildcard(hub string) string       { return "kt." + hub + ".pc.*.kept.>" }
func KeptTo(hub, to string) string         { return "kt." + hub + ".pc.*.kept." + to + ".>" }
func CollectSubject(hub, pc string) string { return PCPrefix(hub, pc) + ".collect" }
func KeptMsgID(from string, a Answer) string {
	return fmt.Sprintf("%s.%s.%d.%s", from, a.PC, a.ID, a.Sig)
}

// KeptAnswer is an answer kept for a PC, with the PC that gave it (from
// the subject).
type KeptAnswer struct {
	From   string `json:"from"`
	Answer Answer `json:"answer"`
}

// Kept is the hub's reply to a collect: the answers kept for the PC.
type Kept struct {
	Answers []KeptAnswer `json:"answers"`
	Error   *Error       `json:"error,omitempty"`
}
