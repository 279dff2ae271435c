/**
 * Applies prisma/migrations in order and records them in `_prisma_migrations` exactly as
 * `prisma migrate deploy` does, so a deployment that has Prisma's schema engine can switch to it
 * (and this machine, which cannot download that engine, still migrates). Concurrent boots are
 * serialized by an advisory lock; each migration runs in its own transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';

const DIR = resolve(import.meta.dirname, '../../prisma/migrations');
const LOCK_KEY = 72_150_001; // arbitrary, constant: one migrator at a time per database

const TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = DIR): Migration[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Brings the database up to date; returns the names it applied. */
export async function migrate(url: string, dir = DIR): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Waited for by polling, not by a blocking pg_advisory_lock: a waiter blocked inside that
    // statement is a transaction in progress, and the holder's CREATE INDEX CONCURRENTLY waits for
    // every such transaction to end — each waiting on the other (a deadlock, seen with web
    // processes booting together on a new release). A try is a transaction that ends at once.
    while (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_KEY])).rows[0].ok)
      await new Promise((ok) => setTimeout(ok, 100));
    await client.query(TABLE);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const m of listMigrations(dir)) {
      const seen = done.get(m.name);
      if (seen && seen !== m.checksum) throw new Error(`migration ${m.name} was edited after it was applied (checksum differs)`);
      if (seen) continue;
      // `CREATE INDEX CONCURRENTLY` (a big table indexed without blocking its writes) cannot run in a
      // transaction: a migration whose first line is `-- no-transaction` holds that one statement and
      // runs as it is (docs/production.md, "Migrations on big tables").
      if (m.sql.startsWith('-- no-transaction\n')) {
        try {
          await client.query(m.sql);
        } catch (err) {
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
        }
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        applied.push(m.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.name);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
