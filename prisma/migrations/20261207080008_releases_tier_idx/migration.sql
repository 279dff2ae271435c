-- no-transaction
-- The requirement list's tier filter ("released to A, not yet to B or C"): each tier's releases by requirement, so
-- "not yet" is a short range, not a walk of every release (bench-results/year.json). Built without blocking writes.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "releases_tier_idx" ON "releases"("tier", "requirement_id");
