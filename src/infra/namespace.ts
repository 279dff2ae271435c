/**
 * Which Redis namespace this process uses: the database's own (infra/keys.ts `namespaceOf`), so
 * state in Redis can never be mistaken for another database's. The identity is the id of the first
 * migration record, a random UUID written once per database: a database that is dropped and made
 * again (the embedded one deleted under .data/, a test database recreated) gets a new one. When this
 * checkout (data directory + database URL) used another namespace before, that database is gone, and
 * its keys are dropped; other checkouts' namespaces on the same Redis are never touched.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import type { Logger } from '../log.js';
import { checkoutsHash, namespaceOf, scanKeys } from './keys.js';
import type { RedisClient } from './redis.js';

export async function databaseIdentity(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM _prisma_migrations ORDER BY started_at, id LIMIT 1');
  return rows[0]?.id ?? 'none';
}

/** This checkout: its data directory and the database it is configured with (the embedded one lives in the directory). */
export function checkoutId(checkout: { dataDir: string; databaseUrl?: string }): string {
  return createHash('sha1')
    .update(`${resolve(checkout.dataDir)}|${checkout.databaseUrl ?? 'embedded'}`)
    .digest('hex')
    .slice(0, 16);
}

/** Records `ns` as this checkout's namespace; drops the keys of the one it replaces. Returns how many keys went. */
export async function claimNamespace(
  raw: RedisClient,
  checkout: { dataDir: string; databaseUrl?: string },
  ns: string,
  log: Logger,
): Promise<number> {
  const who = checkoutId(checkout);
  const previous = await raw.hget(checkoutsHash, who);
  await raw.hset(checkoutsHash, who, ns);
  if (!previous || previous === ns) return 0;
  log.warn({ previous, ns }, "this checkout's database was replaced: dropping the old database's Redis state");
  return dropNamespace(raw, previous);
}

/** Every key under a namespace, gone (`raw` must be a connection without a keyPrefix). */
export async function dropNamespace(raw: RedisClient, ns: string): Promise<number> {
  if (!ns.startsWith('dz:') || ns.length < 8) throw new Error(`not a namespace: ${ns}`);
  let dropped = 0;
  for await (const keys of scanKeys(raw, `${ns}*`)) {
    // One key per command: a cluster refuses a multi-key UNLINK across slots (they go out pipelined).
    const counts = await Promise.all(keys.map((k) => raw.unlink(k)));
    dropped += counts.reduce((a, b) => a + b, 0);
  }
  return dropped;
}

export { namespaceOf };
