-- Ops broadcasts to planners (live, template, mass), WeChat mass jobs and their results, a
-- cancelled state for queued template messages, and why a planner cannot be reached.
ALTER TYPE "MessageState" ADD VALUE IF NOT EXISTS 'cancelled';
ALTER TABLE "planners" ADD COLUMN "unreachable_reason" TEXT;
ALTER TABLE "messages" ADD COLUMN "broadcast_id" INTEGER;
CREATE INDEX "messages_broadcast_id_idx" ON "messages" ("broadcast_id");

CREATE TABLE "broadcasts" (
  "id" SERIAL PRIMARY KEY,
  "title" TEXT NOT NULL,
  "body" TEXT NOT NULL,
  "url" TEXT,
  "audience" JSONB NOT NULL,
  "channels" TEXT[] NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'draft',
  "created_by" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "sent_at" TIMESTAMPTZ(3),
  "finished_at" TIMESTAMPTZ(3),
  "cancelled_at" TIMESTAMPTZ(3)
);

CREATE TABLE "broadcast_deliveries" (
  "broadcast_id" INTEGER NOT NULL REFERENCES "broadcasts" ("id") ON DELETE CASCADE,
  "planner_id" INTEGER NOT NULL REFERENCES "planners" ("id"),
  "channel" TEXT NOT NULL,
  "state" TEXT NOT NULL,
  "error" TEXT,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY ("broadcast_id", "planner_id", "channel")
);
CREATE INDEX "broadcast_deliveries_planner_idx" ON "broadcast_deliveries" ("planner_id", "channel", "at");

CREATE TABLE "mass_jobs" (
  "msg_id" TEXT PRIMARY KEY,
  "broadcast_id" INTEGER REFERENCES "broadcasts" ("id") ON DELETE SET NULL,
  "target" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "finished_at" TIMESTAMPTZ(3),
  "status" TEXT,
  "total" INTEGER,
  "filtered" INTEGER,
  "sent" INTEGER,
  "errors" INTEGER
);
