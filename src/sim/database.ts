/**
 * Where a simulation keeps its records: a database of its own on a PostgreSQL server (cloned from a
 * migrated template, so a replication costs a CREATE DATABASE, not a migration), dropped after;
 * with no server, an embedded one in a temporary directory. Its Redis namespace follows from the
 * database (infra/namespace.ts) and is dropped after too: a simulation never touches a
 * deployment's data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { migrate } from '../infra/migrate.js';

export interface SimDatabase {
  /** The database's URL, or undefined for an embedded one in `dataDir`. */
  url?: string;
  dataDir: string;
  drop(): Promise<void>;
}

const MIGRATIONS = resolve(import.meta.dirname, '../../prisma/migrations');

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

async function admin<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * The server simulations use: SIM_DATABASE_URL, else DATABASE_URL's server, else a local one on
 * 5432 if it answers; null: embedded databases.
 */
export async function simServer(env: Record<string, string | undefined> = process.env): Promise<string | null> {
  const configured = env.SIM_DATABASE_URL ?? env.DATABASE_URL;
  if (configured) return configured;
  const local = 'postgresql://postgres@127.0.0.1:5432/postgres';
  return (await answers(local)) ? local : null;
}

/** A database for one simulation run. */
export async function simDatabase(server: string | null): Promise<SimDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dz-sim-'));
  const cleanDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (!server) return { dataDir, drop: async () => cleanDir() };
  const template = await ensureTemplate(server);
  const name = `dz_sim_${randomBytes(6).toString('hex')}`;
  // Two clones at once may find the template busy for a moment ("being accessed by other users"): tried again.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin(server, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      break;
    } catch (err) {
      if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 100 + attempt * 50));
    }
  }
  const url = withDatabase(server, name);
  // A clone carries the template's identity (its first migration's id), hence its Redis namespace: a new one.
  await admin(url, (c) =>
    c.query(`UPDATE _prisma_migrations SET id = $1 WHERE id = (SELECT id FROM _prisma_migrations ORDER BY started_at, id LIMIT 1)`, [
      randomBytes(16).toString('hex'),
    ]),
  );
  return {
    url,
    dataDir,
    async drop() {
      await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      cleanDir();
    },
  };
}

/** The migrated template of this commit's schema (named by its migrations), made once per server. */
async function ensureTemplate(server: string): Promise<string> {
  const hash = createHash('sha1').update(readdirSync(MIGRATIONS).sort().join('|')).digest('hex').slice(0, 10);
  const name = `dz_sim_tpl_${hash}`;
  const exists = await admin(server, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]));
  if (exists.rowCount) return name;
  // Built under another name and renamed when complete: a half-migrated template is never cloned.
  const building = `${name}_${randomBytes(3).toString('hex')}`;
  await admin(server, (c) => c.query(`CREATE DATABASE ${building}`));
  await migrate(withDatabase(server, building));
  await admin(server, async (c) => {
    try {
      await c.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    } catch {
      await c.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`); // another run made it first
    }
  });
  return name;
}
