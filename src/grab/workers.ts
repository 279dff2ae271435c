/** The engine's background work in a worker process: its lifecycle jobs (releases, deadlines, offers) and the reconciler. */
import type { Ctx, Workers } from '../context.js';
import type { RedisClient } from '../infra/redis.js';
import { reconcile } from './journal.js';
import { handleJob } from './lifecycle.js';
import { startWorker } from './queue.js';

export function startEngineWorkers(ctx: Ctx, connection: RedisClient): Workers {
  const worker = startWorker(ctx, connection, (job) => handleJob(ctx, job));
  const timer = setInterval(
    () => void reconcile(ctx).catch((err) => ctx.log.error({ err }, 'reconcile failed')),
    ctx.config.RECONCILE_EVERY * 1000,
  );
  return {
    worker,
    async close() {
      clearInterval(timer);
      await worker.close();
    },
  };
}
