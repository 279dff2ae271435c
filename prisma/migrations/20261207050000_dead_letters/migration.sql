-- Poison events (src/events/dead-letters.ts): an event a listener kept failing on for N attempts and
-- at least an hour, kept for a person to retry or discard from the console. One row per listener
-- and event; a retried event that fails again comes back to the same row.
CREATE TYPE "DeadLetterStatus" AS ENUM ('dead', 'retried', 'discarded');

CREATE TABLE "dead_letters" (
    "id" SERIAL NOT NULL,
    "listener" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "first_failed_at" TIMESTAMPTZ(3) NOT NULL,
    "dead_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" "DeadLetterStatus" NOT NULL DEFAULT 'dead',
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by" TEXT,
    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "dead_letters_listener_event_key" ON "dead_letters"("listener", "event_id");
CREATE INDEX "dead_letters_status_idx" ON "dead_letters"("status", "dead_at");
