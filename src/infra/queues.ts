/**
 * A capability's own BullMQ queue beside the engine's (`ctx.queue`): the same connection, under this
 * database's namespace, made once per context (the deposit's expiries, the console's simulations).
 */
import { Queue } from 'bullmq';
import type { Ctx } from '../context.js';
import { queuePrefix } from './keys.js';

const made = new WeakMap<Ctx, Map<string, Queue>>();

export function queueBeside(ctx: Ctx, name: string): Queue {
  let mine = made.get(ctx);
  if (!mine) made.set(ctx, (mine = new Map()));
  let q = mine.get(name);
  if (!q) {
    q = new Queue(name, { connection: ctx.queue.opts.connection as never, prefix: queuePrefix(ctx.ns, name) });
    mine.set(name, q);
  }
  return q;
}

/** Closes it, if it was made. */
export async function closeQueueBeside(ctx: Ctx, name: string): Promise<void> {
  const q = made.get(ctx)?.get(name);
  made.get(ctx)?.delete(name);
  await q?.close();
}
