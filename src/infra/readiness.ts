/**
 * Readiness (GET /readyz): can this process do its work now? Redis and PostgreSQL answer, every
 * migration this build carries is applied, and the Lua scripts are in Redis's script cache (a Redis
 * that restarted empty has none: they are loaded here, so the first grabs after a failover do not
 * each pay an EVAL). Liveness (GET /healthz) is the process answering at all: a load balancer takes
 * a process out of rotation on the first, a supervisor restarts it on the second.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { listMigrations } from './migrate.js';
import type { RedisClient } from './redis.js';
import { within } from './within.js';

export interface Readiness {
  ready: boolean;
  redis: boolean;
  database: boolean;
  /** Migrations of this build not applied to the database (a deploy ahead of its migration). */
  migrations: { ok: boolean; missing: string[] };
  /** Scripts found missing from Redis's cache and loaded by this check. */
  scripts: { ok: boolean; count: number; loaded: number };
}

const WITHIN_MS = 2_000;

/** Answered within the check's time, or the fallback (a failure is the fallback too). */
function answered<T>(p: Promise<T>, fallback: T): Promise<T> {
  return within(
    p.catch(() => fallback),
    WITHIN_MS,
    fallback,
  );
}

/** `lua`: every script's source the product runs. */
export function readinessCheck(redis: RedisClient, pool: Pool, lua: string[]): () => Promise<Readiness> {
  const wanted = listMigrations().map((m) => m.name);
  const shas = lua.map((source) => ({ source, sha: createHash('sha1').update(source).digest('hex') }));
  const nodes = () => ('nodes' in redis && redis.isCluster ? redis.nodes('master') : [redis]) as RedisClient[];

  async function scripts(): Promise<Readiness['scripts']> {
    let loaded = 0;
    for (const node of nodes()) {
      const have = (await node.script('EXISTS', ...shas.map((s) => s.sha))) as number[];
      for (const [i, s] of shas.entries())
        if (!have[i]) {
          await node.script('LOAD', s.source);
          loaded++;
        }
    }
    return { ok: true, count: shas.length, loaded };
  }

  return async () => {
    const [redisUp, applied] = await Promise.all([
      answered(
        redis.ping().then(() => true),
        false,
      ),
      answered(
        pool
          .query<{ migration_name: string }>(
            'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
          )
          .then((r): Set<string> | null => new Set(r.rows.map((x) => x.migration_name))),
        null,
      ),
    ]);
    const missing = applied ? wanted.filter((m) => !applied.has(m)) : wanted;
    const notLoaded: Readiness['scripts'] = { ok: false, count: shas.length, loaded: 0 };
    const lua = redisUp ? await answered(scripts(), notLoaded) : notLoaded;
    const database = applied !== null;
    return {
      ready: redisUp && database && !missing.length && lua.ok,
      redis: redisUp,
      database,
      migrations: { ok: database && !missing.length, missing },
      scripts: lua,
    };
  };
}
