package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Child is a child the agent looks after, with the OS accounts they use.
type Child struct {
	ID        int64
	Name      string
	BirthYear int
	Accounts  []string
	CreatedAt time.Time
}

func (s *Store) checkChild(c *Child) error {
	c.Name = strings.TrimSpace(c.Name)
	if err := checkText("name", c.Name, true, 64); err != nil {
		return err
	}
	year := s.now().Year()
	if c.BirthYear < year-30 || c.BirthYear > year {
		return invalid("birth_year", "%d is not between %d and %d", c.BirthYear, year-30, year)
	}
	seen := map[string]bool{}
	for i, a := range c.Accounts {
		if err := checkText(fmt.Sprintf("accounts[%d]", i), a, true, 256); err != nil {
			return err
		}
		if a != strings.TrimSpace(a) {
			return invalid(fmt.Sprintf("accounts[%d]", i), "%q has leading or trailing spaces", a)
		}
		if seen[a] {
			return invalid(fmt.Sprintf("accounts[%d]", i), "%q is listed twice", a)
		}
		seen[a] = true
	}
	return nil
}

// AddChild adds a child. Names are unique (ignoring ASCII case) and an
// account belongs to one child only: both give ErrConflict. The returned
// child carries its ID and CreatedAt.
func (s *Store) AddChild(ctx context.Context, c Child) (Child, error) {
	if err := s.checkChild(&c); err != nil {
		return Child{}, fmt.Errorf("store: add child: %w", err)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now()
	}
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
	err := s.write(ctx, "add child", func(tx *sql.Tx) error {
		var other string
		err := tx.QueryRowContext(ctx, "SELECT name FROM children WHERE name = ?", c.Name).Scan(&other)
		if err == nil {
			return fmt.Errorf("%w: a child named %q already exists", ErrConflict, other)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := tx.QueryRowContext(ctx,
			"INSERT INTO children (name, birth_year, created_ms) VALUES (?, ?, ?) RETURNING id",
			c.Name, c.BirthYear, toMs(c.CreatedAt)).Scan(&c.ID); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return setAccounts(ctx, tx, c.ID, c.Accounts)
	})
	if err != nil {
		return Child{}, err
	}
	c.Accounts = append([]string(nil), c.Accounts...)
	sort.Strings(c.Accounts)
	return c, nil
}

// setAccounts replaces the child's accounts, refusing one owned by another
// child.
func setAccounts(ctx context.Context, tx *sql.Tx, id int64, accounts []string) error {
	for _, a := range accounts {
		var owner string
		var ownerID int64
		err := tx.QueryRowContext(ctx,
			"SELECT c.id, c.name FROM accounts a JOIN children c ON c.id = a.child_id WHERE a.account = ?", a).Scan(&ownerID, &owner)
		if err == nil && ownerID != id {
			return fmt.Errorf("%w: account %q already belongs to %q", ErrConflict, a, owner)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("look up account %q: %w", a, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM accounts WHERE child_id = ?", id); err != nil {
		return fmt.Errorf("clear accounts: %w", err)
	}
	for _, a := range accounts {
		if _, err := tx.ExecContext(ctx, "INSERT INTO accounts (account, child_id) VALUES (?, ?)", a, id); err != nil {
			if isConstraint(err) {
				return fmt.Errorf("%w: account %q already belongs to another child", ErrConflict, a)
			}
			return fmt.Errorf("insert account %q: %w", a, err)
		}
	}
	return nil
}

// UpdateChild changes the name, birth year and accounts (the full list) of
// the child with c.ID.
func (s *Store) UpdateChild(ctx context.Context, c Child) error {
	if c.ID <= 0 {
		return fmt.Errorf("store: update child: %w", invalid("id", "%d, must be a stored child's id", c.ID))
	}
	if err := s.checkChild(&c); err != nil {
		return fmt.Errorf("store: update child: %w", err)
	}
	return s.write(ctx, "update child", func(tx *sql.Tx) error {
		var other int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM children WHERE name = ?", c.Name).Scan(&other)
		if err == nil && other != c.ID {
			return fmt.Errorf("%w: a child named %q already exists", ErrConflict, c.Name)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE children SET name = ?, birth_year = ? WHERE id = ?", c.Name, c.BirthYear, c.ID)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("child id %d: %w", c.ID, ErrNotFound)
		}
		return setAccounts(ctx, tx, c.ID, c.Accounts)
	})
}

// Children lists all children by name.
func (s *Store) Children(ctx context.Context) ([]Child, error) {
	var out []Child
	err := s.read(ctx, "children", func(tx *sql.Tx) error {
		var err error
		out, err = queryChildren(ctx, tx, "")
		return err
	})
	return out, err
}

// Child returns the named child, or an error wrapping ErrNotFound.
func (s *Store) Child(ctx context.Context, name string) (Child, error) {
	var out []Child
	err := s.read(ctx, "child", func(tx *sql.Tx) error {
		var err error
		out, err = queryChildren(ctx, tx, "WHERE c.name = ?", name)
		return err
	})
	if err != nil {
		return Child{}, err
	}
	if len(out) == 0 {
		return Child{}, fmt.Errorf("store: child %q: %w", name, ErrNotFound)
	}
	return out[0], nil
}

// ChildByAccount returns the child who uses the OS account, or an error
// wrapping ErrNotFound.
func (s *Store) ChildByAccount(ctx context.Context, account string) (Child, error) {
	var out []Child
	err := s.read(ctx, "child by account", func(tx *sql.Tx) error {
		var err error
		out, err = queryChildren(ctx, tx, "WHERE c.id = (SELECT child_id FROM accounts WHERE account = ?)", account)
		return err
	})
	if err != nil {
		return Child{}, err
	}
	if len(out) == 0 {
		return Child{}, fmt.Errorf("store: child with account %q: %w", account, ErrNotFound)
	}
	return out[0], nil
}

func queryChildren(ctx context.Context, q queryer, where string, args ...any) ([]Child, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT c.id, c.name, c.birth_year, c.created_ms,
		        (SELECT json_group_array(account) FROM (SELECT account FROM accounts WHERE child_id = c.id ORDER BY account))
		 FROM children c `+where+` ORDER BY c.name`, args...)
	if err != nil {
		return nil, fmt.Errorf("query children: %w", err)
	}
	defer rows.Close()
	var out []Child
	for rows.Next() {
		var c Child
		var created int64
		var accounts string
		if err := rows.Scan(&c.ID, &c.Name, &c.BirthYear, &created, &accounts); err != nil {
			return nil, fmt.Errorf("scan child: %w", err)
		}
		c.CreatedAt = fromMs(created)
		if err := json.Unmarshal([]byte(accounts), &c.Accounts); err != nil {
			return nil, fmt.Errorf("decode accounts of %q: %w", c.Name, err)
		}
		if len(c.Accounts) == 0 {
			c.Accounts = nil
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PolicyVersion is one saved version of a policy. The store keeps the JSON
// as given; it does not interpret it.
type PolicyVersion struct {
	Child   string // "" = the default profile
	Version int64  // 1, 2, ... per child
	JSON    []byte
	By      string // who saved it
	At      time.Time
}

// SavePolicy stores a new version of a child's policy (child "" = the
// default profile). Earlier versions are kept.
func (s *Store) SavePolicy(ctx context.Context, child string, policyJSON []byte, by string) (PolicyVersion, error) {
	if len(policyJSON) == 0 {
		return PolicyVersion{}, fmt.Errorf("store: save policy: %w", invalid("policy", "empty"))
	}
	if !json.Valid(policyJSON) {
		return PolicyVersion{}, fmt.Errorf("store: save policy: %w", invalid("policy", "not valid JSON"))
	}
	if err := checkText("by", by, true, 128); err != nil {
		return PolicyVersion{}, fmt.Errorf("store: save policy: %w", err)
	}
	pv := PolicyVersion{Child: child, JSON: append([]byte(nil), policyJSON...), By: by, At: s.now().UTC().Truncate(time.Millisecond)}
	err := s.write(ctx, "save policy", func(tx *sql.Tx) error {
		var cid sql.NullInt64
		if child != "" {
			id, err := childID(ctx, tx, child)
			if err != nil {
				return err
			}
			cid = sql.NullInt64{Int64: id, Valid: true}
		}
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO policies (child_id, version, json, by, at_ms)
			 VALUES (?1, (SELECT ifnull(max(version), 0) + 1 FROM policies WHERE ifnull(child_id, 0) = ifnull(?1, 0)), ?2, ?3, ?4)
			 RETURNING version`, cid, pv.JSON, by, toMs(pv.At)).Scan(&pv.Version); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		return nil
	})
	if err != nil {
		return PolicyVersion{}, err
	}
	return pv, nil
}

// Policy returns the newest policy of a child (child "" = the default
// profile), or an error wrapping ErrNotFound when none was saved.
func (s *Store) Policy(ctx context.Context, child string) (PolicyVersion, error) {
	vs, err := s.policies(ctx, child, 1)
	if err != nil {
		return PolicyVersion{}, err
	}
	if len(vs) == 0 {
		return PolicyVersion{}, fmt.Errorf("store: policy of %q: %w", child, ErrNotFound)
	}
	return vs[0], nil
}

// PolicyHistory returns every saved version of a child's policy, newest
// first.
func (s *Store) PolicyHistory(ctx context.Context, child string) ([]PolicyVersion, error) {
	return s.policies(ctx, child, -1)
}

func (s *Store) policies(ctx context.Context, child string, limit int) ([]PolicyVersion, error) {
	var out []PolicyVersion
	err := s.read(ctx, "policy", func(tx *sql.Tx) error {
		var cid int64
		if child != "" {
			var err error
			if cid, err = childID(ctx, tx, child); err != nil {
				return err
			}
		}
		var err error
		out, err = queryPolicies(ctx, tx, cid, child, limit)
		return err
	})
	return out, err
}

func queryPolicies(ctx context.Context, q queryer, cid int64, child string, limit int) ([]PolicyVersion, error) {
	rows, err := q.QueryContext(ctx,
		`SELECT version, json, by, at_ms FROM policies WHERE ifnull(child_id, 0) = ?
		 ORDER BY version DESC LIMIT ?`, cid, limit)
	if err != nil {
		return nil, fmt.Errorf("query policies: %w", err)
	}
	defer rows.Close()
	var out []PolicyVersion
	for rows.Next() {
		pv := PolicyVersion{Child: child}
		var at int64
		if err := rows.Scan(&pv.Version, &pv.JSON, &pv.By, &at); err != nil {
			return nil, fmt.Errorf("scan policy: %w", err)
		}
		pv.At = fromMs(at)
		out = append(out, pv)
	}
	return out, rows.Err()
}

// App is an executable the agent has seen, identified by the SHA-256 of
// its content; Path is where it was last seen.
type App struct {
	ID       int64
	Path     string
	SHA256   string // 64 lowercase hex digits
	Name     string // display name; defaults to the file name
	Category string // e.g. "game", "education", "browser"; "" = unknown
	Rating   string // age rating where known, e.g. "12+"
}

// UpsertApp records an app by content hash and returns it with its ID. An
// app seen again keeps its ID; path and name are updated, and category and
// rating are updated when the new value is not empty.
func (s *Store) UpsertApp(ctx context.Context, a App) (App, error) {
	a.SHA256 = strings.ToLower(strings.TrimSpace(a.SHA256))
	if len(a.SHA256) != 64 || strings.Trim(a.SHA256, "0123456789abcdef") != "" {
		return App{}, fmt.Errorf("store: upsert app: %w", invalid("sha256", "%q is not 64 hex digits", a.SHA256))
	}
	if err := checkText("path", a.Path, true, 4096); err != nil {
		return App{}, fmt.Errorf("store: upsert app: %w", err)
	}
	if a.Name == "" {
		a.Name = filepath.Base(strings.ReplaceAll(a.Path, `\`, "/"))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"name", a.Name, 256}, {"category", a.Category, 64}, {"rating", a.Rating, 16}} {
		if err := checkText(f.name, f.v, f.name == "name", f.max); err != nil {
			return App{}, fmt.Errorf("store: upsert app: %w", err)
		}
	}
	err := s.write(ctx, "upsert app", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx,
			`INSERT INTO apps (sha256, path, name, category, rating, seen_ms) VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT (sha256) DO UPDATE SET
			   path = excluded.path, name = excluded.name, seen_ms = excluded.seen_ms,
			   category = CASE WHEN excluded.category != '' THEN excluded.category ELSE apps.category END,
			   rating = CASE WHEN excluded.rating != '' THEN excluded.rating ELSE apps.rating END
			 RETURNING id, category, rating`,
			a.SHA256, a.Path, a.Name, a.Category, a.Rating, toMs(s.now())).Scan(&a.ID, &a.Category, &a.Rating)
	})
	if err != nil {
		return App{}, err
	}
	return a, nil
}

// Apps lists the known apps by name.
func (s *Store) Apps(ctx context.Context) ([]App, error) {
	var out []App
	err := s.read(ctx, "apps", func(tx *sql.Tx) error {
		var err error
		out, err = queryApps(ctx, tx, "WHERE id != 0")
		return err
	})
	return out, err
}

// App returns the app with that ID, or an error wrapping ErrNotFound.
func (s *Store) App(ctx context.Context, id int64) (App, error) {
	var out []App
	err := s.read(ctx, "app", func(tx *sql.Tx) error {
		var err error
		out, err = queryApps(ctx, tx, "WHERE id = ? AND id != 0", id)
		return err
	})
	if err != nil {
		return App{}, err
	}
	if len(out) == 0 {
		return App{}, fmt.Errorf("store: app %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

func queryApps(ctx context.Context, q queryer, where string, args ...any) ([]App, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, path, sha256, name, category, rating FROM apps "+where+" ORDER BY name, id", args...)
	if err != nil {
		return nil, fmt.Errorf("query apps: %w", err)
	}
	defer rows.Close()
	var out []App
	for rows.Next() {
		var a App
		if err := rows.Scan(&a.ID, &a.Path, &a.SHA256, &a.Name, &a.Category, &a.Rating); err != nil {
			return nil, fmt.Errorf("scan app: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
