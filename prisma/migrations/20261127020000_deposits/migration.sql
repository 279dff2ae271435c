-- The traveler's deposit: one WeChat Pay order per attempt (a new one after an unpaid one expires),
-- at most one live (pending, paid, refunding) per requirement, and every state change recorded.
CREATE TABLE "deposits" (
  "out_trade_no" TEXT PRIMARY KEY,
  "requirement_id" INTEGER NOT NULL REFERENCES "requirements" ("id"),
  "work_order_id" TEXT NOT NULL,
  "traveler_id" INTEGER NOT NULL,
  "openid" TEXT NOT NULL,
  "amount_fen" INTEGER NOT NULL CHECK ("amount_fen" > 0),
  "status" TEXT NOT NULL DEFAULT 'pending',
  "prepay_id" TEXT,
  "prepaid_at" TIMESTAMPTZ(3),
  "expires_at" TIMESTAMPTZ(3) NOT NULL,
  "transaction_id" TEXT,
  "paid_at" TIMESTAMPTZ(3),
  "refunded_fen" INTEGER NOT NULL DEFAULT 0,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "deposits_one_live_per_requirement" ON "deposits" ("requirement_id") WHERE "status" IN ('pending', 'paid', 'refunding');
CREATE INDEX "deposits_status_idx" ON "deposits" ("status", "created_at");

CREATE TABLE "payment_events" (
  "id" BIGSERIAL PRIMARY KEY,
  "out_trade_no" TEXT NOT NULL REFERENCES "deposits" ("out_trade_no"),
  "what" TEXT NOT NULL,
  "who" TEXT NOT NULL,
  "detail" JSONB,
  "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "payment_events_order_idx" ON "payment_events" ("out_trade_no", "at");
