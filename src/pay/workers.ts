/** The deposit's background work: orders expiring unpaid (closed, then asked once more) and the sweep of pending ones. */
import type { Ctx, Workers } from '../context.js';
import type { RedisClient } from '../infra/redis.js';
import { settle, sweepPending } from './deposit.js';
import { startPayWorker } from './queue.js';

export const startPayWorkers = (ctx: Ctx, connection: RedisClient): Promise<Workers> =>
  startPayWorker(ctx, connection, { expire: (no) => settle(ctx, no, 'expired'), sweep: () => sweepPending(ctx) });
