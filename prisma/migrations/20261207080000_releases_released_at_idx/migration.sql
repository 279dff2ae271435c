-- no-transaction
-- The funnel's time to first grab walks the releases of its days. Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "releases_released_at_idx" ON "releases"("released_at");
