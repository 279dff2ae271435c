-- Retention of what the hot paths write (docs/production.md, "A year of data"): grab attempts older than
-- GRAB_EVENTS_KEEP_DAYS are folded into one row per requirement and code here, then deleted, so the
-- table every grab writes holds about three months, not years; a requirement's timeline still counts
-- every attempt (raw rows plus these).
CREATE TABLE "grab_attempt_rollups" (
    "requirement_id" INTEGER NOT NULL,
    "code" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "first_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "grab_attempt_rollups_pkey" PRIMARY KEY ("requirement_id", "code")
);
-- A requirement's ops actions (its timeline) are found by target.
CREATE INDEX "ops_audit_target_idx" ON "ops_audit"("target");
