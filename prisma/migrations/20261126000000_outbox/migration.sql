-- Events decided inside a PostgreSQL transaction (a proposal, a choice), written in that same
-- transaction and appended to the event stream after the commit (src/events/outbox.ts).
CREATE TABLE "outbox" (
    "id" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "published_at" TIMESTAMPTZ(3),
    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "outbox_unpublished_idx" ON "outbox" ("created_at") WHERE "published_at" IS NULL;
