package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/auth"
)

// settings are the store's settings table, in memory.
type settings struct {
	mu sync.Mutex
	m  map[string][]byte
}

var errNoSetting = errors.New("no such setting")

func (s *settings) Setting(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return nil, errNoSetting
	}
	return append([]byte(nil), v...), nil
}

func (s *settings) SetSetting(_ context.Context, key string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = append([]byte(nil), v...)
	return nil
}

type guardEvent struct {
	child, kind string
	detail      map[string]any
}

type recorder struct {
	mu  sync.Mutex
	got []guardEvent
}

func (r *recorder) Record(_ context.Context, child, kind string, detail map[string]any) {
	r.mu.Lock()
	r.got = append(r.got, guardEvent{child, kind, detail})
	r.mu.Unlock()
}

func (r *recorder) of(kind string) []guardEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []guardEvent
	for _, e := range r.got {
		if e.kind == kind {
			out = append(out, e)
		}
	}
	return out
}

const goodPIN = "246810"

var (
	mum = auth.Who{UID: 50002, User: "mum"}
	dad = auth.Who{UID: 50003, User: "dad"}
	kid = auth.Who{UID: 50001, User: "kid", Child: "An"}
)

type guardWorld struct {
	clk *fakeClock
	st  *settings
	rec *recorder
	g   *auth.Guard
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newGuardWorld is a guard over empty settings; with setup, dad has set
// the PIN (and the parent-code secret).
func newGuardWorld(t *testing.T, setup bool) *guardWorld {
	t.Helper()
	w := &guardWorld{clk: newClock(), st: &settings{m: map[string][]byte{}}, rec: &recorder{}}
	w.g = auth.NewGuard(context.Background(), w.st, w.rec, quiet, w.clk.Now)
	if setup {
		if _, _, err := w.g.Setup(context.Background(), dad, goodPIN); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// again is a new guard over the same settings (the agent restarted).
func (w *guardWorld) again() {
	w.g = auth.NewGuard(context.Background(), w.st, w.rec, quiet, w.clk.Now)
}

func TestGuardSetupOnce(t *testing.T) {
	t.Parallel()
	w := newGuardWorld(t, false)
	ctx := context.Background()
	if w.g.PINSet(ctx) {
		t.Fatal("a fresh guard has a PIN")
	}
	if _, _, err := w.g.Login(ctx, mum, goodPIN); !errors.Is(err, auth.ErrNoPIN) {
		t.Errorf("login before setup: %v; want ErrNoPIN", err)
	}
	if _, _, err := w.g.Code(ctx); !errors.Is(err, auth.ErrNoCode) {
		t.Errorf("code before setup: %v; want ErrNoCode", err)
	}
	if err := w.g.CheckCode(ctx, kid, "123456"); !errors.Is(err, auth.ErrNoCode) {
		t.Errorf("a code checked before setup: %v; want ErrNoCode", err)
	}
	steps := []struct {
		sentence string
		pin      string
		err      error // nil, auth.ErrPINSet, or errInvalid for an *InvalidPINError
	}{
		{"a weak first PIN is refused", "1234", errInvalid},
		{"the first good PIN is set", goodPIN, nil},
		{"a second setup is refused, even with the same PIN", goodPIN, auth.ErrPINSet},
		{"a second setup is refused with another PIN", "135790", auth.ErrPINSet},
	}
	for _, st := range steps {
		tok, exp, err := w.g.Setup(ctx, dad, st.pin)
		checkErr(t, st.sentence, err, st.err)
		if st.err == nil {
			if !w.g.Parent(tok, dad.UID) || !exp.After(w.clk.Now()) {
				t.Errorf("%s: the token is not dad's live token (expires %v)", st.sentence, exp)
			}
			if !w.g.PINSet(ctx) {
				t.Errorf("%s: no PIN after setup", st.sentence)
			}
			if code, _, err := w.g.Code(ctx); err != nil || len(code) != 6 {
				t.Errorf("%s: parent code %q %v; want one made by setup", st.sentence, code, err)
			}
		}
	}
	if evs := w.rec.of("setup"); len(evs) != 1 || evs[0].detail["by"] != "dad" {
		t.Errorf("setup events %+v; want one by dad", evs)
	}
	if _, _, err := w.g.Login(ctx, dad, "135790"); !errors.Is(err, auth.ErrWrongPIN) {
		t.Errorf("the refused second PIN logs in: %v", err)
	}
}

// errInvalid stands for an *auth.InvalidPINError in a table.
var errInvalid = errors.New("invalid PIN")

func checkErr(t *testing.T, sentence string, err, want error) {
	t.Helper()
	var ie *auth.InvalidPINError
	switch {
	case want == errInvalid:
		if !errors.As(err, &ie) || ie.Err == nil || ie.Error() == "" {
			t.Errorf("%s: %v (%T); want an *InvalidPINError", sentence, err, err)
		}
	case want == nil:
		if err != nil {
			t.Errorf("%s: %v", sentence, err)
		}
	case !errors.Is(err, want):
		t.Errorf("%s: %v; want %v", sentence, err, want)
	}
}

func TestGuardWeakPINs(t *testing.T) {
	t.Parallel()
	w := newGuardWorld(t, true)
	cases := []struct {
		sentence string
		pin      string
	}{
		{"five digits", "12345"},
		{"one digit repeated", "777777"},
		{"a straight run up", "123456"},
		{"a straight run down", "987654"},
		{"a short passphrase", "abc1234"},
		{"a PIN with a leading space", " 2468101"},
		{"an empty PIN", ""},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			err := w.g.ChangePIN(context.Background(), mum, goodPIN, tc.pin)
			checkErr(t, "ChangePIN to "+tc.sentence, err, errInvalid)
		})
	}
	if _, _, err := w.g.Login(context.Background(), mum, goodPIN); err != nil {
		t.Errorf("the PIN changed after refused changes: %v", err)
	}
}

// TestGuardWrongPINsSlowed follows the limiter (limiter.go): FreeFailures
// wrong PINs are only refused; then each try waits, per account.
func TestGuardWrongPINsSlowed(t *testing.T) {
	t.Parallel()
	w := newGuardWorld(t, true)
	ctx := context.Background()
	steps := []struct {
		sentence string
		who      auth.Who
		pin      string
		after    time.Duration
		want     error         // nil, ErrWrongPIN or a *WaitError (wait below)
		wait     time.Duration // the WaitError's wait
	}{
		{"a first wrong PIN is refused", mum, "135790", 0, auth.ErrWrongPIN, 0},
		{"a second wrong PIN is refused", mum, "135791", 0, auth.ErrWrongPIN, 0},
		{"a third wrong PIN is refused", mum, "135792", 0, auth.ErrWrongPIN, 0},
		{"a fourth try at once waits the first delay, even with the right PIN", mum, goodPIN, 0, nil, auth.FirstDelay},
		{"half-way through the wait, the rest is to wait", mum, goodPIN, auth.FirstDelay / 2, nil, auth.FirstDelay / 2},
		{"another account is not slowed", dad, goodPIN, 0, nil, 0},
		{"after the delay a fourth wrong PIN is refused", mum, "135793", auth.FirstDelay / 2, auth.ErrWrongPIN, 0},
		{"then the delay doubles", mum, goodPIN, time.Second, nil, 2*auth.FirstDelay - time.Second},
		{"after it the right PIN is taken", mum, goodPIN, 2 * auth.FirstDelay, nil, 0},
		{"the success forgot the failures", mum, "135790", 0, auth.ErrWrongPIN, 0},
	}
	for _, st := range steps {
		w.clk.Add(st.after)
		err := w.g.CheckPIN(ctx, st.who, st.pin)
		var we *auth.WaitError
		switch {
		case st.wait > 0:
			if !errors.As(err, &we) || we.Wait != st.wait || we.What != "PINs" {
				t.Errorf("%s: %v; want a wait of %v for PINs", st.sentence, err, st.wait)
			}
		case st.want != nil:
			if !errors.Is(err, st.want) {
				t.Errorf("%s: %v; want %v", st.sentence, err, st.want)
			}
		case err != nil:
			t.Errorf("%s: %v", st.sentence, err)
		}
	}
	fails := w.rec.of("pin_failed")
	if len(fails) != 5 {
		t.Fatalf("%d pin_failed events; want 5 (waits are not checks)", len(fails))
	}
	for i, want := range []struct {
		n    int
		wait int64
	}{{1, 0}, {2, 0}, {3, 1}, {4, 2}, {1, 0}} {
		d := fails[i].detail
		if d["failures"] != want.n || d["nextWaitSec"] != want.wait || d["user"] != "mum" || d["uid"] != mum.UID {
			t.Errorf("pin_failed %d: %+v; want failures %d, next wait %d s, by mum", i+1, d, want.n, want.wait)
		}
	}
}

// TestGuardLimiterSurvivesRestart: killing the agent does not reset the
// count of wrong PINs.
func TestGuardLimiterSurvivesRestart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		sentence string
		wrong    int
		success  bool // the right PIN after the wrong ones (after the wait)
		waits    bool // the first try after the restart waits
	}{
		{"three wrong PINs still slow the next try after a restart", 3, false, true},
		{"two wrong PINs do not", 2, false, false},
		{"a success before the restart cleared them", 3, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			w := newGuardWorld(t, true)
			ctx := context.Background()
			for i := range tc.wrong {
				if err := w.g.CheckPIN(ctx, kid, fmt.Sprintf("13579%d", i)); !errors.Is(err, auth.ErrWrongPIN) {
					t.Fatalf("wrong PIN %d: %v", i+1, err)
				}
			}
			if tc.success {
				w.clk.Add(auth.FirstDelay)
				if err := w.g.CheckPIN(ctx, kid, goodPIN); err != nil {
					t.Fatal(err)
				}
			}
			w.again()
			err := w.g.CheckPIN(ctx, kid, goodPIN)
			var we *auth.WaitError
			if got := errors.As(err, &we); got != tc.waits {
				t.Errorf("after the restart: %v; want a wait: %v", err, tc.waits)
			}
		})
	}
}

// TestGuardCheckCode: a parent code is taken once, and guesses are slowed.
func TestGuardCheckCode(t *testing.T) {
	t.Parallel()
	w := newGuardWorld(t, true)
	ctx := context.Background()
	code := func() string {
		c, valid, err := w.g.Code(ctx)
		if err != nil || !valid.After(w.clk.Now()) {
			t.Fatalf("Code: %q %v %v", c, valid, err)
		}
		return c
	}
	first := code()
	steps := []struct {
		sentence string
		code     string
		after    time.Duration
		want     error // nil, ErrWrongCode, or errWait
	}{
		{"the current code is taken", first, 0, nil},
		{"its replay is refused", first, 0, auth.ErrWrongCode},
		{"its replay a little later is refused", first, 20 * time.Second, auth.ErrWrongCode},
		{"the next period's code is taken", "next", 20 * time.Second, nil},
		{"a code with spaces around is taken (trimmed)", " next ", auth.CodePeriod, nil},
		{"a wrong code is refused", "000000", auth.CodePeriod, auth.ErrWrongCode},
		{"letters are refused", "abcdef", 0, auth.ErrWrongCode},
		{"a third wrong code is refused", "00000", 0, auth.ErrWrongCode},
		{"then even the right code waits", "next", 0, errWait},
	}
	for _, st := range steps {
		w.clk.Add(st.after)
		c := st.code
		switch c {
		case "next":
			c = code()
		case " next ":
			c = " " + code() + " "
		}
		err := w.g.CheckCode(ctx, kid, c)
		var we *auth.WaitError
		switch {
		case st.want == errWait:
			if !errors.As(err, &we) || we.What != "codes" {
				t.Errorf("%s: %v; want a wait for codes", st.sentence, err)
			}
		case st.want == nil:
			if err != nil {
				t.Errorf("%s: %v", st.sentence, err)
			}
		case !errors.Is(err, st.want):
			t.Errorf("%s: %v; want %v", st.sentence, err, st.want)
		}
	}
	fails := w.rec.of("code_failed")
	if len(fails) != 5 || fails[0].child != "An" || fails[0].detail["user"] != "kid" {
		t.Errorf("code_failed events %+v; want 5 about An by kid", fails)
	}
	// Codes and PINs share one budget per account.
	if err := w.g.CheckPIN(ctx, kid, goodPIN); !errors.As(err, new(*auth.WaitError)) {
		t.Errorf("a PIN after wrong codes: %v; want a wait", err)
	}
	// A new secret makes the old codes wrong.
	w.clk.Add(time.Hour)
	old := code()
	if _, _, err := w.g.NewCode(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.g.CheckCode(ctx, mum, old); !errors.Is(err, auth.ErrWrongCode) && code() != old {
		t.Errorf("the old secret's code after NewCode: %v; want ErrWrongCode", err)
	}
}

var errWait = errors.New("wait")

func TestGuardChangePINRevokesTokens(t *testing.T) {
	t.Parallel()
	w := newGuardWorld(t, true)
	ctx := context.Background()
	mumTok, _, err := w.g.Login(ctx, mum, goodPIN)
	if err != nil {
		t.Fatal(err)
	}
	dadTok, _, err := w.g.Login(ctx, dad, goodPIN)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		sentence  string
		old, pin  string
		want      error
		tokensNow bool
	}{
		{"a change with the wrong old PIN is refused and logs nobody out", "135790", "975310", auth.ErrWrongPIN, true},
		{"a change to a weak PIN is refused and logs nobody out", goodPIN, "111111", errInvalid, true},
		{"a change with the old PIN logs every parent out", goodPIN, "975310", nil, false},
	}
	for _, st := range steps {
		err := w.g.ChangePIN(ctx, mum, st.old, st.pin)
		checkErr(t, st.sentence, err, st.want)
		if got := w.g.Parent(mumTok, mum.UID) && w.g.Parent(dadTok, dad.UID); got != st.tokensNow {
			t.Errorf("%s: tokens alive = %v; want %v", st.sentence, got, st.tokensNow)
		}
	}
	if _, _, err := w.g.Login(ctx, mum, goodPIN); !errors.Is(err, auth.ErrWrongPIN) {
		t.Errorf("the old PIN after the change: %v; want ErrWrongPIN", err)
	}
	w.clk.Add(time.Minute)
	if _, _, err := w.g.Login(ctx, mum, "975310"); err != nil {
		t.Errorf("the new PIN: %v", err)
	}
	if evs := w.rec.of("pin_changed"); len(evs) != 1 || evs[0].detail["by"] != "mum" {
		t.Errorf("pin_changed events %+v; want one by mum", evs)
	}
}

// other is a token that differs from tok in its first character.
func other(tok string) string {
	if tok[0] == '0' {
		return "1" + tok[1:]
	}
	return "0" + tok[1:]
}

func TestGuardParent(t *testing.T) {
	t.Parallel()
	w := newGuardWorld(t, true)
	tok, exp, err := w.g.Login(context.Background(), mum, goodPIN)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sentence string
		token    string
		uid      uint32
		after    time.Duration
		want     bool
	}{
		{"mum's token is a parent's for mum", tok, mum.UID, 0, true},
		{"no token is nobody's", "", mum.UID, 0, false},
		{"a made-up token is nobody's", other(tok), mum.UID, 0, false},
		{"mum's token used within the idle time stays", tok, mum.UID, exp.Sub(w.clk.Now()) - time.Second, true},
		{"mum's token left idle expires", tok, mum.UID, auth.DefaultIdle, false},
	}
	for _, tc := range cases {
		w.clk.Add(tc.after)
		if got := w.g.Parent(tc.token, tc.uid); got != tc.want {
			t.Errorf("%s: Parent = %v; want %v", tc.sentence, got, tc.want)
		}
	}
	leaked, _, err := w.g.Login(context.Background(), mum, goodPIN)
	if err != nil {
		t.Fatal(err)
	}
	if w.g.Parent(leaked, kid.UID) {
		t.Error("mum's token is a parent's for the child's account")
	}
	if w.g.Parent(leaked, mum.UID) {
		t.Error("mum's token still works for mum after another account presented it (a leaked token is revoked)")
	}
	tok2, _, err := w.g.Login(context.Background(), mum, goodPIN)
	if err != nil {
		t.Fatal(err)
	}
	w.g.Logout(tok2)
	if w.g.Parent(tok2, mum.UID) {
		t.Error("a token after Logout is still a parent's")
	}
	if evs := w.rec.of("login"); len(evs) != 3 || evs[0].detail["user"] != "mum" {
		t.Errorf("login events %+v; want 3 by mum", evs)
	}
}
