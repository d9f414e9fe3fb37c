package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Settings keep the guard's secrets and limiter state (agent/store's
// settings table).
type Settings interface {
	Setting(ctx context.Context, key string) ([]byte, error)
	SetSetting(ctx context.Context, key string, value []byte) error
}

// Recorder logs an attempt (a wrong PIN, a wrong code) as an event.
type Recorder interface {
	Record(ctx context.Context, child, kind string, detail map[string]any)
}

// Who is the OS account trying: its uid and name, and the child whose
// account it is, if any.
type Who struct {
	UID   uint32
	User  string
	Child string
}

// Errors of the guard; the API maps them to its statuses.
var (
	// ErrNoPIN: no PIN is set yet.
	ErrNoPIN = errors.New("no PIN is set yet; run setup first")
	// ErrPINSet: setup was already done.
	ErrPINSet = errors.New("a PIN is already set; change it with the old PIN")
	// ErrWrongPIN: the PIN was wrong (the failure is counted and logged).
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrWrongCode: the parent code was wrong or already used.
	ErrWrongCode = errors.New("wrong or used parent code")
	// ErrNoCode: no parent code secret exists yet.
	ErrNoCode = errors.New("no parent code is set up yet; run setup first")
)

// WaitError says that too many wrong tries were made: try again after Wait.
type WaitError struct {
	Wait time.Duration
	What string // "PINs" or "codes"
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("too many wrong %s; try again in %s", e.What, e.Wait.Round(time.Second))
}

// InvalidPINError is a PIN that may not be chosen (too short, too simple).
type InvalidPINError struct{ Err error }

func (e *InvalidPINError) Error() string { return e.Err.Error() }
func (e *InvalidPINError) Unwrap() error { return e.Err }

// Settings keys.
const (
	settingPIN     = "auth.pin"
	settingTOTP    = "auth.totp"
	settingLimiter = "auth.limiter"
	settingOthers  = "auth.limiter.others"
	settingLastUse = "auth.code.last" // the last accepted parent code's counter
	// settingCodeShown: a parent was shown a parent-code secret (the QR
	// for an authenticator app); the one setup makes is never shown
	settingCodeShown = "auth.code.shown"
)

// Guard checks the parent's PIN and parent code with one rate limiter per
// OS account, keeps the parent tokens, and persists what must survive a
// restart. Checks run one at a time, so guesses sent in parallel wait their
// turn behind the limiter (and argon2's memory is needed once).
type Guard struct {
	st     Settings
	rec    Recorder
	log    *slog.Logger
	now    func() time.Time
	tokens *Sessions
	lim    *Limiter // per account, and the children's together
	others *Limiter // every account that is no child's, together

	mu       sync.Mutex // one PIN or code check at a time
	lastCode int64      // last accepted parent-code counter (no replay)
}

// NewGuard loads the limiter's state from st.
func NewGuard(ctx context.Context, st Settings, rec Recorder, log *slog.Logger, now func() time.Time) *Guard {
	g := &Guard{st: st, rec: rec, log: log, now: now,
		tokens: NewSessions(now, 15*time.Minute, 12*time.Hour), lim: NewLimiter(now), others: NewLimiterFree(now, OthersFreeFailures)}
	for key, l := range map[string]*Limiter{settingLimiter: g.lim, settingOthers: g.others} {
		if b, err := st.Setting(ctx, key); err == nil {
			if err := l.UnmarshalJSON(b); err != nil {
				log.Warn("auth: bad PIN limiter state; starting fresh but strict", "setting", key, "err", err)
			}
		}
	}
	if b, err := st.Setting(ctx, settingLastUse); err == nil {
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			g.lastCode = n
		}
	}
	return g
}

// PINSet reports whether setup was done.
func (g *Guard) PINSet(ctx context.Context) bool {
	_, err := g.st.Setting(ctx, settingPIN)
	return err == nil
}

// Setup sets the first PIN and the parent-code secret, and logs the
// administrator in.
func (g *Guard) Setup(ctx context.Context, who Who, pin string) (token string, expires time.Time, err error) {
	if g.PINSet(ctx) {
		return "", time.Time{}, ErrPINSet
	}
	if err := g.setPIN(ctx, pin); err != nil {
		return "", time.Time{}, err
	}
	if _, err := g.st.Setting(ctx, settingTOTP); err != nil {
		// a secret nobody is shown: the code is set up when a parent asks
		// for one (NewCode through the API)
		if _, _, err := g.newSecret(ctx); err != nil {
			return "", time.Time{}, err
		}
	}
	g.rec.Record(ctx, "", "setup", map[string]any{"by": who.User})
	token, expires = g.tokens.New(who.UID)
	return token, expires, nil
}

func (g *Guard) setPIN(ctx context.Context, pin string) error {
	if err := ValidatePIN(pin); err != nil {
		return &InvalidPINError{err}
	}
	hash, err := HashPIN(pin)
	if err != nil {
		return &InvalidPINError{err}
	}
	if err := g.st.SetSetting(ctx, settingPIN, []byte(hash)); err != nil {
		return fmt.Errorf("keep the PIN: %w", err)
	}
	return nil
}

// Login checks the PIN and gives a parent token for the caller's account.
func (g *Guard) Login(ctx context.Context, who Who, pin string) (token string, expires time.Time, err error) {
	if err := g.CheckPIN(ctx, who, pin); err != nil {
		return "", time.Time{}, err
	}
	token, expires = g.tokens.New(who.UID)
	g.rec.Record(ctx, "", "login", map[string]any{"user": who.User})
	return token, expires, nil
}

// ChangePIN replaces the PIN (the old one proves the parent) and logs every
// parent out.
func (g *Guard) ChangePIN(ctx context.Context, who Who, old, pin string) error {
	if err := g.CheckPIN(ctx, who, old); err != nil {
		return err
	}
	if err := g.setPIN(ctx, pin); err != nil {
		return err
	}
	g.tokens.RevokeAll()
	g.rec.Record(ctx, "", "pin_changed", map[string]any{"by": who.User})
	return nil
}

// CheckPIN checks a PIN behind the rate limiter, logging failures.
func (g *Guard) CheckPIN(ctx context.Context, who Who, pin string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := limiterKeys(who)
	if wait, ok := g.allow(keys); !ok {
		return &WaitError{Wait: wait, What: "PINs"}
	}
	hash, err := g.st.Setting(ctx, settingPIN)
	if err != nil {
		return ErrNoPIN
	}
	ok, err := CheckPIN(string(hash), pin)
	if err != nil {
		return fmt.Errorf("check PIN: %w", err)
	}
	if !ok {
		n, next := g.fail(keys)
		g.persist(ctx)
		g.rec.Record(ctx, who.Child, "pin_failed", map[string]any{"user": who.User, "uid": who.UID, "failures": n, "nextWaitSec": int64(next / time.Second)})
		return ErrWrongPIN
	}
	g.success(keys)
	g.persist(ctx)
	return nil
}

// CheckCode checks a parent code from the parent's authenticator app,
// behind the same limiter as the PIN; a code is accepted once.
func (g *Guard) CheckCode(ctx context.Context, who Who, code string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	keys := limiterKeys(who)
	if wait, ok := g.allow(keys); !ok {
		return &WaitError{Wait: wait, What: "codes"}
	}
	secret, err := g.st.Setting(ctx, settingTOTP)
	if err != nil {
		return ErrNoCode
	}
	ok, counter := CheckCode(string(secret), strings.TrimSpace(code), g.now(), g.lastCode)
	if !ok {
		n, _ := g.fail(keys)
		g.persist(ctx)
		g.rec.Record(ctx, who.Child, "code_failed", map[string]any{"user": who.User, "failures": n})
		return ErrWrongCode
	}
	g.success(keys)
	g.lastCode = counter
	// A code is taken once, restarts included; the limiter forgets the
	// failures for good.
	if err := g.st.SetSetting(ctx, settingLastUse, []byte(strconv.FormatInt(counter, 10))); err != nil {
		return fmt.Errorf("keep the used parent code: %w", err)
	}
	g.persist(ctx)
	return nil
}

// Code is the current parent code and when it stops being valid.
func (g *Guard) Code(ctx context.Context) (code string, validUntil time.Time, err error) {
	secret, err := g.st.Setting(ctx, settingTOTP)
	if err != nil {
		return "", time.Time{}, ErrNoCode
	}
	now := g.now()
	code, err = Code(string(secret), now)
	if err != nil {
		return "", time.Time{}, err
	}
	return code, now.Truncate(30 * time.Second).Add(30 * time.Second), nil
}

// NewCode makes a new parent-code secret (the old one stops working), to
// be shown to a parent: from then on the parent code is set up.
func (g *Guard) NewCode(ctx context.Context) (secret, url string, err error) {
	if secret, url, err = g.newSecret(ctx); err != nil {
		return "", "", err
	}
	if err := g.st.SetSetting(ctx, settingCodeShown, []byte("1")); err != nil {
		return "", "", fmt.Errorf("keep that the parent code is set up: %w", err)
	}
	return secret, url, nil
}

func (g *Guard) newSecret(ctx context.Context) (secret, url string, err error) {
	host, _ := os.Hostname()
	secret, url, err = NewTOTPSecret("kidtime", host)
	if err != nil {
		return "", "", err
	}
	if err := g.st.SetSetting(ctx, settingTOTP, []byte(secret)); err != nil {
		return "", "", fmt.Errorf("keep the parent-code secret: %w", err)
	}
	return secret, url, nil
}

// CodeSetUp reports whether a parent has set up the parent code: a secret
// was made to be shown (NewCode), so an authenticator app may hold it. The
// companion offers "parent code" only then.
func (g *Guard) CodeSetUp(ctx context.Context) bool {
	_, err := g.st.Setting(ctx, settingCodeShown)
	return err == nil
}

// Parent reports whether token is a live parent token of uid's.
func (g *Guard) Parent(token string, uid uint32) bool { return g.tokens.Check(token, uid) }

// Logout revokes a parent token.
func (g *Guard) Logout(token string) { g.tokens.Revoke(token) }

func (g *Guard) persist(ctx context.Context) {
	for key, l := range map[string]*Limiter{settingLimiter: g.lim, settingOthers: g.others} {
		b, err := l.MarshalJSON()
		if err == nil {
			err = g.st.SetSetting(ctx, key, b)
		}
		if err != nil {
			g.log.Error("auth: persisting the PIN limiter failed", "setting", key, "err", err)
		}
	}
}

// Limiter keys. Every child's account draws on one budget of guesses, so a
// child with several logins (or an account the default profile holds)
// guesses no faster than with one. Any other account has its own budget,
// and all of them together a second, looser one (OthersFreeFailures free),
// so a parent is never slowed by a child's guessing, and no number of
// unmanaged accounts multiplies the guesses. The PIN and the parent code
// share these budgets.
const (
	keyChildren = "children"
	keyOthers   = "others"
)

// OthersFreeFailures are the wrong guesses every account that is no
// child's may make together before all of them wait.
const OthersFreeFailures = 20

func limiterKeys(who Who) []string {
	if who.Child != "" {
		return []string{keyChildren}
	}
	return []string{"uid:" + strconv.FormatUint(uint64(who.UID), 10), keyOthers}
}

// limiterOf is the limiter a key lives in.
func (g *Guard) limiterOf(key string) *Limiter {
	if key == keyOthers {
		return g.others
	}
	return g.lim
}

// allow: every budget must allow the attempt; the wait is the longest.
func (g *Guard) allow(keys []string) (time.Duration, bool) {
	var longest time.Duration
	ok := true
	for _, k := range keys {
		if wait, allowed := g.limiterOf(k).Allow(k); !allowed {
			ok, longest = false, max(longest, wait)
		}
	}
	return longest, ok
}

// fail counts a failure on every budget; it reports the caller's own.
func (g *Guard) fail(keys []string) (failures int, next time.Duration) {
	for i, k := range keys {
		n, d := g.limiterOf(k).Fail(k)
		if i == 0 {
			failures = n
		}
		next = max(next, d)
	}
	return failures, next
}

// success forgets the caller's failures: a parent's success also frees the
// shared budget of other accounts; the children's is theirs alone, and a
// child's session never succeeds with the PIN.
func (g *Guard) success(keys []string) {
	for _, k := range keys {
		g.limiterOf(k).Success(k)
	}
}
