-- no-transaction
-- The payments report, by the day an order was made. Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "deposits_created_at_idx" ON "deposits"("created_at");
