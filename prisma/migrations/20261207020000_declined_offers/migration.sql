-- A dispatched offer the planner declined (or left unanswered) is its own outcome, not a missed
-- deadline: neutral in grading, shown as declined. Like an expired slot it frees its supplier, so
-- the one-live-slot-per-supplier index names the statuses that hold a slot (a new enum value cannot
-- be used in the transaction that adds it).
ALTER TYPE "WorkOrderStatus" ADD VALUE IF NOT EXISTS 'declined';
DROP INDEX "work_orders_live_supplier_key";
CREATE UNIQUE INDEX "work_orders_live_supplier_key" ON "work_orders"("requirement_id", "supplier_id")
  WHERE "status" IN ('active', 'proposed', 'chosen', 'closed');
