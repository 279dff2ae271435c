/**
 * The deposit's schedule (BullMQ `pay`): each order's expiry (close, then query) and a sweep every
 * few minutes that queries pending orders, because notifications can be lost.
 */
import { Queue, Worker } from 'bullmq';
import type { Ctx } from '../context.js';
import { queuePrefix } from '../infra/keys.js';
import { closeQueueBeside, queueBeside } from '../infra/queues.js';
import type { RedisClient } from '../infra/redis.js';

export const PAY_QUEUE = 'pay';
const SWEEP_EVERY_MS = 5 * 60_000;

const queueOf = (ctx: Ctx) => queueBeside(ctx, PAY_QUEUE);

export async function schedulePayJob(ctx: Ctx, outTradeNo: string, expiresAtMs: number): Promise<void> {
  await queueOf(ctx).add(
    'expire',
    { outTradeNo },
    {
      jobId: `expire-${outTradeNo}`,
      timestamp: ctx.now(),
      delay: Math.max(0, expiresAtMs - ctx.now()),
      attempts: 8,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: true,
      removeOnFail: 1000,
    },
  );
}

export async function startPayWorker(
  ctx: Ctx,
  connection: RedisClient,
  handle: { expire(outTradeNo: string): Promise<unknown>; sweep(): Promise<unknown> },
): Promise<{ close(): Promise<void> }> {
  const prefix = queuePrefix(ctx.ns, PAY_QUEUE);
  const q = new Queue(PAY_QUEUE, { connection, prefix });
  await q.upsertJobScheduler('sweep', { every: SWEEP_EVERY_MS }, { name: 'sweep', opts: { removeOnComplete: 20, removeOnFail: 20 } });
  const worker = new Worker(
    PAY_QUEUE,
    (job) => (job.name === 'sweep' ? handle.sweep() : handle.expire((job.data as { outTradeNo: string }).outTradeNo)),
    { connection, prefix },
  );
  return {
    async close() {
      await worker.close();
      await q.close();
      await closeQueueBeside(ctx, PAY_QUEUE);
    },
  };
}
