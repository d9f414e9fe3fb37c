-- Version 1 stored only the span of a merged interval. Version 2 keeps the
-- time callers actually reported inside it, so a span that bridges a short
-- heartbeat gap does not count the gap. Old rows had no gaps recorded: their
-- span is their counted time.
ALTER TABLE usage ADD COLUMN counted_ms INTEGER NOT NULL DEFAULT 0;
UPDATE usage SET counted_ms = end_ms - start_ms;
