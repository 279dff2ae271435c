-- Bind codes expire (and are no longer 6 digits: random, unguessable).
ALTER TABLE "planners" ADD COLUMN "bind_code_expires_at" TIMESTAMP(3);

-- A typed phone is a claim, not a proof: travelers are WeChat users first. A phone is unique among
-- the travelers ops entered without WeChat (one per phone) and among verified phones; a WeChat
-- user may type any number for their own trips until they verify it.
ALTER TABLE "travelers" ADD COLUMN "phone_verified_at" TIMESTAMP(3);
DROP INDEX "travelers_phone_key";
CREATE INDEX "travelers_phone_idx" ON "travelers"("phone");
CREATE UNIQUE INDEX "travelers_phone_unclaimed_key" ON "travelers"("phone") WHERE "openid" IS NULL;
CREATE UNIQUE INDEX "travelers_phone_verified_key" ON "travelers"("phone") WHERE "phone_verified_at" IS NOT NULL;
