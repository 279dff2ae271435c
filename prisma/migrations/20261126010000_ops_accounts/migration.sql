-- Ops accounts (the console's users) and the audit log of every ops action.
CREATE TABLE "ops_accounts" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "password_hash" TEXT NOT NULL,
    "password_set_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "ops_accounts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ops_accounts_role_check" CHECK ("role" IN ('admin', 'ops')),
    CONSTRAINT "ops_accounts_status_check" CHECK ("status" IN ('active', 'suspended'))
);
CREATE UNIQUE INDEX "ops_accounts_email_key" ON "ops_accounts" ("email");

CREATE TABLE "ops_audit" (
    "id" BIGSERIAL NOT NULL,
    "account_id" INTEGER,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    CONSTRAINT "ops_audit_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ops_audit_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ops_accounts"("id") ON DELETE SET NULL
);
CREATE INDEX "ops_audit_at_idx" ON "ops_audit" ("at" DESC);
