-- CreateEnum
CREATE TYPE "MessageState" AS ENUM ('queued', 'sent', 'failed', 'delivered');

-- AlterTable
ALTER TABLE "planners" ADD COLUMN "unreachable_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "messages" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "openid" TEXT NOT NULL,
    "planner_id" INTEGER,
    "template_id" TEXT NOT NULL,
    "url" TEXT,
    "data" JSONB NOT NULL,
    "state" "MessageState" NOT NULL DEFAULT 'queued',
    "msgid" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),
    "delivered_at" TIMESTAMP(3),

    CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "messages_msgid_key" ON "messages"("msgid");

-- CreateIndex
CREATE INDEX "messages_state_idx" ON "messages"("state");

-- CreateIndex
CREATE INDEX "messages_planner_id_idx" ON "messages"("planner_id");
