/**
 * Ops broadcasts to planners: an audience (tiers, destinations, suppliers, or planners by id; all
 * of them narrowing; active planners of active suppliers), channels, a title and a body.
 *
 *   live      an event on each planner's stream (banner/pop-up in open pages), and kept for the day:
 *             a page opened later asks GET /api/planner/broadcasts
 *   template  one template message per planner through the rate-limited notify queue, its id the
 *             client_msg_id (a retry never shows twice)
 *   mass      WeChat mass send by the tier's tag (tiers only): 4 a month per follower, so a send
 *             that would pass it for anyone in the audience is refused; MASSSENDJOBFINISH recorded
 *
 * A draft is sent once (a second send is 409); cancel stops what has not gone yet (queued template
 * messages become `cancelled`, the worker skips them). Progress is read from the record: live
 * deliveries, the messages' states, the mass jobs' results.
 */

import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { chinaDate, chinaDayStart } from '../format.js';
import type { Prisma } from '../generated/prisma/client.js';
import { appendForUser } from '../live/index.js';
import { loadTemplates, render, templateIdOf } from '../notify/index.js';
import { massPreview, massSendToTier, syncTierTag } from '../wechat/index.js';

export const CHANNELS = ['live', 'template', 'mass'] as const;
export type BroadcastChannel = (typeof CHANNELS)[number];
export const MASS_PER_MONTH = 4;

export interface Audience {
  tiers?: Tier[];
  destinations?: string[];
  supplierIds?: number[];
  plannerIds?: number[];
}

export interface BroadcastInput {
  audience: Audience;
  channels: BroadcastChannel[];
  title: string;
  body: string;
  /** A page of this site (a path), opened from the template message; the pool by default. */
  url?: string;
}

function whereOf(a: Audience): Prisma.PlannerWhereInput {
  return {
    status: 'active',
    supplier: { status: 'active' },
    ...(a.tiers?.length ? { tier: { in: a.tiers } } : {}),
    ...(a.destinations?.length ? { destinations: { hasSome: a.destinations } } : {}),
    ...(a.supplierIds?.length ? { supplierId: { in: a.supplierIds } } : {}),
    ...(a.plannerIds?.length ? { id: { in: a.plannerIds } } : {}),
  };
}

const audienceOf = (ctx: Ctx, a: Audience) =>
  ctx.db.planner.findMany({
    where: whereOf(a),
    orderBy: { id: 'asc' },
    select: { id: true, name: true, tier: true, openid: true, unreachableAt: true, unreachableReason: true },
  });

const monthStart = (ms: number) => new Date(`${chinaDate(ms).slice(0, 7)}-01T00:00:00+08:00`);

/** Mass messages each planner got this China month (WeChat counts per follower). */
async function massUsed(ctx: Ctx, plannerIds: number[]): Promise<Map<number, number>> {
  if (!plannerIds.length) return new Map();
  const rows = await ctx.db.broadcastDelivery.groupBy({
    by: ['plannerId'],
    where: { plannerId: { in: plannerIds }, channel: 'mass', state: 'sent', at: { gte: monthStart(ctx.now()) } },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.plannerId, r._count._all]));
}

/** Who an audience reaches, before sending: bound and reachable, not bound, unreachable and why, mass used this month. */
export async function audienceSummary(ctx: Ctx, a: Audience) {
  const planners = await audienceOf(ctx, a);
  const reachable = planners.filter((p) => p.openid && !p.unreachableAt);
  const used = await massUsed(
    ctx,
    reachable.map((p) => p.id),
  );
  const why = (r: string) => planners.filter((p) => p.openid && p.unreachableAt && (p.unreachableReason ?? 'unsubscribed') === r).length;
  return {
    audience: planners.length,
    reachable: reachable.length,
    unbound: planners.filter((p) => !p.openid).length,
    unsubscribed: why('unsubscribed'),
    refuses: why('refuses'),
    invalid: why('invalid'),
    massUsedThisMonth: Math.max(0, ...used.values()),
    massAtLimit: [...used.values()].filter((n) => n >= MASS_PER_MONTH).length,
    /** Whom a preview can go to: reachable planners of this audience (the first 50). */
    previewTo: reachable.slice(0, 50).map((p) => ({ id: p.id, name: p.name, tier: p.tier })),
  };
}

function checkMass(input: { audience: Audience; channels: readonly string[] }) {
  const a = input.audience;
  if (input.channels.includes('mass') && (!a.tiers?.length || a.destinations?.length || a.supplierIds?.length || a.plannerIds?.length))
    throw new DomainError('VALIDATION_MASS', { field: 'channels' });
}

export async function createBroadcast(ctx: Ctx, input: BroadcastInput, by: string) {
  checkMass(input);
  const b = await ctx.db.broadcast.create({
    data: {
      title: input.title,
      body: input.body,
      url: input.url ?? null,
      audience: input.audience as Prisma.InputJsonValue,
      channels: input.channels,
      createdBy: by,
    },
  });
  return broadcastView(ctx, b.id);
}

const skipWords: Record<string, string> = {
  unbound: '未绑定微信',
  unsubscribed: '已取消关注',
  refuses: '拒收公众号消息',
  invalid: '微信号无效',
};

/** Sends a draft, once. */
export async function sendBroadcast(ctx: Ctx, id: number) {
  const b = await ctx.db.broadcast.findUnique({ where: { id } });
  if (!b) throw new DomainError('BROADCAST_NOT_FOUND');
  if (b.status !== 'draft') throw new DomainError('BROADCAST_SENT');
  const audience = b.audience as Audience;
  const planners = await audienceOf(ctx, audience);
  const reachable = planners.filter((p) => p.openid && !p.unreachableAt);
  const channels = b.channels as BroadcastChannel[];
  if (channels.includes('mass')) {
    const used = await massUsed(
      ctx,
      reachable.map((p) => p.id),
    );
    const full = [...used.values()].filter((n) => n >= MASS_PER_MONTH).length;
    if (full)
      throw new DomainError('MASS_MONTHLY_LIMIT', {
        message: `本月的群发次数已用完：受众中有 ${full} 位定制师本月已收到 ${MASS_PER_MONTH} 条群发（微信每位关注者每月最多 ${MASS_PER_MONTH} 条）。可改用实时通知或模板消息。`,
        field: 'channels',
      });
  }
  const at = new Date(ctx.now());
  const { count } = await ctx.db.broadcast.updateMany({ where: { id, status: 'draft' }, data: { status: 'sending', sentAt: at } });
  if (count === 0) throw new DomainError('BROADCAST_SENT'); // a second send raced this one
  const skipped = (channel: BroadcastChannel) =>
    planners
      .filter((p) => !p.openid || p.unreachableAt)
      .map((p) => ({
        broadcastId: id,
        plannerId: p.id,
        channel,
        state: 'skipped' as const,
        error: skipWords[p.openid ? (p.unreachableReason ?? 'unsubscribed') : 'unbound'],
      }));
  const data = { broadcastId: id, title: b.title, text: b.body, url: b.url ?? '/h5/pool', at: at.getTime() };

  if (channels.includes('live')) {
    // Everyone in the audience with a page open sees it now; it is also kept for the day (todayFor).
    for (const p of planners) await appendForUser(ctx.redis, `planner:${p.id}`, 'broadcast', data);
    await ctx.db.broadcastDelivery.createMany({
      data: planners.map((p) => ({ broadcastId: id, plannerId: p.id, channel: 'live', state: 'delivered' })),
      skipDuplicates: true,
    });
  }
  if (channels.includes('template')) {
    await ctx.db.broadcastDelivery.createMany({
      data: [
        ...reachable.map((p) => ({ broadcastId: id, plannerId: p.id, channel: 'template', state: 'queued' as const })),
        ...skipped('template'),
      ],
      skipDuplicates: true,
    });
    await ctx.notify.enqueue(
      reachable.map((p) => ({
        id: `bc${id}-p${p.id}`,
        kind: 'broadcast',
        openid: p.openid!,
        plannerId: p.id,
        broadcastId: id,
        vars: { title: b.title, body: b.body, path: b.url ?? '/h5/pool' },
      })),
    );
  }
  if (channels.includes('mass')) {
    for (const tier of audience.tiers ?? []) {
      await syncTierTag(ctx, tier);
      await massSendToTier(ctx, tier, `【${b.title}】${b.body}`, id);
    }
    await ctx.db.broadcastDelivery.createMany({
      data: [...reachable.map((p) => ({ broadcastId: id, plannerId: p.id, channel: 'mass', state: 'sent' as const })), ...skipped('mass')],
      skipDuplicates: true,
    });
  }
  if (!channels.includes('template'))
    await ctx.db.broadcast.updateMany({ where: { id, status: 'sending' }, data: { status: 'done', finishedAt: at } });
  return broadcastView(ctx, id);
}

/** Stops what has not gone yet: queued template messages are cancelled (the worker skips them). */
export async function cancelBroadcast(ctx: Ctx, id: number) {
  const { count } = await ctx.db.broadcast.updateMany({
    where: { id, status: { in: ['draft', 'sending'] } },
    data: { status: 'cancelled', cancelledAt: new Date(ctx.now()) },
  });
  if (count === 0) {
    const b = await ctx.db.broadcast.findUnique({ where: { id }, select: { id: true } });
    throw new DomainError(b ? 'BROADCAST_ENDED' : 'BROADCAST_NOT_FOUND');
  }
  // Only what was never tried: a message already handed to WeChat (its answer maybe late) finishes and says how it went.
  await ctx.db.message.updateMany({ where: { broadcastId: id, state: 'queued', attempts: 0 }, data: { state: 'cancelled' } });
  return broadcastView(ctx, id);
}

const invalid = (field: string, words: string) => new DomainError('VALIDATION', { message: words, field });

/** Who a preview goes to: a bound planner, or an openid the product knows (a planner's or a traveler's), never any string. */
async function previewTo(ctx: Ctx, to: { plannerId?: number; openid?: string }): Promise<string> {
  if (to.plannerId !== undefined) {
    const p = await ctx.db.planner.findUnique({ where: { id: to.plannerId }, select: { openid: true } });
    if (!p) throw new DomainError('PLANNER_NOT_FOUND', { field: 'plannerId' });
    if (!p.openid) throw invalid('plannerId', '这位定制师还没有绑定微信，收不到预览。');
    return p.openid;
  }
  const openid = to.openid!;
  const [planner, traveler] = await Promise.all([
    ctx.db.planner.findUnique({ where: { openid }, select: { id: true } }),
    ctx.db.traveler.findUnique({ where: { openid }, select: { id: true } }),
  ]);
  if (!planner && !traveler) throw invalid('openid', '这个 openid 不是已绑定的定制师或用户，请从列表里选择接收预览的人。');
  return openid;
}

/** The message to one person the product knows, as the audience will get it; nothing is recorded. */
export async function previewBroadcast(ctx: Ctx, id: number, to: { plannerId?: number; openid?: string }) {
  const b = await ctx.db.broadcast.findUnique({ where: { id } });
  if (!b) throw new DomainError('BROADCAST_NOT_FOUND');
  const openid = await previewTo(ctx, to);
  const channels = b.channels as BroadcastChannel[];
  const sent: BroadcastChannel[] = [];
  try {
    if (channels.includes('template') || channels.includes('live')) {
      const t = loadTemplates().get('broadcast')!;
      const templateId = templateIdOf(ctx.config, 'broadcast');
      if (templateId) {
        const { url, data } = render(t, { title: b.title, body: b.body, path: b.url ?? '/h5/pool' }, ctx.config.PUBLIC_URL); // free text: only shortened
        await ctx.wechat.sendTemplate(openid, templateId, url, data, `bc${id}-preview-${ctx.now()}`);
        sent.push('template');
      }
    }
    if (channels.includes('mass')) {
      await massPreview(ctx, openid, `【${b.title}】${b.body}`);
      sent.push('mass');
    }
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 43004 || code === 40003)
      throw new DomainError('WECHAT_REFUSED', {
        message: code === 43004 ? '这个微信号没有关注公众号，收不到预览。' : '没有这个微信号（openid 不对）。',
        field: to.plannerId !== undefined ? 'plannerId' : 'openid',
      });
    throw new DomainError('WECHAT_REFUSED', { message: `微信拒绝了预览：${(err as Error).message.slice(0, 100)}` });
  }
  return { sent };
}

export async function broadcastView(ctx: Ctx, id: number) {
  const b = await ctx.db.broadcast.findUnique({ where: { id }, include: { massJobs: true } });
  if (!b) throw new DomainError('BROADCAST_NOT_FOUND');
  const [deliveries, messages, summary] = await Promise.all([
    ctx.db.broadcastDelivery.findMany({ where: { broadcastId: id }, include: { planner: { select: { name: true } } } }),
    ctx.db.message.findMany({ where: { broadcastId: id }, select: { plannerId: true, state: true, error: true } }),
    b.status === 'draft' ? audienceSummary(ctx, b.audience as Audience) : null,
  ]);
  const byChannel = Object.fromEntries(CHANNELS.map((c) => [c, { sent: 0, delivered: 0, failed: 0, skipped: 0, queued: 0 }])) as Record<
    BroadcastChannel,
    { sent: number; delivered: number; failed: number; skipped: number; queued: number }
  >;
  const failures: { plannerId: number; name: string; channel: string; reason: string }[] = [];
  const names = new Map(deliveries.map((d) => [d.plannerId, d.planner.name]));
  // The totals count people, not deliveries: a planner reached by two channels is one person reached.
  // Each planner's best outcome over the channels: delivered 4 · sent 3 · queued 2 · failed 1 · skipped 0.
  const best = new Map<number, number>();
  const reach = (plannerId: number, rank: number) => best.set(plannerId, Math.max(best.get(plannerId) ?? -1, rank));
  for (const d of deliveries) {
    if (d.channel === 'live') reach(d.plannerId, 4);
    else if (d.channel === 'mass') reach(d.plannerId, d.state === 'sent' ? 3 : 0);
    else if (d.state === 'skipped') reach(d.plannerId, 0);
  }
  for (const m of messages)
    if (m.plannerId !== null) reach(m.plannerId, { delivered: 4, sent: 3, queued: 2, failed: 1, cancelled: 0 }[m.state as string] ?? 1);
  for (const d of deliveries) {
    if (d.channel === 'live') {
      byChannel.live.sent++;
      byChannel.live.delivered++;
    } else if (d.channel === 'mass') {
      if (d.state === 'sent') byChannel.mass.sent++;
      else byChannel.mass.skipped++;
    } else if (d.state === 'skipped') byChannel.template.skipped++;
    if (d.state === 'skipped') failures.push({ plannerId: d.plannerId, name: d.planner.name, channel: d.channel, reason: d.error ?? '' });
  }
  for (const m of messages) {
    const c = byChannel.template;
    if (m.state === 'queued') c.queued++;
    else if (m.state === 'sent') c.sent++;
    else if (m.state === 'delivered') {
      c.sent++;
      c.delivered++;
    } else if (m.state === 'cancelled') c.skipped++;
    else {
      c.failed++;
      failures.push({ plannerId: m.plannerId!, name: names.get(m.plannerId!) ?? '', channel: 'template', reason: m.error ?? '' });
    }
  }
  for (const j of b.massJobs) {
    byChannel.mass.delivered += j.sent ?? 0;
    byChannel.mass.failed += j.errors ?? 0;
  }
  // Done when no template message is still queued (the others are final).
  if (b.status === 'sending' && byChannel.template.queued === 0) {
    await ctx.db.broadcast.updateMany({ where: { id, status: 'sending' }, data: { status: 'done', finishedAt: new Date(ctx.now()) } });
    b.status = 'done';
  }
  const people = (test: (rank: number) => boolean) => [...best.values()].filter(test).length;
  const audience = summary?.audience ?? new Set(deliveries.map((d) => d.plannerId)).size;
  return {
    id: b.id,
    title: b.title,
    body: b.body,
    url: b.url,
    audience: b.audience as Audience,
    channels: b.channels,
    status: b.status as 'draft' | 'sending' | 'done' | 'cancelled',
    createdBy: b.createdBy,
    createdAt: b.createdAt,
    sentAt: b.sentAt,
    finishedAt: b.finishedAt,
    cancelledAt: b.cancelledAt,
    audienceCount: audience,
    reach: summary,
    counts: {
      audience,
      sent: people((r) => r >= 3),
      delivered: people((r) => r === 4),
      failed: people((r) => r === 1),
      skipped: people((r) => r === 0),
    },
    byChannel,
    mass: b.massJobs.map((j) => ({
      target: j.target,
      msgId: j.msgId,
      status: j.status,
      total: j.total,
      filtered: j.filtered,
      sent: j.sent,
      errors: j.errors,
      finishedAt: j.finishedAt,
    })),
    failures,
  };
}

export async function listBroadcasts(ctx: Ctx, limit = 50) {
  return ctx.db.broadcast.findMany({
    orderBy: { id: 'desc' },
    take: limit,
    select: { id: true, title: true, channels: true, status: true, createdBy: true, createdAt: true, sentAt: true },
  });
}

/** Today's broadcasts for a planner (China day), newest first: what a page opened later still shows. */
export async function todayFor(ctx: Ctx, plannerId: number) {
  const rows = await ctx.db.broadcastDelivery.findMany({
    where: {
      plannerId,
      channel: 'live',
      at: { gte: chinaDayStart(ctx.now()) },
      broadcast: { status: { not: 'cancelled' } },
    },
    orderBy: { at: 'desc' },
    include: { broadcast: { select: { id: true, title: true, body: true, url: true, sentAt: true } } },
  });
  return rows.map((r) => ({ ...r.broadcast, url: r.broadcast.url ?? '/h5/pool' }));
}
