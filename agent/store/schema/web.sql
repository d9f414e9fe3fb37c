-- The safe web's counts (agent/web): lookups blocked per child, day and
-- category ("adult", "gambling", ..., "deny", "allowlist"), counts only.
-- web_blocked_names holds the names of blocked lookups only when a parent
-- turned that detail on (off by default); allowed lookups are never kept.
-- New tables in the idempotent schema: old databases get them at their next
-- Open, no numbered migration is needed.
CREATE TABLE IF NOT EXISTS web_blocked (
    child_id INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    category TEXT    NOT NULL,
    count    INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (child_id, day, category)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_blocked_day ON web_blocked(day);

CREATE TABLE IF NOT EXISTS web_blocked_names (
    child_id INTEGER NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    category TEXT    NOT NULL,
    count    INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (child_id, day, name)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_blocked_names_day ON web_blocked_names(day);
