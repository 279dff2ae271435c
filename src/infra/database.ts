/**
 * PostgreSQL: DATABASE_URL, or an embedded PGlite database under DATA_DIR served over the
 * PostgreSQL wire protocol on a loopback port. Serving it over the wire (rather than through a
 * special Prisma adapter) means the embedded and the real database run the same migrator, the
 * same driver and the same queries.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log.js';

export type Db = PrismaClient;

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** Whether a PostgreSQL server answers at url (one short connection). */
async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * PGlite is one process's database: the process that opens .data/pglite serves it on a loopback
 * port and writes that URL to .data/pglite.url; any other process (npm run seed while npm start
 * runs, a ROLE=worker beside a ROLE=web) connects there instead of opening the files twice.
 */
export async function ensureDatabase(url: string | undefined, dataDir: string, log: Logger): Promise<Database> {
  if (url) return { url, embedded: false, stop: async () => {} };
  const dir = resolve(dataDir, 'pglite');
  const urlFile = resolve(dataDir, 'pglite.url');
  if (existsSync(urlFile)) {
    const served = readFileSync(urlFile, 'utf8').trim();
    if (await answers(served)) {
      log.info({ url: served }, 'DATABASE_URL unset: using the embedded database another process serves');
      return { url: served, embedded: true, stop: async () => {} };
    }
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  const served = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  writeFileSync(urlFile, served);
  log.info({ dir, port }, 'DATABASE_URL unset: embedded PGlite database');
  return {
    url: served,
    embedded: true,
    stop: async () => {
      rmSync(urlFile, { force: true });
      await server.stop();
      await db.close();
    },
  };
}

function newPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  // An idle client killed by the server (restart, failover) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

/**
 * One connection whose commits do not wait for the disk (synchronous_commit off): for writes that
 * may lose their last fraction of a second if PostgreSQL itself crashes, and must not make the
 * records that may not (a win) wait behind their WAL flushes. The grab audit trail is one.
 */
export function relaxedPool(url: string): pg.Pool {
  return newPool({ connectionString: url, max: 1, options: '-c synchronous_commit=off' });
}

/** The recorder's connections' name in pg_stat_activity. */
export const RECORDER_APP = 'dz-recorder';

/**
 * The wins' own connections (grab/journal.ts's recorder): `size` of them, never closed for being
 * idle. A storm's first wins must not wait for connections to open (a new backend, its catalog
 * caches cold, its statements planned again) nor queue behind the web's other queries.
 */
export function recorderPool(url: string, size: number): pg.Pool {
  return newPool({ connectionString: url, max: size, idleTimeoutMillis: 0, application_name: RECORDER_APP });
}

/**
 * The client and its pool; the pool is ours to end (Prisma does not end a pool it was handed).
 * `embedded`: the pool is on the embedded database (see `named`).
 */
export function createPrisma(url: string, poolSize = 10, embedded = false): { db: PrismaClient; pool: pg.Pool } {
  // No JIT: its compile time (tens of ms) is paid by the console's reports over a year of rows and buys nothing at their size.
  const pool = newPool({ connectionString: url, max: poolSize, ...(embedded ? {} : { options: '-c jit=off' }) });
  if (embedded) oneSession.add(pool);
  return { db: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}

/**
 * Pools on the embedded database. PGlite has one session behind every connection, so a statement
 * one connection prepares by name exists for all, and another's (another process's) fails with
 * "already exists": they run the same statements unnamed.
 */
const oneSession = new WeakSet<pg.Pool>();

/**
 * A hot statement by name: PostgreSQL plans it once per connection, not on every call (a fresh plan
 * of the win's message query was ~0.5 ms of its CPU warm, several ms on a new connection: more than
 * running it). Unnamed on the embedded database. (Behind PgBouncer in transaction mode, named
 * statements need PgBouncer 1.21 or later with max_prepared_statements set: docs/operations.md, Deployment.)
 */
export function named(pool: pg.Pool, name: string, text: string, values: unknown[]): pg.QueryConfig {
  return oneSession.has(pool) ? { text, values } : { name, text, values };
}
