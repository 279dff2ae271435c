/**
 * The engine a run drives: the product's own (connect(), as a worker process has it) in a database
 * of its own and so a Redis namespace of its own, configured with the setting and policy tried, its
 * clock the run's, its template messages counted instead of sent. Closing drops the namespace and
 * the database.
 */
import { connect } from '../boot.js';
import { type Config, loadConfig } from '../config.js';
import type { Ctx, Outgoing } from '../context.js';
import { checkoutsHash } from '../infra/keys.js';
import { checkoutId, dropNamespace } from '../infra/namespace.js';
import type { Logger } from '../log.js';
import { simDatabase } from './database.js';
import { type Policy, policyEnv } from './policies.js';
import { engineEnv, type Settings } from './scenario.js';

export interface SimEngine {
  ctx: Ctx;
  /** BullMQ's connection (no key prefix). */
  queueConn: Awaited<ReturnType<typeof connect>>['queueConn'];
  /** Template messages queued, by kind (sorted). */
  messages(): Record<string, number>;
  close(): Promise<void>;
}

export async function openEngine(o: {
  settings: Settings;
  policy: Policy;
  server: string | null;
  env: Record<string, string | undefined>;
  log: Logger;
  now: () => number;
}): Promise<SimEngine> {
  const database = await simDatabase(o.server);
  const config: Config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    REDIS_URL: o.env.REDIS_URL,
    REDIS_CLUSTER_NODES: o.env.REDIS_CLUSTER_NODES,
    DATABASE_URL: database.url,
    DATA_DIR: database.dataDir,
    SESSION_SECRET: 'simulation-session-secret-0123456789',
    PUBLIC_URL: 'http://127.0.0.1:9',
    ...engineEnv(o.settings),
    ...policyEnv(o.policy, o.settings),
  });
  const connected = await connect(config, { log: o.log, now: o.now });
  const ctx = connected.ctx;
  const realNotifier = ctx.notify;
  const counts: Record<string, number> = {};
  ctx.notify = {
    async enqueue(list: Outgoing[]) {
      for (const m of list) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
      return list.length;
    },
    requeue: async () => 0,
    close: async () => {},
  };
  return {
    ctx,
    queueConn: connected.queueConn,
    messages: () => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))),
    async close() {
      await realNotifier.close().catch(() => {});
      await dropNamespace(connected.queueConn, ctx.ns).catch(() => {});
      await connected.queueConn
        .hdel(checkoutsHash, checkoutId({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL }))
        .catch(() => {});
      await connected.close().catch(() => {});
      await database.drop().catch(() => {});
    },
  };
}
