-- Refunds of deposits: by ops, full or partial, idempotent by out_refund_no, settled by WeChat Pay's
-- refund notification (or a query).
CREATE TABLE "refunds" (
  "out_refund_no" TEXT PRIMARY KEY,
  "out_trade_no" TEXT NOT NULL REFERENCES "deposits" ("out_trade_no"),
  "amount_fen" INTEGER NOT NULL CHECK ("amount_fen" > 0),
  "reason" TEXT NOT NULL,
  "status" TEXT NOT NULL DEFAULT 'processing',
  "refund_id" TEXT,
  "requested_by" TEXT NOT NULL,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "finished_at" TIMESTAMPTZ(3)
);
CREATE INDEX "refunds_order_idx" ON "refunds" ("out_trade_no");
