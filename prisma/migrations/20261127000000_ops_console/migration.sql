-- Ops console: why a requirement was closed, why a planner or supplier was suspended, which
-- requirement a message was about (the requirement's timeline), and tier grading runs.
ALTER TABLE "requirements" ADD COLUMN "closed_reason" TEXT, ADD COLUMN "closed_at" TIMESTAMPTZ(3);
ALTER TABLE "planners" ADD COLUMN "status_reason" TEXT;
ALTER TABLE "suppliers" ADD COLUMN "status_reason" TEXT;
ALTER TABLE "messages" ADD COLUMN "requirement_id" INTEGER;
CREATE INDEX "messages_requirement_id_idx" ON "messages" ("requirement_id");
CREATE INDEX "requirements_created_at_idx" ON "requirements" ("created_at");
CREATE INDEX "work_orders_grabbed_at_idx" ON "work_orders" ("grabbed_at");

CREATE TABLE "grading_runs" (
  "id" SERIAL PRIMARY KEY,
  "trigger" TEXT NOT NULL,
  "window_days" INTEGER NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "applied_at" TIMESTAMPTZ(3),
  "applied_by" TEXT
);

CREATE TABLE "grading_moves" (
  "run_id" INTEGER NOT NULL REFERENCES "grading_runs" ("id") ON DELETE CASCADE,
  "planner_id" INTEGER NOT NULL REFERENCES "planners" ("id"),
  "from_tier" "Tier" NOT NULL,
  "to_tier" "Tier" NOT NULL,
  "score" DOUBLE PRECISION NOT NULL,
  "metrics" JSONB NOT NULL,
  "applied_at" TIMESTAMPTZ(3),
  PRIMARY KEY ("run_id", "planner_id")
);
