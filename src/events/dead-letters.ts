/**
 * Poison events, kept for a person: an event a listener gave up on (events/bus.ts, N attempts and at
 * least an hour) is written here, in PostgreSQL (Redis holds nothing it cannot rebuild), shown in
 * the console with what failed, and retried (appended again for that listener only) or discarded.
 * Both are ops changes: audited by the ops API like every other.
 */
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import { eventsStream } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';
import { appendFor, type DeadLetterEntry } from './bus.js';
import type { DomainEvent } from './types.js';

/** The bus's `deadLetter` option for this context: the bounds from the configuration, rows in dead_letters. */
export function deadLetters(ctx: Ctx) {
  return {
    attempts: ctx.config.EVENT_DEAD_LETTER_ATTEMPTS,
    afterMs: ctx.config.EVENT_DEAD_LETTER_AFTER * 1000,
    async keep(d: DeadLetterEntry) {
      await ctx.pool.query(
        `INSERT INTO dead_letters (listener, event_id, event, error, attempts, first_failed_at)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6)
         ON CONFLICT (listener, event_id) DO UPDATE SET error = excluded.error, attempts = dead_letters.attempts + excluded.attempts,
           status = 'dead', dead_at = now(), resolved_at = NULL, resolved_by = NULL`,
        [d.listener, d.event.id, JSON.stringify(d.event), d.error, d.attempts, d.firstFailedAt],
      );
      ctx.metrics.deadLettered(d.listener);
    },
  };
}

export interface DeadLetterView {
  id: number;
  listener: string;
  eventId: string;
  type: string;
  requirementId: number | null;
  error: string;
  attempts: number;
  firstFailedAt: Date;
  deadAt: Date;
  status: 'dead' | 'retried' | 'discarded';
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export async function listDeadLetters(ctx: Ctx, status?: DeadLetterView['status'], limit = 100): Promise<DeadLetterView[]> {
  const rows = await ctx.db.deadLetter.findMany({
    where: status ? { status } : {},
    orderBy: { id: 'desc' },
    take: limit,
  });
  return rows.map((r) => {
    const e = r.event as unknown as DomainEvent & { requirementId?: number };
    return {
      id: r.id,
      listener: r.listener,
      eventId: r.eventId,
      type: e.type,
      requirementId: typeof e.requirementId === 'number' ? e.requirementId : null,
      error: r.error,
      attempts: r.attempts,
      firstFailedAt: r.firstFailedAt,
      deadAt: r.deadAt,
      status: r.status,
      resolvedAt: r.resolvedAt,
      resolvedBy: r.resolvedBy,
    };
  });
}

export const waitingDeadLetters = (ctx: Ctx) => ctx.db.deadLetter.count({ where: { status: 'dead' } });

async function resolve(ctx: Ctx, id: number, status: 'retried' | 'discarded', who: string) {
  const row = await ctx.db.deadLetter.findUnique({ where: { id } });
  if (!row) throw refusal('NOT_FOUND', `dead letter ${id}: no such record`, 'id');
  const { count } = await ctx.db.deadLetter.updateMany({
    where: { id, status: 'dead' },
    data: { status, resolvedAt: new Date(ctx.now()), resolvedBy: who },
  });
  if (!count)
    throw refusal('CONFLICT', `dead letter ${id} was already ${row.status}`, 'id', {
      id: row.status === 'retried' ? '这条事件已经重试过了。' : '这条事件已经丢弃了。',
    });
  return row;
}

/** Appended again for its listener only; a new failure brings it back here after the same bounds. */
export async function retryDeadLetter(ctx: Ctx, id: number, who: string): Promise<void> {
  const row = await resolve(ctx, id, 'retried', who);
  await appendFor(ctx.redis, row.listener, row.event as unknown as DomainEvent);
}

export async function discardDeadLetter(ctx: Ctx, id: number, who: string): Promise<void> {
  await resolve(ctx, id, 'discarded', who);
}

/** Each listener's place in the stream (XINFO GROUPS): not yet read (lag) and read but not acknowledged (pending). */
export async function listenerLag(redis: RedisClient): Promise<{ listener: string; lag: number; pending: number }[]> {
  const groups = (await redis.xinfo('GROUPS', eventsStream).catch(() => [])) as (string | number)[][];
  return groups.map((g) => {
    const f = new Map<string, string | number>();
    for (let i = 0; i + 1 < g.length; i += 2) f.set(String(g[i]), g[i + 1]);
    return { listener: String(f.get('name')), lag: Number(f.get('lag') ?? 0) || 0, pending: Number(f.get('pending') ?? 0) };
  });
}
