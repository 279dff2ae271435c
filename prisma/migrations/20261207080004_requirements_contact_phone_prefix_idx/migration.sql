-- no-transaction
-- The list's search: a contact phone's first digits. Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "requirements_contact_phone_prefix_idx" ON "requirements"("contact_phone" text_pattern_ops);
