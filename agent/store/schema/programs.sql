-- Programs the agent learned by their identity (agent/ident: an ELF build-id,
-- a hash of loaded sections, a PE version resource, else "sha256:" and the
-- content hash): the file it is known by and what it was classified as, so
-- that a copy under any name is linked to it after a restart too. Machine
-- wide, not a child's data: it names programs, not who ran them. A new table
-- in the idempotent schema appears in old databases at their next Open; no
-- numbered migration is needed.
CREATE TABLE IF NOT EXISTS programs (
    ident    TEXT    PRIMARY KEY,
    path     TEXT    NOT NULL,
    sha256   TEXT    NOT NULL DEFAULT '',
    name     TEXT    NOT NULL DEFAULT '',
    category TEXT    NOT NULL DEFAULT '',
    min_age  INTEGER NOT NULL DEFAULT -1,
    source   TEXT    NOT NULL DEFAULT '',
    seen_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS programs_seen ON programs(seen_ms);
