-- The current shape of the kidtime store. Every statement is idempotent: this
-- file runs inside the opening transaction at every Open, after any pending
-- migration, so a table or index added here appears in old databases too.
-- Times are UTC unix milliseconds (*_ms); a "day" is the caller's local date
-- YYYY-MM-DD. Durations are milliseconds.

CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS children (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    birth_year INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT;

-- An OS account belongs to at most one child.
CREATE TABLE IF NOT EXISTS accounts (
    account  TEXT    PRIMARY KEY,
    child_id INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX IF NOT EXISTS accounts_child ON accounts(child_id);

-- Every saved policy version; child_id NULL is the default profile.
CREATE TABLE IF NOT EXISTS policies (
    id       INTEGER PRIMARY KEY,
    child_id INTEGER REFERENCES children(id) ON DELETE CASCADE,
    version  INTEGER NOT NULL,
    json     BLOB    NOT NULL,
    by       TEXT    NOT NULL,
    at_ms    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS policies_version ON policies(ifnull(child_id, 0), version);

-- Apps by content hash. Row 0 is "no app" (screen time without a known
-- foreground), so usage and rollups can keep a NOT NULL foreign key.
CREATE TABLE IF NOT EXISTS apps (
    id       INTEGER PRIMARY KEY,
    sha256   TEXT    NOT NULL UNIQUE,
    path     TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    category TEXT    NOT NULL DEFAULT '',
    rating   TEXT    NOT NULL DEFAULT '',
    seen_ms  INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT OR IGNORE INTO apps (id, sha256, path, name) VALUES (0, '', '', '');

-- Detail intervals, merged like heartbeats. counted_ms is the time callers
-- reported inside [start_ms, end_ms] (a merged span may bridge a short gap).
CREATE TABLE IF NOT EXISTS usage (
    id         INTEGER PRIMARY KEY,
    child_id   INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    app_id     INTEGER NOT NULL REFERENCES apps(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('screen', 'game')),
    session    TEXT    NOT NULL,
    day        TEXT    NOT NULL,
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL,
    counted_ms INTEGER NOT NULL DEFAULT 0,
    CHECK (end_ms >= start_ms)
) STRICT;
CREATE INDEX IF NOT EXISTS usage_tail ON usage(child_id, app_id, kind, session, day, end_ms);
CREATE INDEX IF NOT EXISTS usage_end ON usage(end_ms);

-- Daily totals per child, day and app: what Today and Summary read.
CREATE TABLE IF NOT EXISTS rollups (
    child_id  INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    day       TEXT    NOT NULL,
    app_id    INTEGER NOT NULL REFERENCES apps(id),
    screen_ms INTEGER NOT NULL DEFAULT 0,
    game_ms   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (child_id, day, app_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS requests (
    id          INTEGER PRIMARY KEY,
    child_id    INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('screen', 'game', 'app')),
    amount_ms   INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied')),
    granted_ms  INTEGER NOT NULL DEFAULT 0,
    answered_by TEXT    NOT NULL DEFAULT '',
    created_ms  INTEGER NOT NULL,
    answered_ms INTEGER NOT NULL DEFAULT 0,
    day         TEXT    NOT NULL,
    -- kind 'app': a program the child obtained, waiting for (or answered
    -- with) a parent's yes; app_key is its identity (monitor.ApprovalKey).
    app_key     TEXT    NOT NULL DEFAULT '',
    app_name    TEXT    NOT NULL DEFAULT '',
    app_path    TEXT    NOT NULL DEFAULT '',
    CHECK ((kind = 'app') = (app_key != ''))
) STRICT;
CREATE INDEX IF NOT EXISTS requests_child ON requests(child_id, status);
CREATE INDEX IF NOT EXISTS requests_status ON requests(status);
-- One request per program per child: the answer stays with the program.
CREATE UNIQUE INDEX IF NOT EXISTS requests_app ON requests(child_id, app_key) WHERE kind = 'app';

-- Extra time for one child, day and kind.
CREATE TABLE IF NOT EXISTS grants (
    id         INTEGER PRIMARY KEY,
    child_id   INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    day        TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('screen', 'game')),
    ms         INTEGER NOT NULL,
    by         TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    request_id INTEGER REFERENCES requests(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX IF NOT EXISTS grants_day ON grants(child_id, day);
CREATE INDEX IF NOT EXISTS grants_request ON grants(request_id);

-- Append-only log. AUTOINCREMENT: an id is never reused after pruning.
CREATE TABLE IF NOT EXISTS events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    child_id INTEGER REFERENCES children(id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX IF NOT EXISTS events_at ON events(at_ms);
CREATE INDEX IF NOT EXISTS events_child ON events(child_id, at_ms);
CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE IF NOT EXISTS settings (
    key        TEXT    PRIMARY KEY,
    value      BLOB    NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;
