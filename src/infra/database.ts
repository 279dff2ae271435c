/**
 * PostgreSQL: DATABASE_URL, or an embedded PGlite database under DATA_DIR served over the
 * PostgreSQL wire protocol on a loopback port. Serving it over the wire (rather than through a
 * special Prisma adapter) means the embedded and the real database run the same migrator, the
 * same driver and the same queries.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../log.js';

export type Db = PrismaClient;

export interface Database {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function ensureDatabase(url: string | undefined, dataDir: string, log: Logger): Promise<Database> {
  if (url) return { url, embedded: false, stop: async () => {} };
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const dir = resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  log.info({ dir, port }, 'DATABASE_URL unset: embedded PGlite database');
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** The client and its pool; the pool is ours to end (Prisma does not end a pool it was handed). */
export function createPrisma(url: string, poolSize = 10): { db: PrismaClient; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client killed by the server (restart, failover) must not crash the process.
  pool.on('error', () => {});
  return { db: new PrismaClient({ adapter: new PrismaPg(pool) }), pool };
}
