-- no-transaction
-- The requirement list's destination filter (destinations @> ARRAY[...]). Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "requirements_destinations_idx" ON "requirements" USING GIN ("destinations");
