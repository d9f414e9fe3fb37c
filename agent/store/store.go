package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors. Every error the store returns wraps one of them where it
// applies, so callers test with errors.Is.
var (
	// ErrNotFound: no child, policy, request or setting by that name or id.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyAnswered: Answer on a request that is no longer pending.
	ErrAlreadyAnswered = errors.New("request already answered")
	// ErrConflict: a duplicate child name, or an account that already belongs
	// to another child.
	ErrConflict = errors.New("conflict")
	// ErrNewerSchema: the database was written by a newer kidtime; it is left
	// untouched.
	ErrNewerSchema = errors.New("database schema is newer than this program")
)

// ValidationError reports bad input: which field, and why. Nothing was
// written. For an unknown child it also wraps ErrNotFound.
type ValidationError struct {
	Field  string
	Reason string
	Err    error // optional cause, e.g. ErrNotFound
}

func (e *ValidationError) Error() string { return "invalid " + e.Field + ": " + e.Reason }

// Unwrap returns the cause, if any.
func (e *ValidationError) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Default settings.
const (
	DefaultDetailRetention = 90 * 24 * time.Hour
	DefaultRollupRetention = 2 * 365 * 24 * time.Hour
	DefaultMergeGap        = 10 * time.Second
	DefaultBackupsKept     = 2
	busyTimeout            = 10 * time.Second
	readers                = 4
)

// Option changes how Open configures the store.
type Option func(*Store)

// WithRetention sets how long detail intervals and daily rollups are kept by
// Prune (defaults 90 days and 2 years). Events, grants and answered requests
// follow the rollup retention. A zero or negative value keeps the default.
func WithRetention(detail, rollups time.Duration) Option {
	return func(s *Store) {
		s.SetRetention(detail, rollups)
	}
}

// SetRetention changes how long Prune keeps detail intervals and daily
// rollups (a parent's setting); zero or negative values keep the current
// one. Safe while the store is in use.
func (s *Store) SetRetention(detail, rollups time.Duration) {
	if detail > 0 {
		s.detail.Store(int64(detail))
	}
	if rollups > 0 {
		s.rollups.Store(int64(rollups))
	}
}

// Retention returns how long detail intervals and daily rollups are kept.
func (s *Store) Retention() (detail, rollups time.Duration) {
	return time.Duration(s.detail.Load()), time.Duration(s.rollups.Load())
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// WithNow sets the clock used for default timestamps and file names (tests).
func WithNow(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithMergeGap sets how far apart two heartbeats of one interval may be and
// still be merged (default 10 s).
func WithMergeGap(d time.Duration) Option {
	return func(s *Store) {
		if d >= 0 {
			s.gap = d
		}
	}
}

// WithBackupsKept sets how many backups Backup keeps beside the database
// (default 2, at least 1).
func WithBackupsKept(n int) Option {
	return func(s *Store) {
		if n >= 1 {
			s.keep = n
		}
	}
}

// Store is the kidtime database. It is safe for concurrent use: writes go
// through one connection in order, reads use a small pool of their own and
// never wait for writes (WAL).
type Store struct {
	path    string
	w       *sql.DB // one connection; BEGIN IMMEDIATE
	r       *sql.DB // read-only pool
	log     *slog.Logger
	now     func() time.Time
	detail  atomic.Int64 // time.Duration; changed by SetRetention while Prune may run
	rollups atomic.Int64
	gap     time.Duration
	keep    int

	backupMu sync.Mutex
	tails    tailCache // the intervals a flush extends (tails.go)
}

// Open opens (creating when missing) the database at path: the directory is
// created 0700 and the file 0600; the schema is applied and pending
// migrations run. A database that fails PRAGMA quick_check, or is not a
// database at all, is moved aside as <path>.corrupt-<time> (never deleted),
// the newest good backup is restored (or a new database started), and a
// "restore" event records what happened.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	s := &Store{
		path: path,
		log:  slog.Default(),
		now:  time.Now,
		gap:  DefaultMergeGap,
		keep: DefaultBackupsKept,
	}
	s.SetRetention(DefaultDetailRetention, DefaultRollupRetention)
	for _, o := range opts {
		o(s)
	}
	if path == "" {
		return nil, invalid("path", "empty")
	}
	if strings.ContainsRune(path, '?') {
		return nil, invalid("path", "%q contains '?', which the SQLite driver reads as options", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: open: create directory: %w", err)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}

	err := s.openPools(ctx)
	if err == nil {
		err = s.quickCheck(ctx)
	}
	if err != nil {
		if !isCorrupt(err) {
			s.closePools()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		s.closePools()
		detail, rerr := s.recoverCorrupt(ctx, err)
		if rerr != nil {
			return nil, fmt.Errorf("store: open %s: recover from corruption (%v): %w", path, err, rerr)
		}
		if err := s.openPools(ctx); err != nil {
			s.closePools()
			return nil, fmt.Errorf("store: open %s after restore: %w", path, err)
		}
		if err := s.migrate(ctx); err != nil {
			s.closePools()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		if _, err := s.AppendEvent(ctx, Event{Kind: "restore", Detail: detail}); err != nil {
			s.closePools()
			return nil, fmt.Errorf("store: open %s: record restore: %w", path, err)
		}
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		s.closePools()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

// createPrivate makes sure path exists with mode 0600 before SQLite opens it,
// so the database (and its -wal/-shm, which SQLite creates with the same
// mode) is never readable by others, even for an instant.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	return nil
}

func (s *Store) dsn(write bool) string {
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=foreign_keys(1)",
	}
	if write {
		// auto_vacuum only takes effect on a new file; it lets Prune give
		// pages back. secure_delete overwrites erased rows with zeros.
		q = append(q, "_auto_vacuum=INCREMENTAL", "_txlock=immediate", "_pragma=secure_delete(1)")
	} else {
		q = append(q, "_pragma=query_only(1)")
	}
	return s.path + "?" + strings.Join(q, "&")
}

func (s *Store) openPools(ctx context.Context) error {
	w, err := sql.Open("sqlite", s.dsn(true))
	if err != nil {
		return fmt.Errorf("open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.w = w
	// The writer connects first: it turns WAL on for a new file.
	if err := connectBusy(ctx, w.PingContext, busyTimeout); err != nil {
		return fmt.Errorf("connect writer: %w", err)
	}
	r, err := sql.Open("sqlite", s.dsn(false))
	if err != nil {
		return fmt.Errorf("open readers: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	s.r = r
	if err := connectBusy(ctx, r.PingContext, busyTimeout); err != nil {
		return fmt.Errorf("connect reader: %w", err)
	}
	return nil
}

func (s *Store) closePools() error {
	s.tails.reset()
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
		s.r = nil
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
		s.w = nil
	}
	return errors.Join(errs...)
}

// Close closes the database. The last connection checkpoints the WAL.
func (s *Store) Close() error {
	if err := s.closePools(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// errCorrupt marks a failed quick_check.
var errCorrupt = errors.New("database failed quick_check")

func (s *Store) quickCheck(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("quick_check: %w", err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("quick_check: %w", err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		if len(msgs) > 5 {
			msgs = append(msgs[:5], "…")
		}
		return fmt.Errorf("%w: %s", errCorrupt, strings.Join(msgs, "; "))
	}
	return nil
}

// isCorrupt reports whether err means the file's content is damaged (as
// opposed to locked, missing permissions, a full disk...).
func isCorrupt(err error) bool {
	if errors.Is(err, errCorrupt) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return true
		}
	}
	return false
}

// isBusy reports whether err is SQLITE_BUSY (any extended code).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// connectBusy makes a pool's first connection, trying again while the
// file is busy, for up to limit. The busy_timeout in the DSN does not
// cover the connection's own set-up: with another connection holding the
// file, the connect failed at once with SQLITE_BUSY
// (TestOpenWaitsForABusyFile). TestHubRollups failed so, once, under a
// loaded -race run, opening the file of an agent it had just stopped
// (most likely while the last connection of the old handle checkpointed
// the WAL as it closed).
func connectBusy(ctx context.Context, ping func(context.Context) error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	wait := 5 * time.Millisecond
	for {
		err := ping(ctx)
		if err == nil || !isBusy(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// write runs fn in one IMMEDIATE transaction on the writer connection:
// everything fn does is committed, or nothing.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %s: begin: %w", op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %s: commit: %w", op, err)
	}
	return nil
}

// read runs fn in one read transaction (a consistent snapshot) on the reader
// pool.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("store: %s: begin: %w", op, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return nil
}

// queryer is what *sql.Tx and *sql.DB share.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// childID returns the id of the named child, or a ValidationError wrapping
// ErrNotFound.
func childID(ctx context.Context, q queryer, name string) (int64, error) {
	if name == "" {
		return 0, invalid("child", "empty")
	}
	var id int64
	err := q.QueryRowContext(ctx, "SELECT id FROM children WHERE name = ?", name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &ValidationError{Field: "child", Reason: fmt.Sprintf("no child named %q", name), Err: ErrNotFound}
	}
	if err != nil {
		return 0, fmt.Errorf("look up child %q: %w", name, err)
	}
	return id, nil
}

// Time helpers: the database holds UTC unix milliseconds.
func toMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func durMs(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// Kind is what a usage interval, grant or request counts: screen or game time.
type Kind string

// Kinds of time.
const (
	KindScreen Kind = "screen"
	KindGame   Kind = "game"
)

func checkKind(field string, k Kind) error {
	if k != KindScreen && k != KindGame {
		return invalid(field, "%q is not %q or %q", k, KindScreen, KindGame)
	}
	return nil
}

func checkDay(field, day string) error {
	if day == "" {
		return invalid(field, "empty (want a local date YYYY-MM-DD)")
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(day) != len(time.DateOnly) {
		return invalid(field, "%q is not a date YYYY-MM-DD", day)
	}
	return nil
}

// checkText rejects empty (when required), over-long, invalid UTF-8 and
// control characters.
func checkText(field, v string, required bool, max int) error {
	if v == "" {
		if required {
			return invalid(field, "empty")
		}
		return nil
	}
	if !utf8.ValidString(v) {
		return invalid(field, "not valid UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > max {
		return invalid(field, "%d characters, at most %d", n, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return invalid(field, "contains control character %U", r)
		}
	}
	return nil
}

var eventKindRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

func checkDuration(field string, d time.Duration) error {
	if d <= 0 {
		return invalid(field, "%v, must be positive", d)
	}
	if d > 24*time.Hour {
		return invalid(field, "%v, more than 24h", d)
	}
	return nil
}
