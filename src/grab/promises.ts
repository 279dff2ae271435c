/**
 * Wins answered "being confirmed" (202: won in Redis, PostgreSQL out of reach) are promises to a
 * planner. The journal in Redis keeps them for the reconciler, but a second fault — Redis losing
 * its data before PostgreSQL is back and the reconciler's next pass — would lose them silently.
 * So the answering process keeps each promise too, and tries every second:
 *  - the journal entry is still in Redis: replay the requirement's journal (syncRequirement), which
 *    records it as soon as PostgreSQL answers (not on the reconciler's next tick);
 *  - Redis lost it and PostgreSQL has no such work order: grab again with the same work-order id,
 *    through the same script and rules, on the state rebuilt from PostgreSQL. Won: recorded, and
 *    told as every win is. Refused (the slot went to someone else meanwhile): the promise cannot be
 *    kept, and the planner is told so (an `unconfirmed` event: a template message), never left waiting.
 * A third fault (this process dying too before PostgreSQL returns) can still lose a promise: where
 * that matters, run Redis with AOF (docs/operations.md, Deployment).
 */
import type { Ctx } from '../context.js';
import type { Channel } from '../generated/prisma/enums.js';
import { syncRequirement } from './journal.js';
import { requirementKeys } from './keys.js';

interface Promised {
  requirementId: number;
  plannerId: number;
  channel: Channel;
  /** The engine's grab, handed in by grab.ts (which imports this file: no import back). */
  grab: (
    ctx: Ctx,
    input: { plannerId: number; requirementId: number; channel: Channel; workOrderId: string },
  ) => Promise<{ ok: true; confirming?: true } | { ok: false; code: string }>;
  since: number;
}

const RETRY_MS = 1_000;

interface Keeper {
  promised: Map<string, Promised>;
  timer: NodeJS.Timeout | null;
  busy: boolean;
  closed: boolean;
}

const keepers = new WeakMap<object, Keeper>();
const keeperOf = (ctx: Ctx) => {
  let k = keepers.get(ctx.redis);
  if (!k) keepers.set(ctx.redis, (k = { promised: new Map(), timer: null, busy: false, closed: false }));
  return k;
};

/** A win answered 202: kept by this process until it is recorded or known lost. */
export function keepPromise(ctx: Ctx, workOrderId: string, p: Omit<Promised, 'since'>): void {
  const k = keeperOf(ctx);
  if (k.closed) return;
  if (!k.promised.has(workOrderId)) k.promised.set(workOrderId, { ...p, since: ctx.now() });
  schedule(ctx, k);
}

/** How many promises this process still keeps (metrics, tests). */
export const promisesKept = (ctx: Ctx) => keeperOf(ctx).promised.size;

/** Stops trying (the process is closing): what is still promised stays in the journal for the reconciler. */
export function closePromises(ctx: Ctx): void {
  const k = keeperOf(ctx);
  k.closed = true;
  if (k.timer) clearTimeout(k.timer);
  if (k.promised.size)
    ctx.log.warn({ promised: [...k.promised.keys()] }, 'closing with confirming wins not yet recorded: the reconciler has their journal');
}

function schedule(ctx: Ctx, k: Keeper) {
  if (k.timer || k.busy || k.closed || !k.promised.size) return;
  k.timer = setTimeout(() => {
    k.timer = null;
    void pass(ctx, k);
  }, RETRY_MS);
  k.timer.unref();
}

async function pass(ctx: Ctx, k: Keeper) {
  k.busy = true;
  try {
    for (const [id, p] of [...k.promised]) {
      if (k.closed) return;
      const outcome = await tryToKeep(ctx, id, p).catch((err: Error) => {
        ctx.log.debug({ err: err.message, workOrderId: id }, 'confirming win not recorded yet: trying again');
        return 'pending' as const;
      });
      if (outcome !== 'pending') k.promised.delete(id);
    }
  } finally {
    k.busy = false;
    schedule(ctx, k);
  }
}

const RECORDED = 'SELECT 1 FROM work_orders WHERE id = $1';

async function tryToKeep(ctx: Ctx, id: string, p: Promised): Promise<'kept' | 'lost' | 'pending'> {
  const recorded = async () => (await ctx.pool.query(RECORDED, [id])).rowCount === 1;
  if (await ctx.redis.hexists(requirementKeys(p.requirementId).workOrders, id)) {
    await syncRequirement(ctx, p.requirementId); // throws while PostgreSQL is out of reach
    return (await recorded()) ? 'kept' : 'pending';
  }
  if (await recorded()) return 'kept'; // recorded before Redis lost its journal
  // Redis lost the slot before it was recorded: won again on the rebuilt state, or lost.
  const again = await p.grab(ctx, { plannerId: p.plannerId, requirementId: p.requirementId, channel: p.channel, workOrderId: id });
  if (again.ok) return again.confirming ? 'pending' : 'kept';
  if (again.code === 'RATE_LIMITED' || again.code === 'IP_RATE_LIMITED') return 'pending';
  ctx.log.error(
    { workOrderId: id, requirementId: p.requirementId, plannerId: p.plannerId, code: again.code, since: p.since },
    'a win answered "being confirmed" could not be kept (Redis lost it, and the slot is no longer free): the planner is told',
  );
  await ctx.events.publish({
    type: 'unconfirmed',
    requirementId: p.requirementId,
    plannerId: p.plannerId,
    workOrderId: id,
    code: again.code,
    at: ctx.now(),
  });
  return 'lost';
}
