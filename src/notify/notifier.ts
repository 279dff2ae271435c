/**
 * Template messages: recorded in PostgreSQL (`messages`, with their state) and sent by a BullMQ
 * `notify` queue, rate-limited across all workers (NOTIFY_RATE per second). Transient failures
 * (45009 frequency limit, network, WeChat busy) retry with exponential backoff; 40001/42001 are
 * handled inside the client by refreshing the shared token; permanent ones (43004 unsubscribed,
 * 40003 invalid openid) fail the message and mark the planner unreachable. A message's id says what
 * and to whom, so handling the same event twice queues it once.
 */
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Ctx, Notifier, Outgoing, WechatApi } from '../context.js';
import { queuePrefix } from '../infra/keys.js';
import { loadTemplates, render } from './templates.js';

export const NOTIFY_QUEUE = 'notify';
const PERMANENT = new Set([43004, 40003, 43101, 40037]); // unsubscribed, bad openid, refused, bad template id
/** Why a planner is unreachable, by WeChat's answer (a bad template id is ours, not theirs). */
const REASON: Record<number, string> = { 43004: 'unsubscribed', 40003: 'invalid', 43101: 'refuses' };

export type { Notifier, Outgoing };

export function createNotifier(ctx: Omit<Ctx, 'notify'>, connection: Redis): Notifier {
  const templates = loadTemplates();
  const queue = new Queue(NOTIFY_QUEUE, {
    connection,
    prefix: queuePrefix(ctx.ns),
    defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: 1000 },
  });
  const templateId = (key: string) => ctx.config.wechat.templateIds[key] ?? (ctx.config.sandbox ? `sandbox-${key}` : null);

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
      const inserted = await ctx.db.message.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true, state: true } });
      const sendable = inserted.filter((m) => m.state === 'queued');
      await queue.addBulk(sendable.map((m) => ({ name: 'send', data: { id: m.id }, opts: { jobId: m.id } })));
      return inserted.length;
    },
    close: () => queue.close(),
  };
}

/** The sending side, in worker processes. */
export function startNotifyWorker(ctx: Ctx, api: WechatApi, connection: Redis): Worker {
  const worker = new Worker<{ id: string }>(
    NOTIFY_QUEUE,
    async (job) => {
      const m = await ctx.db.message.findUnique({ where: { id: job.data.id } });
      if (m?.state !== 'queued') return; // sent already (a retried job), or gone
      try {
        const msgid = await api.sendTemplate(m.openid, m.templateId, m.url ?? '', m.data as Record<string, { value: string }>, m.id);
        await ctx.db.message.update({
          where: { id: m.id },
          data: { state: 'sent', msgid, sentAt: new Date(ctx.now()), attempts: { increment: 1 }, error: null },
        });
        ctx.metrics.templateSent('sent');
      } catch (err) {
        const code = (err as { code?: number }).code;
        const error = `${code ?? 'network'}: ${(err as Error).message}`.slice(0, 500);
        ctx.metrics.templateSent('failed', code);
        if (code !== undefined && PERMANENT.has(code)) {
          await ctx.db.message.update({ where: { id: m.id }, data: { state: 'failed', error, attempts: { increment: 1 } } });
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
          data: { attempts: { increment: 1 }, error, ...(last ? { state: 'failed' } : {}) },
        });
        throw err; // BullMQ retries with backoff
      }
    },
    { connection, prefix: queuePrefix(ctx.ns), concurrency: 8, limiter: { max: ctx.config.NOTIFY_RATE, duration: 1000 } },
  );
  worker.on('failed', (job, err) => ctx.log.warn({ message: job?.data.id, err: err.message }, 'template message not sent'));
  return worker;
}

/** TEMPLATESENDJOBFINISH from WeChat: the message reached the phone, or did not. */
export async function recordDelivery(ctx: Ctx, msgid: string, status: string): Promise<void> {
  const ok = status === 'success';
  // "failed:user block": the user refuses this account's messages (spacing varies: compared without spaces).
  const refuses = status.replace(/\s+/g, '') === 'failed:userblock';
  await ctx.db.message.updateMany({
    where: { msgid },
    data: ok
      ? { state: 'delivered', deliveredAt: new Date(ctx.now()) }
      : { state: 'failed', error: refuses ? 'delivery: refuses messages (failed:user block)' : `delivery: ${status}` },
  });
  if (refuses) {
    const m = await ctx.db.message.findUnique({ where: { msgid }, select: { plannerId: true } });
    if (m?.plannerId)
      await ctx.db.planner.update({
        where: { id: m.plannerId },
        data: { unreachableAt: new Date(ctx.now()), unreachableReason: 'refuses' },
      });
  }
}
