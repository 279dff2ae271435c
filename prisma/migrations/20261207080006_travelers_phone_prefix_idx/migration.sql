-- no-transaction
-- The list's search: a traveler's phone's first digits. Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "travelers_phone_prefix_idx" ON "travelers"("phone" text_pattern_ops);
