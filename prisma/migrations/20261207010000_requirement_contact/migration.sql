-- A trip's contact is what was true when it was submitted: kept on the requirement itself, so a
-- traveler who later verifies or changes a number (their own row) never rewrites the contact a
-- planner holds, another traveler's trip, or what ops search by. Existing trips take their
-- traveler's current name and phone.
ALTER TABLE "requirements" ADD COLUMN "contact_name" TEXT;
ALTER TABLE "requirements" ADD COLUMN "contact_phone" TEXT;
UPDATE "requirements" r SET "contact_name" = t."name", "contact_phone" = t."phone" FROM "travelers" t WHERE t."id" = r."traveler_id";
ALTER TABLE "requirements" ALTER COLUMN "contact_name" SET NOT NULL;
ALTER TABLE "requirements" ALTER COLUMN "contact_phone" SET NOT NULL;
CREATE INDEX "requirements_contact_phone_idx" ON "requirements" ("contact_phone");
