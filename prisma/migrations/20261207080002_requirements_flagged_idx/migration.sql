-- no-transaction
-- The list's flagged filter and the dashboard's "needs a person". Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "requirements_flagged_idx" ON "requirements"("id") WHERE "flagged_at" IS NOT NULL;
