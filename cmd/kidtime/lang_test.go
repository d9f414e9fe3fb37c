package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/apitype"
)

// errorDaemon answers every request with one error.
func errorDaemon(t *testing.T, status int, body apitype.Error) string {
	t.Helper()
	socket, l := listenStub(t)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return socket
}

func runIn(t *testing.T, lang, socket string, args ...string) (string, int) {
	t.Helper()
	t.Setenv("KIDTIME_LANG", lang)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("KIDTIME_TOKEN", "tok")
	if socket != "" {
		t.Setenv("KIDTIME_SOCKET", socket)
	}
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return errb.String(), code
}

// The CLI says errors in the person's language: its own (a duration it
// cannot read) and the daemon's, from the message key the daemon sends.
func TestErrorsAreInThePersonsLanguage(t *testing.T) {
	cases := []struct {
		sentence string
		lang     string
		status   int
		body     apitype.Error
		args     []string
		want     []string
		code     int
	}{
		{"a duration the CLI cannot read, in Vietnamese", "vi", 0, apitype.Error{},
			[]string{"limit", "An", "--screen", "3 ngày"}, []string{"--screen: “3 ngày” không phải là một khoảng thời gian", "(xem kidtime help limit)"}, 2},
		{"a wrong PIN, in Vietnamese", "vi", http.StatusForbidden,
			apitype.Error{Error: "wrong PIN", Code: apitype.CodeNotAllowed, Key: "err.pin.wrong"},
			[]string{"grant", "An", "10m"}, []string{"kidtime: Mã PIN không đúng."}, 3},
		{"the wait, said as a duration", "vi", http.StatusTooManyRequests,
			apitype.Error{Error: "too many wrong PINs; try again in 2m0s", Code: apitype.CodeRateLimited, RetryAfterSec: 120, Key: "err.rateLimited", Args: map[string]string{"waitSec": "120"}},
			[]string{"grant", "An", "10m"}, []string{"Hãy đợi 2 phút."}, 3},
		{"the five asks", "vi", http.StatusConflict,
			apitype.Error{Error: "5 requests are already waiting for an answer", Code: apitype.CodeConflict, Key: "err.ask.full", Args: map[string]string{"max": "5"}},
			[]string{"ask", "30p"}, []string{"Đã có 5 yêu cầu đang chờ trả lời."}, 1},
		{"a child that exists, in English", "en", http.StatusConflict,
			apitype.Error{Error: `conflict: a child named "An" already exists`, Code: apitype.CodeConflict, Key: "err.child.exists", Args: map[string]string{"name": "An"}},
			[]string{"child", "add", "An", "--birth-year", "2015", "--account", "an"}, []string{"A child named An already exists."}, 1},
		{"an old daemon without keys: the code's sentence and the English detail", "vi", http.StatusNotFound,
			apitype.Error{Error: `no child named "Bo"`, Code: apitype.CodeNotFound},
			[]string{"grant", "Bo", "10m"}, []string{"Không tìm thấy", `no child named "Bo"`}, 1},
		{"the field, in Vietnamese", "vi", http.StatusBadRequest,
			apitype.Error{Error: "x", Field: "birthYear", Code: apitype.CodeBadRequest, Key: "err.child.age", Args: map[string]string{"year": "1990", "age": "36", "field": "birthYear"}},
			[]string{"child", "add", "An", "--birth-year", "1990", "--account", "an"}, []string{"Sinh năm 1990 thì con 36 tuổi", "mục: birthYear"}, 1},
	}
	for _, c := range cases {
		socket := ""
		if c.status != 0 {
			socket = errorDaemon(t, c.status, c.body)
		}
		errs, code := runIn(t, c.lang, socket, c.args...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d (%s)", c.sentence, code, c.code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: stderr %q does not say %q", c.sentence, errs, w)
			}
		}
	}
}

// With --json, the error keeps its English sentence for scripts and adds
// the key and its arguments.
func TestJSONErrorsCarryTheKey(t *testing.T) {
	errs, code := runIn(t, "vi", "", "--json", "grant", "An", "lâu lắm")
	if code != 2 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var e apitype.Error
	if err := json.Unmarshal([]byte(errs), &e); err != nil {
		t.Fatalf("%v: %s", err, errs)
	}
	if e.Code != "bad_usage" || e.Key != "err.duration" || e.Args["value"] != "lâu lắm" || e.Field != "DUR" || !strings.Contains(e.Error, "not a duration") {
		t.Errorf("got %+v", e)
	}
}
