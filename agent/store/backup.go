package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

const stampFormat = "20060102T150405.000Z"

// Backup writes a consistent copy of the database beside it, named
// <path>.bak-<UTC time>, and removes all but the newest WithBackupsKept
// backups. It returns the new file's path. The copy is written to a
// temporary file (0600) with VACUUM INTO, synced, then renamed into place,
// so a crash never leaves a half-written backup under a backup's name.
func (s *Store) Backup(ctx context.Context) (string, error) {
	return s.backup(ctx, s.keep)
}

func (s *Store) backup(ctx context.Context, keep int) (string, error) {
	s.backupMu.Lock()
	defer s.backupMu.Unlock()
	name := s.path + ".bak-" + s.now().UTC().Format(stampFormat)
	tmp := name + ".tmp"
	// VACUUM INTO accepts an existing empty file: create it private first.
	_ = os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("store: backup: create %s: %w", tmp, err)
	}
	_ = f.Close()
	if err := s.vacuumInto(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("store: backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("store: backup: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("store: backup: rename into place: %w", err)
	}
	syncDir(filepath.Dir(name))
	backups, err := s.backups()
	if err != nil {
		return name, fmt.Errorf("store: backup: %w", err)
	}
	for i, b := range backups {
		if i >= keep && b != name {
			if err := os.Remove(b); err != nil {
				s.log.Warn("store: remove old backup", "file", b, "err", err)
			}
		}
	}
	s.log.Info("store: backup written", "file", name)
	return name, nil
}

// vacuumInto runs VACUUM INTO on a reader connection (it only reads the
// source; query_only is lifted for that one statement), so writers are not
// held up.
func (s *Store) vacuumInto(ctx context.Context, dst string) error {
	conn, err := s.r.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return fmt.Errorf("lift query_only: %w", err)
	}
	_, verr := conn.ExecContext(ctx, "VACUUM INTO ?", dst)
	if _, err := conn.ExecContext(context.Background(), "PRAGMA query_only = 1"); err != nil {
		// Never return a writable connection to the read pool.
		_ = conn.Raw(func(any) error { return errors.New("discard") })
		return fmt.Errorf("restore query_only: %w", err)
	}
	if verr != nil {
		return fmt.Errorf("vacuum into %s: %w", dst, verr)
	}
	return nil
}

// backups lists <path>.bak-* newest first (the time stamp sorts).
func (s *Store) backups() ([]string, error) {
	all, err := filepath.Glob(globEscape(s.path) + ".bak-*")
	if err != nil {
		return nil, fmt.Errorf("list backups: %w", err)
	}
	var out []string
	for _, b := range all {
		if !strings.HasSuffix(b, ".tmp") {
			out = append(out, b)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out, nil
}

func globEscape(p string) string {
	r := strings.NewReplacer(`*`, `\*`, `?`, `\?`, `[`, `\[`)
	if runtime.GOOS == "windows" {
		return p // no escaping on Windows; '\' is the separator
	}
	return r.Replace(p)
}

// recoverCorrupt moves the damaged database (and its -wal/-shm) aside,
// restores the newest backup that passes quick_check, and returns what
// happened, for the "restore" event.
func (s *Store) recoverCorrupt(ctx context.Context, cause error) (map[string]any, error) {
	stamp := s.now().UTC().Format(stampFormat)
	aside := s.path + ".corrupt-" + stamp
	s.log.Error("store: database is damaged; moving it aside", "path", s.path, "to", aside, "err", cause)
	if err := os.Rename(s.path, aside); err != nil {
		return nil, fmt.Errorf("move damaged database aside: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(s.path + suffix); err == nil {
			if err := os.Rename(s.path+suffix, aside+suffix); err != nil {
				return nil, fmt.Errorf("move %s aside: %w", suffix, err)
			}
		}
	}
	detail := map[string]any{"reason": cause.Error(), "moved_to": aside}
	backups, err := s.backups()
	if err != nil {
		return nil, err
	}
	for _, b := range backups {
		if err := s.restoreFrom(ctx, b); err != nil {
			s.log.Warn("store: backup unusable", "file", b, "err", err)
			continue
		}
		s.log.Warn("store: restored backup", "file", b)
		detail["backup"] = b
		return detail, nil
	}
	s.log.Warn("store: no usable backup; starting an empty database", "path", s.path)
	detail["backup"] = ""
	if err := createPrivate(s.path); err != nil {
		return nil, err
	}
	return detail, nil
}

// restoreFrom copies backup to a temporary file, checks it, and renames it
// over s.path. The backup itself is left as it is.
func (s *Store) restoreFrom(ctx context.Context, backup string) error {
	tmp := s.path + ".restore.tmp"
	_ = os.Remove(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return err
	}
	check := &Store{path: tmp, log: s.log, now: s.now}
	err := check.openPools(ctx)
	if err == nil {
		err = check.quickCheck(ctx)
	}
	cerr := check.closePools()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(tmp + suffix)
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("check %s: %w", backup, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("put restored copy in place: %w", err)
	}
	syncDir(filepath.Dir(s.path))
	return nil
}

func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", dst, cerr)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dst, err)
	}
	return nil
}

func syncFile(p string) error {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return nil
}

// syncDir makes a rename durable (best effort; not possible on Windows).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// checkpoint folds the WAL into the database file and truncates it.
func (s *Store) checkpoint(ctx context.Context) error {
	var busy, logPages, done int
	if err := s.w.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: readers kept it from completing")
	}
	return nil
}
