-- A dispatched work order is an offer until the planner accepts it (or proposes); declined or
-- unanswered by DISPATCH_ACCEPT_WITHIN, its slot is released again.
ALTER TABLE "work_orders" ADD COLUMN "accepted_at" TIMESTAMP(3);
