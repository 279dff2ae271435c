-- Personal data (src/traveler/privacy.ts): a traveler who deleted their account (or was erased by ops
-- on request) keeps their business records without their personal fields; a trip's contact and notes
-- are anonymised by the retention rule (PRIVACY_RETENTION_DAYS) a set time after it ended or closed.
ALTER TABLE "travelers" ADD COLUMN "erased_at" TIMESTAMPTZ(3);
-- An erased account's sessions are refused (session/record.ts), like a suspended planner's.
ALTER TABLE "travelers" ADD COLUMN "sessions_valid_after" TIMESTAMPTZ(3);
ALTER TABLE "requirements" ADD COLUMN "anonymised_at" TIMESTAMPTZ(3);
-- The retention rule walks only the trips not yet anonymised, by when they ended or closed.
CREATE INDEX "requirements_retention_return_idx" ON "requirements"("return_date") WHERE "anonymised_at" IS NULL;
CREATE INDEX "requirements_retention_closed_idx" ON "requirements"("closed_at") WHERE "anonymised_at" IS NULL;
