/**
 * Template messages: recorded in PostgreSQL (`messages`, with their state) and sent by a BullMQ
 * `notify` queue, rate-limited across all workers (NOTIFY_RATE per second). 45009 (the day's quota
 * is spent: retrying that day is useless) pauses the queue until China's next midnight (a delayed
 * job on `notify-resume` resumes it; ops see it on the dashboard and may resume by hand after
 * clearing the quota); the message waits, no attempt spent. Transient failures (network, WeChat
 * busy) retry with exponential backoff; 40001/42001 are
 * handled inside the client by refreshing the shared token; permanent ones (43004 unsubscribed,
 * 40003 invalid openid) fail the message and mark the planner unreachable. A message's id says what
 * and to whom, so handling the same event twice queues it once.
 */
import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Pool } from 'pg';
import type { Ctx, Notifier, Outgoing, WechatApi, WechatMessage } from '../context.js';
import { chinaDayStart, sqlUtc } from '../format.js';
import { named } from '../infra/database.js';
import { notifyKeys, queuePrefix } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';
import { loadTemplates, render, templateIdOf } from './templates.js';

export const NOTIFY_QUEUE = 'notify';
export const NOTIFY_RESUME_QUEUE = 'notify-resume';
const QUOTA_SPENT = 45009;

export interface NotifyPause {
  since: number;
  until: number;
  reason: string;
}

/** Whether sending is paused (the day's quota spent), since and until when. */
export async function notifyPause(ctx: Pick<Ctx, 'redis'>): Promise<NotifyPause | null> {
  const raw = await ctx.redis.get(notifyKeys.paused);
  return raw ? (JSON.parse(raw) as NotifyPause) : null;
}

/** Sending again (the midnight job, or ops after clearing the quota): the waiting messages go out. */
export async function resumeNotify(ctx: Pick<Ctx, 'redis' | 'ns' | 'log'>, connection: RedisClient): Promise<void> {
  const q = new Queue(NOTIFY_QUEUE, { connection, prefix: queuePrefix(ctx.ns, NOTIFY_QUEUE) });
  try {
    await q.resume();
  } finally {
    await q.close();
  }
  await ctx.redis.del(notifyKeys.paused);
  ctx.log.info('template messages resumed');
}
const PERMANENT = new Set([43004, 40003, 43101, 40037]); // unsubscribed, bad openid, refused, bad template id
/** Why a planner is unreachable, by WeChat's answer (a bad template id is ours, not theirs). */
const REASON: Record<number, string> = { 43004: 'unsubscribed', 40003: 'invalid', 43101: 'refuses' };

export type { Notifier, Outgoing };

interface MessageRow {
  id: string;
  kind: string;
  openid: string;
  plannerId: number | null;
  requirementId: number | null;
  broadcastId: number | null;
  templateId: string;
  url: string | null;
  data: unknown;
  state?: 'failed';
  error?: string;
}

// One statement however many messages (a release queues one per candidate): Prisma's
// createManyAndReturn compiles a statement per row count, a cost paid on every win in a storm.
// Ids already there are left alone (an event handled twice queues each message once).
const INSERT_MESSAGES = `INSERT INTO messages (id, kind, openid, planner_id, requirement_id, broadcast_id, template_id, url, data, state, error, created_at)
  SELECT id, kind, openid, planner_id, requirement_id, broadcast_id, template_id, url, data::jsonb, state::"MessageState", error, $12::timestamp(3)
    FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
      AS t(id, kind, openid, planner_id, requirement_id, broadcast_id, template_id, url, data, state, error)
  ON CONFLICT (id) DO NOTHING
  RETURNING id, state::text AS state`;

async function insertMessages(pool: Pool, rows: MessageRow[], now: number): Promise<{ id: string; state: string }[]> {
  const col = <T>(f: (r: MessageRow) => T) => rows.map(f);
  const { rows: inserted } = await pool.query<{ id: string; state: string }>(
    named(pool, 'dz-insert-messages', INSERT_MESSAGES, [
      col((r) => r.id),
      col((r) => r.kind),
      col((r) => r.openid),
      col((r) => r.plannerId),
      col((r) => r.requirementId),
      col((r) => r.broadcastId),
      col((r) => r.templateId),
      col((r) => r.url),
      col((r) => JSON.stringify(r.data)),
      col((r) => r.state ?? 'queued'),
      col((r) => r.error ?? null),
      sqlUtc(now),
    ]),
  );
  return inserted;
}

export function createNotifier(ctx: Omit<Ctx, 'notify'>, connection: RedisClient): Notifier {
  const templates = loadTemplates();
  const queue = new Queue(NOTIFY_QUEUE, {
    connection,
    prefix: queuePrefix(ctx.ns, NOTIFY_QUEUE),
    defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
  });
  const templateId = (key: string) => templateIdOf(ctx.config, key);

  return {
    async enqueue(messages) {
      const rows = messages.flatMap((m) => {
        const t = templates.get(m.kind);
        if (!t) throw new Error(`no template ${m.kind} in templates/`);
        const id = templateId(m.kind);
        if (!id) {
          ctx.log.warn({ kind: m.kind }, 'no WeChat template id configured (WECHAT_TEMPLATE_IDS): not sent');
          return [];
        }
        const { url, data, problems } = render(t, m.vars, ctx.config.PUBLIC_URL);
        const requirementId = typeof m.vars.requirementId === 'number' ? m.vars.requirementId : null;
        // A value WeChat would refuse (47003) stops the message here, recorded as failed with why.
        if (problems.length) ctx.log.warn({ message: m.id, problems }, 'template message refused before sending');
        return [
          {
            id: m.id,
            kind: m.kind,
            openid: m.openid,
            plannerId: m.plannerId ?? null,
            requirementId,
            broadcastId: m.broadcastId ?? null,
            templateId: id,
            url,
            data,
            ...(problems.length ? { state: 'failed' as const, error: `refused before sending: ${problems.join('; ')}`.slice(0, 500) } : {}),
          },
        ];
      });
      if (rows.length === 0) return 0;
      const inserted = await insertMessages(ctx.pool, rows, ctx.now());
      const sendable = inserted.filter((m) => m.state === 'queued');
      await queue.addBulk(sendable.map((m) => ({ name: 'send', data: { id: m.id }, opts: { jobId: m.id } })));
      return inserted.length;
    },
    async requeue() {
      // A message queued a moment ago may be on its way into the queue: only older ones are looked at.
      const stale = await ctx.db.message.findMany({
        where: { state: 'queued', createdAt: { lt: new Date(ctx.now() - 30_000) } },
        select: { id: true },
        orderBy: { createdAt: 'asc' },
        take: 10_000,
      });
      // Same job id: a job that still exists is left alone.
      if (stale.length) await queue.addBulk(stale.map((m) => ({ name: 'send', data: { id: m.id }, opts: { jobId: m.id } })));
      return stale.length;
    },
    close: () => queue.close(),
  };
}

/** The sending side, in worker processes (with the worker that resumes sending at midnight). */
export function startNotifyWorker(ctx: Ctx, api: WechatApi, connection: RedisClient): { close(): Promise<void>; worker: Worker } {
  const prefix = queuePrefix(ctx.ns, NOTIFY_QUEUE);
  const control = new Queue(NOTIFY_QUEUE, { connection, prefix });
  const resumeAt = new Queue(NOTIFY_RESUME_QUEUE, { connection, prefix });
  const resumer = new Worker(NOTIFY_RESUME_QUEUE, () => resumeNotify(ctx, connection), { connection, prefix });

  /** 45009: no more sends today. Pause the queue and schedule its resumption at China's next midnight. */
  async function pauseForToday() {
    const now = Date.now();
    const until = chinaDayStart(now).getTime() + 86_400_000;
    const first = await ctx.redis.set(
      notifyKeys.paused,
      JSON.stringify({ since: now, until, reason: `${QUOTA_SPENT}` }),
      'PX',
      until - now + 60_000,
      'NX',
    );
    await control.pause();
    await resumeAt.add('resume', {}, { jobId: `resume-${until}`, delay: until - now, removeOnComplete: true, removeOnFail: 100 });
    if (first)
      ctx.log.error(
        { until: new Date(until).toISOString() },
        "WeChat 45009: the day's template quota is spent; sending paused until midnight (China)",
      );
  }

  const worker = new Worker<{ id: string }>(
    NOTIFY_QUEUE,
    async (job, token) => {
      const m = await ctx.db.message.findUnique({ where: { id: job.data.id } });
      if (m?.state !== 'queued') return; // sent already (a retried job), or gone
      // Counted as tried before the call: from here WeChat may take it even if its answer comes too
      // late for us, so a broadcast's cancel leaves it to finish (a retry carries the same
      // client_msg_id: the phone shows it once) instead of calling it cancelled.
      const { count } = await ctx.db.message.updateMany({ where: { id: m.id, state: 'queued' }, data: { attempts: { increment: 1 } } });
      if (count === 0) return; // cancelled a moment ago
      try {
        const msgid = await api.sendTemplate(m.openid, m.templateId, m.url ?? '', m.data as Record<string, { value: string }>, m.id);
        await recordSent(ctx, m.id, msgid);
        ctx.metrics.templateSent('sent');
      } catch (err) {
        const code = (err as { code?: number }).code;
        const error = `${code ?? 'network'}: ${(err as Error).message}`.slice(0, 500);
        ctx.metrics.templateSent('failed', code);
        if (code === QUOTA_SPENT) {
          // Not this message's fault: it waits (no attempt spent) until sending resumes.
          await ctx.db.message.update({
            where: { id: m.id },
            data: { error: `${error} (paused until midnight)`, attempts: { decrement: 1 } },
          });
          await pauseForToday();
          await job.moveToDelayed(Date.now() + 1000, token);
          throw new DelayedError();
        }
        if (code !== undefined && PERMANENT.has(code)) {
          await ctx.db.message.update({ where: { id: m.id }, data: { state: 'failed', error } });
          if (m.plannerId)
            await ctx.db.planner.update({
              where: { id: m.plannerId },
              data: { unreachableAt: new Date(ctx.now()), unreachableReason: REASON[code] ?? 'unsubscribed' },
            });
          throw new UnrecoverableError(error);
        }
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        await ctx.db.message.update({
          where: { id: m.id },
          data: { error, ...(last ? { state: 'failed' } : {}) },
        });
        throw err; // BullMQ retries with backoff
      }
    },
    { connection, prefix: queuePrefix(ctx.ns, NOTIFY_QUEUE), concurrency: 8, limiter: { max: ctx.config.NOTIFY_RATE, duration: 1000 } },
  );
  worker.on('failed', (job, err) => ctx.log.warn({ message: job?.data.id, err: err.message }, 'template message not sent'));
  return {
    worker,
    async close() {
      await worker.close();
      await resumer.close();
      await control.close();
      await resumeAt.close();
    },
  };
}

/**
 * TEMPLATESENDJOBFINISH from WeChat: the message reached the phone, or did not. The report may come
 * before the send's answer is recorded (WeChat, like the sandbox, reports within a moment): then no
 * message has its msgid yet, and the status waits in Redis for the sender to apply it. Looked at
 * again after it is left, so whichever of the two comes second applies it.
 */
/** WeChat's TEMPLATESENDJOBFINISH, as the callback hands it over (registered at boot): the message's delivery recorded. */
export async function deliveryReport(ctx: Ctx, m: WechatMessage): Promise<null> {
  await recordDelivery(ctx, m.MsgID, m.Status ?? '');
  return null;
}

export async function recordDelivery(ctx: Ctx, msgid: string, status: string): Promise<void> {
  if (await applyDelivery(ctx, msgid, status)) return;
  await ctx.redis.set(notifyKeys.earlyDelivery(msgid), status, 'EX', 86_400);
  if (await applyDelivery(ctx, msgid, status)) await ctx.redis.del(notifyKeys.earlyDelivery(msgid));
}

/** A message WeChat took (its msgid), and its delivery report if that came first. */
export async function recordSent(ctx: Ctx, id: string, msgid: string): Promise<void> {
  await ctx.db.message.update({
    where: { id },
    data: { state: 'sent', msgid, sentAt: new Date(ctx.now()), error: null },
  });
  const early = await ctx.redis.getdel(notifyKeys.earlyDelivery(msgid));
  if (early) await applyDelivery(ctx, msgid, early);
}

/** A delivery report on the message with this msgid: how many were (0 or 1). */
async function applyDelivery(ctx: Ctx, msgid: string, status: string): Promise<number> {
  const ok = status === 'success';
  // "failed:user block": the user refuses this account's messages (spacing varies: compared without spaces).
  const refuses = status.replace(/\s+/g, '') === 'failed:userblock';
  const { count } = await ctx.db.message.updateMany({
    where: { msgid },
    data: ok
      ? { state: 'delivered', deliveredAt: new Date(ctx.now()) }
      : { state: 'failed', error: refuses ? 'delivery: refuses messages (failed:user block)' : `delivery: ${status}` },
  });
  if (count && refuses) {
    const m = await ctx.db.message.findUnique({ where: { msgid }, select: { plannerId: true } });
    if (m?.plannerId)
      await ctx.db.planner.update({
        where: { id: m.plannerId },
        data: { unreachableAt: new Date(ctx.now()), unreachableReason: 'refuses' },
      });
  }
  return count;
}
