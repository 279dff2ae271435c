-- no-transaction
-- The list's search: a traveler's name's beginning. Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "travelers_name_prefix_idx" ON "travelers"("name" text_pattern_ops);
