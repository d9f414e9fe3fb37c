-- Version 3: a request may be for a program (kind 'app'): a program the
-- child obtained waits for a parent's yes, and the answer stays with the
-- program (app_key, its identity). SQLite cannot change a CHECK, so the
-- table is rebuilt. Dropping the old table would set grants.request_id to
-- NULL (ON DELETE SET NULL): the links are kept aside and put back.
CREATE TABLE requests_v3 (
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
    app_key     TEXT    NOT NULL DEFAULT '',
    app_name    TEXT    NOT NULL DEFAULT '',
    app_path    TEXT    NOT NULL DEFAULT '',
    CHECK ((kind = 'app') = (app_key != ''))
) STRICT;
INSERT INTO requests_v3 (id, child_id, kind, amount_ms, reason, status, granted_ms, answered_by, created_ms, answered_ms, day)
    SELECT id, child_id, kind, amount_ms, reason, status, granted_ms, answered_by, created_ms, answered_ms, day FROM requests;
CREATE TEMP TABLE grant_links AS SELECT id, request_id FROM grants WHERE request_id IS NOT NULL;
DROP TABLE requests;
ALTER TABLE requests_v3 RENAME TO requests;
UPDATE grants SET request_id = (SELECT l.request_id FROM temp.grant_links l WHERE l.id = grants.id)
    WHERE id IN (SELECT id FROM temp.grant_links);
DROP TABLE temp.grant_links;
