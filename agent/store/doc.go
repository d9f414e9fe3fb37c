// Package store is kidtime's durable memory: one SQLite file (pure Go,
// modernc.org/sqlite) holding children and their OS accounts, versioned
// policies, apps, usage, daily totals, grants, requests for time, an
// append-only event log and settings. It knows nothing of the rules: a
// policy is opaque JSON.
//
// # Opening
//
//	s, err := store.Open(ctx, "/var/lib/kidtime/kidtime.db",
//		store.WithRetention(90*24*time.Hour, 2*365*24*time.Hour),
//		store.WithLogger(log))
//	defer s.Close()
//
// Open creates the directory (0700) and the file (0600; SQLite gives its
// -wal and -shm files the same mode), turns on WAL, synchronous=NORMAL,
// foreign keys, a 10 s busy timeout and BEGIN IMMEDIATE for writes, applies
// the embedded schema (schema/*.sql, idempotent, at every open) and runs the
// numbered migrations (migrations/NNNN-name.sql) not yet recorded in the
// schema_migrations table, all in one transaction. A database from a newer
// program is refused (ErrNewerSchema). A file that fails PRAGMA quick_check
// or is not a database is moved aside as <path>.corrupt-<time> (never
// deleted), the newest good backup (<path>.bak-<time>, see Backup) is
// restored, or an empty database started, and a "restore" event says which.
//
// Writes go through a single connection in one transaction each (all or
// nothing); reads use a pool of read-only connections and see a consistent
// snapshot, so the console's reports never wait for the agent's heartbeats.
// Other processes on the same file wait up to the busy timeout.
//
// # API
//
// Children: AddChild, UpdateChild, Children, Child, ChildByAccount,
// RemoveChild (= Erase). Names are unique ignoring ASCII case; an account
// belongs to one child only.
//
// Policies: SavePolicy(child, json, by) keeps every version; Policy returns
// the newest, PolicyHistory all, newest first. Child "" is the default
// profile.
//
// Apps: UpsertApp (identity: the SHA-256 of the executable; path and name as
// last seen), Apps, App. App ID 0 means "no known app".
//
// Usage: AddUsage(Interval) is written like a heartbeat: an interval that
// continues the child's last one (same app, kind, session and day, starting
// within the merge gap, default 10 s, of its end, or overlapping it) extends
// it; the day's rollup grows in the same transaction by only the seconds
// not already recorded, so a resent heartbeat counts once. Today(child, day)
// and Summary(child, from, to, "day"|"app"|"category") read the rollups.
// The day is the caller's local date (YYYY-MM-DD), decided by the agent's
// trusted clock; the store never derives a day from a time.
//
// Grants and requests: AddGrant adds time for a day with a "grant" event.
// AddRequest stores a pending request with a "request" event; Answer
// approves (adding the grant, for the request's day, and its "grant" event)
// or denies it, with an "answer" event, all in one transaction; answering
// twice gives ErrAlreadyAnswered. Requests and Request read them.
//
// Events: AppendEvent, Events(since, child). Updates are refused by a
// trigger; only Prune and Erase remove events.
//
// Settings: Setting and SetSetting, opaque bytes by key (PIN hash, TOTP
// secret, last trusted wall clock).
//
// Privacy and upkeep: Export(child) returns JSON of everything about a
// child (type ExportDoc); Erase(child) leaves nothing of theirs in any table
// and replaces existing backups; Prune(now) applies retention in small
// transactions; Backup writes a consistent copy (VACUUM INTO) beside the
// database and keeps the newest two.
//
// # Errors
//
// Bad input returns a *ValidationError (errors.As) naming the field and the
// reason, and writes nothing. An unknown child is a ValidationError on
// "child" that also wraps ErrNotFound. Lookups of missing things wrap
// ErrNotFound; duplicate names and accounts wrap ErrConflict.
//
// # Storage
//
// Times are UTC unix milliseconds; durations milliseconds. Usage detail is
// kept 90 days and daily rollups, grants, requests and events two years by
// default (WithRetention). Window titles are never stored.
package store
