-- no-transaction
-- The list's search: a contact name's beginning (LIKE 'x%'). Built without blocking writes: a year of rows (docs/production.md).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "requirements_contact_name_prefix_idx" ON "requirements"("contact_name" text_pattern_ops);
