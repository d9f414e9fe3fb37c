package localapi

// Regression tests of the bugs found while writing the handler tests (each fixed; the
// comment says what was wrong).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
)

// 2^64 / 1e9 rounded up: time.Duration(n)*time.Second wraps to +290 ms.
const wrapsToPositive = 18446744074

// 2^63 / 1e9 rounded up: time.Duration(n)*time.Second wraps to negative.
const wrapsToNegative = 9223372037

// Was a bug (requests.go grant/ask/answer, heartbeat): the bounds on addSec and
// idleSec are checked after time.Duration(x)*time.Second, which overflows
// int64 for x > 9223372036: a huge addSec passes the check. Fix: compare
// the seconds before multiplying, e.g.
//
//	if req.AddSec <= 0 || req.AddSec > int64(maxGrant/time.Second) { ... }
//
// (same for maxGrantOnSpot, maxAsk, the answer's bound, and an upper bound
// on idleSec).
func TestRegressionSecondsOverflow(t *testing.T) {
	cases := []struct {
		sentence string
		c        caller
		method   string
		path     string
		body     string
	}{
		{"a grant of 18 billion seconds is refused (it grants 59m59.29s today)", asParent, "POST", "/v1/grant",
			fmt.Sprintf(`{"child":"An","kind":"screen","addSec":%d}`, wrapsToPositive+3599)},
		{"a request for 9 billion seconds names addSec (today: the store's field amount)", asChild, "POST", "/v1/requests",
			fmt.Sprintf(`{"kind":"screen","addSec":%d}`, wrapsToNegative)},
		{"a request for 18 billion seconds is refused (today: a request for 10m0.29s is stored)", asChild, "POST", "/v1/requests",
			fmt.Sprintf(`{"kind":"screen","addSec":%d}`, wrapsToPositive+600)},
		{"an answer granting 9 billion seconds names addSec (today: the store's field granted)", asParent, "POST", "/v1/requests/1/answer",
			fmt.Sprintf(`{"approve":true,"addSec":%d}`, wrapsToNegative)},
		{"a heartbeat idle for 9 billion seconds is refused (today: a negative idle time reaches the witness)", asChild, "POST", "/v1/heartbeat",
			fmt.Sprintf(`{"idleSec":%d}`, wrapsToNegative)},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			hs := newHarness(t, options{})
			hs.ask(asChild)
			r := hs.do(tc.c, tc.method, tc.path, tc.body)
			field := "addSec"
			if strings.Contains(tc.path, "heartbeat") {
				field = "idleSec"
			}
			if r.Status != http.StatusBadRequest || r.Err.Field != field {
				t.Errorf("%s; want 400 naming %s", r, field)
			}
		})
	}
}

// Was a bug (reports.go usage, line ~51): with only `to` given, `from` defaults
// to `to` before either is checked, so a bad `to` is reported as field
// "from". Fix: check `to` (time.Parse) before `from = to`, as sessions
// does.
func TestRegressionUsageBadToNamesFrom(t *testing.T) {
	hs := newHarness(t, options{})
	r := hs.do(asParent, "GET", "/v1/usage?child=An&to=2025-13-01", nil)
	if r.Status != http.StatusBadRequest || r.Err.Field != "to" {
		t.Errorf("%s; want 400 naming to", r)
	}
}

// Was a bug (requests.go heartbeat): a display name over 128 bytes is reported
// as field "session". Fix: check each with its own field name.
func TestRegressionHeartbeatDisplayNamesSession(t *testing.T) {
	hs := newHarness(t, options{})
	r := hs.do(asChild, "POST", "/v1/heartbeat", apitype.Heartbeat{Display: strings.Repeat("d", 129)})
	if r.Status != http.StatusBadRequest || r.Err.Field != "display" {
		t.Errorf("%s; want 400 naming display", r)
	}
}

// Was a bug (agent/api/api.go Decode, "if dec.More()"): Decoder.More reports
// false when the next byte is ']' or '}', so a body followed by stray
// closing brackets is taken: `{"pin":"246810"}]]}}` logs in. Fix: after
// Decode, require the end of the body:
//
//	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
//		return BadRequest("", "trailing data after the JSON object")
//	}
func TestRegressionDecodeTakesTrailingBrackets(t *testing.T) {
	hs := newHarness(t, options{})
	r := hs.do(asMum, "POST", "/v1/login", `{"pin":"246810"}]]}}`)
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Err.Error, "trailing data") {
		t.Errorf("%s; want 400 trailing data", r)
	}
}

// Was a bug (agent/api/api.go ServeHTTP): for a path that is not clean
// (/v1//status, /v1/./status, /v1/x/../status) s.mux.Handler returns the
// cleaned route's pattern, so ServeHTTP hands the request to the mux,
// which answers with its own 307/301 redirect and an HTML body: not the
// JSON the API promises (found by FuzzRoutes). Fix: in ServeHTTP, before
// routing,
//
//	if p := path.Clean(r.URL.Path); p != r.URL.Path {
//		WriteError(w, NotFound("no such route: %s %s (did you mean %s?)", r.Method, r.URL.Path, p))
//		return
//	}
func TestRegressionUncleanPathAnswersHTML(t *testing.T) {
	hs := newHarness(t, options{})
	for _, p := range []string{"/v1//status", "/v1/./status", "/v1/x/../status"} {
		r := hs.do(asChild, "GET", p, nil)
		if !json.Valid(r.Body) || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %q (%s); want a JSON answer", p, r.Status, r.Body, r.Header.Get("Content-Type"))
		}
	}
}
