-- Status columns as enums, as the older tables have them: a value outside the set is refused by
-- PostgreSQL, and the generated client types each status. The conversion rewrites each table once;
-- on a large deployment run it in a quiet hour (docs/operations.md, Migrations).
ALTER TABLE "ops_accounts" DROP CONSTRAINT IF EXISTS "ops_accounts_status_check";
ALTER TABLE "ops_accounts" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "ops_accounts" ALTER COLUMN "status" TYPE "Status" USING "status"::"Status";
ALTER TABLE "ops_accounts" ALTER COLUMN "status" SET DEFAULT 'active';

CREATE TYPE "BroadcastStatus" AS ENUM ('draft', 'sending', 'done', 'cancelled');
ALTER TABLE "broadcasts" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "broadcasts" ALTER COLUMN "status" TYPE "BroadcastStatus" USING "status"::"BroadcastStatus";
ALTER TABLE "broadcasts" ALTER COLUMN "status" SET DEFAULT 'draft';

CREATE TYPE "DeliveryState" AS ENUM ('queued', 'sent', 'delivered', 'failed', 'skipped');
ALTER TABLE "broadcast_deliveries" ALTER COLUMN "state" TYPE "DeliveryState" USING "state"::"DeliveryState";

CREATE TYPE "DepositStatus" AS ENUM ('pending', 'paid', 'closed', 'refunding', 'refunded');
-- The partial index's predicate compares the column: dropped and made again over the enum.
DROP INDEX "deposits_one_live_per_requirement";
ALTER TABLE "deposits" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "deposits" ALTER COLUMN "status" TYPE "DepositStatus" USING "status"::"DepositStatus";
ALTER TABLE "deposits" ALTER COLUMN "status" SET DEFAULT 'pending';
CREATE UNIQUE INDEX "deposits_one_live_per_requirement" ON "deposits" ("requirement_id") WHERE "status" IN ('pending', 'paid', 'refunding');

CREATE TYPE "RefundStatus" AS ENUM ('processing', 'success', 'abnormal', 'closed', 'refused');
ALTER TABLE "refunds" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "refunds" ALTER COLUMN "status" TYPE "RefundStatus" USING "status"::"RefundStatus";
ALTER TABLE "refunds" ALTER COLUMN "status" SET DEFAULT 'processing';
