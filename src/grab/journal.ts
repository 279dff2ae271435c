/**
 * Nothing lost between Redis and PostgreSQL. The grab script writes each accepted work order to
 * the requirement's journal (`wo` hash + `unsynced` set) in the same atomic step that awards the
 * slot. The request inserts it into PostgreSQL (idempotent by work-order id), answers, then
 * schedules the proposal deadline and only then clears the unsynced mark. If the process dies
 * anywhere in between, `syncRequirement` (run at boot and every RECONCILE_EVERY seconds for
 * every live requirement) replays what is still marked: every step of it is idempotent.
 */
import type { Ctx } from '../context.js';
import type { Channel } from '../generated/prisma/enums.js';
import { dayKey, plannerKeys, reconcileLock, requirementKeys } from './keys.js';
import { scheduleDeadline } from './queue.js';
import { withLock } from './lock.js';

export interface JournalEntry {
  plannerId: number;
  supplierId: number;
  channel: Channel;
  at: number;
}

const INSERT = `INSERT INTO work_orders (id, requirement_id, planner_id, supplier_id, channel, status, grabbed_at, deadline_at)
  SELECT id, $2, planner_id, supplier_id, channel, 'active', grabbed_at, deadline_at
    FROM unnest($1::text[], $3::int[], $4::int[], $5::"Channel"[], $6::timestamp(3)[], $7::timestamp(3)[])
      AS t(id, planner_id, supplier_id, channel, grabbed_at, deadline_at)
  ON CONFLICT DO NOTHING`;

const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Inserts journal entries as work orders; ids already there are left alone (idempotent replay).
 * Plain SQL on the pool: this runs on every win, and Prisma compiles createMany per call.
 */
export async function persistWorkOrders(ctx: Ctx, requirementId: number, entries: [string, JournalEntry][]): Promise<void> {
  if (entries.length === 0) return;
  const deadlineMs = ctx.config.PROPOSAL_DEADLINE * 1000;
  await ctx.pool.query(INSERT, [
    entries.map(([id]) => id),
    requirementId,
    entries.map(([, e]) => e.plannerId),
    entries.map(([, e]) => e.supplierId),
    entries.map(([, e]) => e.channel),
    entries.map(([, e]) => utc(e.at)),
    entries.map(([, e]) => utc(e.at + deadlineMs)),
  ]);
}

/** The journal entries are fully handled (recorded, deadline scheduled): nothing left to replay. */
export async function markSynced(ctx: Ctx, requirementId: number, ids: string[]): Promise<void> {
  if (ids.length) await ctx.redis.srem(requirementKeys(requirementId).unsynced, ...ids);
}

/** Copies Redis's view of the requirement's status (open ⇄ full) into PostgreSQL. */
export async function persistStatus(ctx: Ctx, requirementId: number): Promise<void> {
  const [status, fullAt] = await ctx.redis.hmget(requirementKeys(requirementId).meta, 'status', 'fullAt');
  if (status !== 'open' && status !== 'full') return;
  await ctx.db.requirement.updateMany({
    where: { id: requirementId, status: { in: ['open', 'full'], not: status } },
    data: { status, fullAt: fullAt ? new Date(Number(fullAt)) : null },
  });
}

/** Replays every journal entry of one requirement that PostgreSQL may not have yet. */
export async function syncRequirement(ctx: Ctx, requirementId: number): Promise<number> {
  const k = requirementKeys(requirementId);
  const ids = await ctx.redis.smembers(k.unsynced);
  if (ids.length === 0) return 0;
  const raw = await ctx.redis.hmget(k.workOrders, ...ids);
  const entries = ids.flatMap((id, i) => (raw[i] ? [[id, JSON.parse(raw[i]!) as JournalEntry] as [string, JournalEntry]] : []));
  await persistWorkOrders(ctx, requirementId, entries);
  const day = dayKey(ctx.now());
  for (const [id, e] of entries) {
    // The process may have died before the planner side was confirmed: confirming is idempotent.
    const pk = plannerKeys(e.plannerId, day);
    await ctx.redis.confirmPlanner(pk.active, pk.reservations, pk.day, requirementId, id, '-');
    await scheduleDeadline(ctx, id, e.at);
  }
  await markSynced(ctx, requirementId, entries.map(([id]) => id));
  await persistStatus(ctx, requirementId);
  ctx.log.warn({ requirementId, replayed: entries.length }, 'journal replayed grabs into PostgreSQL');
  return entries.length;
}

/** One pass over every live requirement, by one process at a time. */
export async function reconcile(ctx: Ctx): Promise<number | null> {
  return withLock(ctx.redis, reconcileLock, 60_000, async () => {
    const live = await ctx.db.requirement.findMany({ where: { status: { in: ['open', 'full'] } }, select: { id: true } });
    let replayed = 0;
    for (const r of live) {
      replayed += await syncRequirement(ctx, r.id);
      await persistStatus(ctx, r.id); // a crash after the grab may also have missed open ⇄ full
    }
    return replayed;
  });
}
