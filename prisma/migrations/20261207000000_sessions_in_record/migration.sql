-- Ended sessions are kept in the record, not only in Redis: a Redis that restarts empty rebuilds
-- its revocations from these (a suspended status refuses every session; otherwise sessions issued
-- up to sessions_valid_after are refused: an unbind, a sign-out, a password reset, a reinstatement).
ALTER TABLE "planners" ADD COLUMN "sessions_valid_after" TIMESTAMPTZ(3);
ALTER TABLE "ops_accounts" ADD COLUMN "sessions_valid_after" TIMESTAMPTZ(3);
