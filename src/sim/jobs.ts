/**
 * The engine's BullMQ jobs stepped in virtual time. Every lifecycle job is stamped with the
 * product's clock (grab/queue.ts), so its due time is in the delayed set's score (BullMQ keeps
 * `(timestamp + delay) · 4096 + n`). The simulator asks when the next one is due, moves its clock
 * there, promotes the job and runs it through the engine's own processor on a worker without a
 * processor of its own (BullMQ's manual processing: getNextJob, moveToCompleted). Nothing is faked:
 * BullMQ fires nothing by itself, because virtual time is ahead of the wall clock.
 */
import { randomBytes } from 'node:crypto';
import { Job, type Queue, Worker } from 'bullmq';
import type { Ctx } from '../context.js';
import { LIFECYCLE_QUEUE, type LifecycleJob, runLifecycleJob } from '../grab/index.js';
import { queuePrefix } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';

export interface Stepper {
  /** When the next job is due (virtual ms): now if one waits, null if none is scheduled. */
  nextDue(now: number): Promise<number | null>;
  /** Runs the job due first; returns what it was, or null when none was due. */
  runNext(now: number): Promise<{ name: string; data: LifecycleJob; ok: boolean; error?: string } | null>;
  /** Jobs due at or before `t` still scheduled (the end's check that every due one ran). */
  dueBy(t: number): Promise<string[]>;
  /** Jobs that failed every attempt (BullMQ's failed set): due work never done. */
  failed(): Promise<string[]>;
  close(): Promise<void>;
}

export function lifecycleStepper(ctx: Ctx, conn: RedisClient): Stepper {
  const prefix = queuePrefix(ctx.ns, LIFECYCLE_QUEUE);
  const key = (k: string) => `${prefix}:${LIFECYCLE_QUEUE}:${k}`;
  const queue = ctx.queue as Queue<LifecycleJob>;
  const worker = new Worker<LifecycleJob>(LIFECYCLE_QUEUE, null, { connection: conn, prefix, autorun: false });
  const token = randomBytes(8).toString('hex');
  const due = (score: string) => Math.floor(Number(score) / 4096);

  async function firstDelayed(): Promise<{ id: string; at: number } | null> {
    const [id, score] = await conn.zrange(key('delayed'), '0', '0', 'WITHSCORES');
    return id ? { id, at: due(score) } : null;
  }

  return {
    async nextDue(now) {
      const [waiting, first] = await Promise.all([conn.llen(key('wait')), firstDelayed()]);
      return waiting > 0 ? now : (first?.at ?? null);
    },
    async runNext(now) {
      if ((await conn.llen(key('wait'))) === 0) {
        const first = await firstDelayed();
        if (!first || first.at > now) return null;
        const job = await Job.fromId<LifecycleJob>(queue, first.id);
        if (!job) {
          await conn.zrem(key('delayed'), first.id);
          return null;
        }
        await job.promote();
      }
      const job = await worker.getNextJob(token, { block: false });
      if (!job) return null;
      try {
        const result = await runLifecycleJob(ctx, job);
        await job.moveToCompleted(result ?? null, token, false);
        return { name: job.name, data: job.data, ok: true };
      } catch (err) {
        await job.moveToFailed(err as Error, token, false);
        return { name: job.name, data: job.data, ok: false, error: (err as Error).message };
      }
    },
    async dueBy(t) {
      const ids = await conn.zrangebyscore(key('delayed'), 0, (t + 1) * 4096 - 1);
      const waiting = await conn.lrange(key('wait'), 0, -1);
      return [...waiting, ...ids];
    },
    async failed() {
      return conn.zrange(key('failed'), '0', '9');
    },
    async close() {
      await worker.close();
    },
  };
}
