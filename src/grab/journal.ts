/**
 * Nothing lost between Redis and PostgreSQL. The grab script writes each accepted work order to
 * the requirement's journal (`wo` hash + `unsynced` set) in the same atomic step that awards the
 * slot. The request inserts it into PostgreSQL (idempotent by work-order id), answers, then
 * schedules the proposal deadline and only then clears the unsynced mark. If the process dies
 * anywhere in between, `syncRequirement` (run at boot and every RECONCILE_EVERY seconds for
 * every live requirement) replays what is still marked, and republishes each win's event (the
 * event id is the work order's, so a listener that had it already does nothing): every step of it
 * is idempotent.
 */

import type { Pool, PoolClient } from 'pg';
import type { Ctx } from '../context.js';
import { republishOutbox } from '../events/index.js';
import { sqlUtc } from '../format.js';
import type { Channel } from '../generated/prisma/enums.js';
import { named } from '../infra/database.js';
import { afterChoose } from './choose.js';
import { dayKey, plannerKeys, reconcileLock, requirementKeys } from './keys.js';
import { withLock } from './lock.js';
import { publishFull, publishWin } from './publish.js';
import { proposalDue, scheduleDeadline, scheduleOffer } from './queue.js';

export interface JournalEntry {
  plannerId: number;
  supplierId: number;
  channel: Channel;
  at: number;
}

// The last slot's win also says, in the same statement (one round trip, one commit), that the
// requirement is full as of that grab: what persistStatus would copy from Redis, where the grab
// script has just written status full and fullAt = the grab's time.
const INSERT = `WITH t AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::"Channel"[], $6::timestamp(3)[], $7::timestamp(3)[], $8::bool[])
      AS t(id, requirement_id, planner_id, supplier_id, channel, grabbed_at, deadline_at, made_full)),
  recorded AS (
    INSERT INTO work_orders (id, requirement_id, planner_id, supplier_id, channel, status, grabbed_at, deadline_at)
    SELECT id, requirement_id, planner_id, supplier_id, channel, 'active', grabbed_at, deadline_at FROM t
    ON CONFLICT (id) DO NOTHING)
  UPDATE requirements r SET status = 'full', full_at = t.grabbed_at
    FROM t WHERE t.made_full AND r.id = t.requirement_id AND r.status = 'open'`;
// Only the id may conflict (a replay of a recorded win). Any other unique violation means Redis and
// PostgreSQL disagree about who holds a slot: it must fail loudly, never be skipped.

/** A win to record; `madeFull`: it took the requirement's last slot. */
type Row = { id: string; requirementId: number; madeFull?: boolean } & JournalEntry;

/** The rows in one statement, named (planned once per connection); `on`: one of `pool`'s connections. */
function insert(pool: Pool, deadlineSec: number, rows: Row[], on: Pool | PoolClient = pool) {
  return on.query(
    named(pool, 'dz-record-wins', INSERT, [
      rows.map((r) => r.id),
      rows.map((r) => r.requirementId),
      rows.map((r) => r.plannerId),
      rows.map((r) => r.supplierId),
      rows.map((r) => r.channel),
      rows.map((r) => sqlUtc(r.at)),
      rows.map((r) => sqlUtc(proposalDue(deadlineSec, r.at))),
      rows.map((r) => r.madeFull === true),
    ]),
  );
}

/** Inserts journal entries as work orders; ids already there are left alone (idempotent replay). */
export async function persistWorkOrders(ctx: Ctx, requirementId: number, entries: [string, JournalEntry][]): Promise<void> {
  if (entries.length)
    await insert(
      ctx.pool,
      ctx.config.PROPOSAL_DEADLINE,
      entries.map(([id, e]) => ({ id, requirementId, ...e })),
    );
}

/** Writes in flight at once, each on a connection of its own: the recorder's pool holds this many. */
export const RECORDER_CONNECTIONS = 4;

/**
 * Group commit for wins. A storm awards hundreds of slots within a second; one INSERT each would
 * queue them all behind the connection pool. Wins that arrive while writes are in flight ride
 * together in the next one: one statement (plain SQL on the pool, not Prisma's per-call
 * compilation), one round trip, however many wins. Each caller resolves when its row is committed.
 * `pool` is the recorder's own (infra/database.ts's recorderPool) of RECORDER_CONNECTIONS.
 */
export function createRecorder(pool: Pool, deadlineSec: number) {
  let pending: { row: Row; done: (err?: unknown) => void }[] = [];
  let inFlight = 0;

  function pump() {
    while (inFlight < RECORDER_CONNECTIONS && pending.length) {
      const batch = pending;
      pending = [];
      inFlight++;
      insert(
        pool,
        deadlineSec,
        batch.map((b) => b.row),
      )
        .then(
          () => {
            for (const b of batch) b.done();
          },
          // One bad row must not fail its neighbours: retry them one by one.
          async (err) => {
            if (batch.length === 1) return batch[0].done(err);
            await Promise.all(
              batch.map((b) =>
                insert(pool, deadlineSec, [b.row]).then(
                  () => b.done(),
                  (e) => b.done(e),
                ),
              ),
            );
          },
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return {
    async warm() {
      // Every connection opened at once and its statement prepared (an insert of no rows), so no
      // win waits for a connection; never more than the pool holds (the embedded database's one).
      const n = Math.min(RECORDER_CONNECTIONS, pool.options.max ?? RECORDER_CONNECTIONS);
      const clients = await Promise.all(Array.from({ length: n }, () => pool.connect()));
      try {
        await Promise.all(clients.map((c) => insert(pool, deadlineSec, [], c)));
      } finally {
        for (const c of clients) c.release();
      }
    },
    record(row: Row): Promise<void> {
      return new Promise((resolve, reject) => {
        pending.push({ row, done: (err) => (err ? reject(err) : resolve()) });
        if (pending.length === 1) queueMicrotask(pump); // gather what this tick brings
      });
    },
  };
}

/** The journal entries are fully handled (recorded, deadline scheduled): nothing left to replay. */
export async function markSynced(ctx: Ctx, requirementId: number, ids: string[]): Promise<void> {
  if (ids.length) await ctx.redis.srem(requirementKeys(requirementId).unsynced, ...ids);
}

const SET_STATUS = `UPDATE requirements SET status = $2::"RequirementStatus", full_at = $3::timestamp(3)
  WHERE id = $1 AND status IN ('open', 'full') AND status <> $2::"RequirementStatus"`;

/** Copies Redis's view of the requirement's status (open ⇄ full) into PostgreSQL. */
export async function persistStatus(ctx: Ctx, requirementId: number): Promise<void> {
  const [status, fullAt] = await ctx.redis.hmget(requirementKeys(requirementId).meta, 'status', 'fullAt');
  if (status !== 'open' && status !== 'full') return;
  await ctx.pool.query(SET_STATUS, [requirementId, status, fullAt ? sqlUtc(Number(fullAt)) : null]);
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
  const [status, filled, wanted] = await ctx.redis.hmget(k.meta, 'status', 'filled', 'wanted');
  const slotsLeft = Math.max(0, Number(wanted) - Number(filled));
  for (const [id, e] of entries) {
    // The process may have died before the planner side was confirmed: confirming is idempotent.
    const pk = plannerKeys(e.plannerId, day);
    const dispatch = e.channel === 'dispatch';
    await ctx.lua.confirmPlanner(pk, { requirementId, workOrderId: id, token: '-', dispatch });
    await scheduleDeadline(ctx, id, e.at);
    if (dispatch) await scheduleOffer(ctx, id, e.at);
    await publishWin(ctx, { requirementId, plannerId: e.plannerId, workOrderId: id, dispatch, slotsLeft, at: e.at });
  }
  if (status === 'full') await publishFull(ctx, requirementId);
  await markSynced(
    ctx,
    requirementId,
    entries.map(([id]) => id),
  );
  await persistStatus(ctx, requirementId);
  ctx.log.warn({ requirementId, replayed: entries.length }, 'journal replayed grabs into PostgreSQL');
  return entries.length;
}

/** One pass over every live requirement, by one process at a time. */
export async function reconcile(ctx: Ctx): Promise<number | null> {
  return withLock(ctx, reconcileLock, 60_000, async () => {
    const live = await ctx.db.requirement.findMany({ where: { status: { in: ['open', 'full'] } }, select: { id: true, status: true } });
    // One pipelined look at every live requirement: anything unsynced, and Redis's open/full.
    const looks = await Promise.all(
      live.map(async (r) => {
        const k = requirementKeys(r.id);
        const [pending, hot] = await Promise.all([ctx.redis.scard(k.unsynced), ctx.redis.hget(k.meta, 'status')]);
        return { ...r, pending, hot };
      }),
    );
    let replayed = 0;
    // Events decided in a PostgreSQL transaction whose process died before appending them.
    // A choice committed whose process died before its Redis steps: done now, then published.
    await republishOutbox(ctx.pool, ctx.events, 5_000, async (events) => {
      for (const e of events) if (e.type === 'chosen') await afterChoose(ctx, e);
    });
    for (const r of looks) {
      const n = r.pending ? await syncRequirement(ctx, r.id) : 0; // a replay persists the status too
      replayed += n;
      // A crash after a grab (or an expiry) may also have missed open ⇄ full. Nothing replayed also
      // covers a win whose own steps cleared its mark since the look: its status is still to check.
      if (n === 0 && (r.hot === 'open' || r.hot === 'full') && r.hot !== r.status) await persistStatus(ctx, r.id);
    }
    return replayed;
  });
}
