/**
 * Ops' view of requirements: the list with filters and paging, one requirement's whole timeline
 * (from PostgreSQL: the record), and the hand ops lend — dispatch to a chosen candidate under the
 * grab rules, close with a reason, re-open. The engine decides; this module reads and asks.
 */

import { TIERS, type Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { DomainError, fromRejection } from '../errors.js';
import { chinaDateEnd, chinaDateStart, chinaTime, isoDay } from '../format.js';
import type { Prisma } from '../generated/prisma/client.js';
import { cardOf, closeRequirement, grab, reopenRequirement } from '../grab/index.js';
import { maskPhone } from '../log.js';
import { loadTemplates } from '../notify/index.js';
import { CHANNEL, MESSAGE_STATE, SLOT_STATUS, wordFor } from '../shared/words.js';
import { paged } from './paging.js';

export const REQUIREMENT_STATUSES = ['open', 'full', 'chosen', 'paid', 'closed', 'cancelled'] as const;

export interface RequirementFilter {
  status?: (typeof REQUIREMENT_STATUSES)[number];
  destination?: string;
  /** China dates, inclusive, on the day the requirement was submitted. */
  from?: string;
  to?: string;
  /** The widest tier released so far. */
  tier?: Tier;
  flagged?: boolean;
  /** A requirement code or part of the traveler's name or phone. */
  q?: string;
  page: number;
  perPage: number;
}

/** Totals are counted up to this many (the pager says "10000+"): a count over a year of rows is not worth a second. */
export const COUNT_CAP = 10_000;

/**
 * What `q` finds, each on an index: a requirement code; a phone (eleven digits exactly, or its first
 * digits) of the trip's contact or of its traveler now; a name's beginning (contact or traveler).
 */
async function searchOf(ctx: Ctx, raw: string): Promise<Prisma.RequirementWhereInput> {
  const q = raw.trim();
  const digits = /^\d{3,11}$/.test(q);
  const phone = q.length === 11 ? q : { startsWith: q };
  const travelers = await ctx.db.traveler.findMany({
    where: digits ? { phone } : { name: { startsWith: q } },
    select: { id: true },
    take: 1_000,
  });
  return {
    OR: [
      { code: q.toUpperCase() },
      digits ? { contactPhone: phone } : { contactName: { startsWith: q } },
      ...(travelers.length ? [{ travelerId: { in: travelers.map((t) => t.id) } }] : []),
    ],
  };
}

async function whereOf(ctx: Ctx, f: RequirementFilter): Promise<Prisma.RequirementWhereInput> {
  const and: Prisma.RequirementWhereInput[] = [];
  if (f.status) and.push({ status: f.status });
  if (f.destination) and.push({ destinations: { has: f.destination } });
  if (f.from) and.push({ createdAt: { gte: chinaDateStart(f.from) } });
  if (f.to) and.push({ createdAt: { lt: chinaDateEnd(f.to) } });
  if (f.flagged !== undefined) and.push({ flaggedAt: f.flagged ? { not: null } : null });
  if (f.tier) {
    const wider = TIERS.slice(TIERS.indexOf(f.tier) + 1);
    and.push({ releases: { some: { tier: f.tier } } });
    if (wider.length) and.push({ releases: { none: { tier: { in: wider } } } });
  }
  // The trip's own contact as submitted, and its traveler as they are now (a verified number, a new name).
  if (f.q) and.push(await searchOf(ctx, f.q));
  return { AND: and };
}

export async function listRequirements(ctx: Ctx, f: RequirementFilter) {
  const where = await whereOf(ctx, f);
  const { total, rows } = await paged(
    f,
    () => ctx.db.requirement.count({ where, take: COUNT_CAP + 1 }),
    (page) =>
      ctx.db.requirement.findMany({
        where,
        // Newest first. Within dates, by the date's index (by id, a range months back is reached after every newer row).
        orderBy: f.from || f.to ? [{ createdAt: 'desc' }, { id: 'desc' }] : { id: 'desc' },
        ...page,
        include: {
          traveler: { select: { name: true } },
          releases: { select: { tier: true } },
          workOrders: { select: { status: true } },
        },
      }),
  );
  // Candidates counted for this page's rows only (Prisma's _count aggregates the whole table first).
  const counts = await candidateCounts(
    ctx,
    rows.map((r) => r.id),
  );
  return {
    total: Math.min(total, COUNT_CAP),
    /** More than `total` match (counting stopped there). */
    more: total > COUNT_CAP,
    page: f.page,
    perPage: f.perPage,
    items: rows.map((r) => ({
      id: r.id,
      code: r.code,
      status: r.status,
      traveler: r.contactName,
      destinations: r.destinations,
      departDate: isoDay(r.departDate),
      returnDate: isoDay(r.returnDate),
      budgetFen: r.budgetFen,
      plannersWanted: r.plannersWanted,
      held: r.workOrders.filter((w) => w.status !== 'expired' && w.status !== 'declined').length,
      candidates: counts.get(r.id) ?? 0,
      tierReached: TIERS.filter((t) => r.releases.some((x) => x.tier === t)).at(-1) ?? null,
      flagged: r.flaggedAt !== null,
      createdAt: r.createdAt,
    })),
  };
}

export interface TimelineEntry {
  at: Date;
  what: string;
  detail: string;
}

/** One requirement as ops need it: the record, candidates, attempts by code, work orders, messages, and the timeline of all of it. */
export async function requirementTimeline(ctx: Ctx, id: number) {
  const r = await ctx.db.requirement.findUnique({
    where: { id },
    include: {
      traveler: { select: { id: true, name: true, phone: true, phoneVerifiedAt: true, erasedAt: true } },
      releases: { orderBy: { releasedAt: 'asc' } },
      candidates: {
        orderBy: [{ score: 'desc' }, { plannerId: 'asc' }],
        include: { planner: { select: { name: true, status: true, supplier: { select: { id: true, name: true } } } } },
      },
      workOrders: {
        orderBy: { grabbedAt: 'asc' },
        include: { planner: { select: { name: true } }, proposal: true },
      },
    },
  });
  if (!r) throw new DomainError('REQUIREMENT_NOT_FOUND');
  const [raw, folded, messages, actions] = await Promise.all([
    ctx.db.grabEvent.groupBy({
      by: ['code'],
      where: { requirementId: id },
      _count: { _all: true },
      _min: { at: true },
      orderBy: { code: 'asc' },
    }),
    // Attempts older than GRAB_EVENTS_KEEP_DAYS, folded per code (grab/audit.ts).
    ctx.db.grabAttemptRollup.findMany({ where: { requirementId: id } }),
    ctx.db.message.findMany({ where: { requirementId: id }, orderBy: { createdAt: 'asc' }, take: 500 }),
    ctx.db.opsAudit.findMany({
      where: { target: String(id), action: { startsWith: 'POST /api/ops/requirements' } },
      orderBy: { at: 'asc' },
      include: { account: { select: { name: true } } },
    }),
  ]);
  const byCode = new Map<string, { code: string; count: number; first: Date | null }>();
  for (const f of folded) byCode.set(f.code, { code: f.code, count: f.attempts, first: f.firstAt });
  for (const a of raw) {
    const had = byCode.get(a.code);
    const firsts = [had?.first, a._min.at].filter((d): d is Date => d instanceof Date);
    const first = firsts.length ? new Date(Math.min(...firsts.map((d) => d.getTime()))) : null;
    byCode.set(a.code, { code: a.code, count: (had?.count ?? 0) + a._count._all, first });
  }
  const attempts = [...byCode.values()].sort((a, b) => a.code.localeCompare(b.code));
  const planners = new Map(r.candidates.map((c) => [c.plannerId, c.planner.name]));
  for (const w of r.workOrders) planners.set(w.plannerId, w.planner.name);
  const who = (pid: number | null) => (pid ? (planners.get(pid) ?? `定制师 ${pid}`) : '');

  const t: TimelineEntry[] = [
    { at: r.createdAt, what: '提交需求', detail: `${r.contactName}，要 ${r.plannersWanted} 位定制师` },
    {
      at: r.createdAt,
      what: '匹配',
      detail: r.candidates.length
        ? `${r.candidates.length} 位候选，最高分 ${r.candidates
            .slice(0, 3)
            .map((c) => `${c.planner.name} ${c.score.toFixed(2)}`)
            .join('、')}`
        : '没有匹配到定制师',
    },
    ...r.releases.map((x) => ({
      at: x.releasedAt,
      what: `开放给 ${x.tier} 级`,
      detail: `${r.candidates.filter((c) => c.tier === x.tier).length} 位候选`,
    })),
  ];
  for (const w of r.workOrders) {
    t.push(
      w.channel === 'dispatch'
        ? { at: w.grabbedAt, what: '派单', detail: `派给 ${who(w.plannerId)}，${chinaTime(w.deadlineAt)} 前交方案` }
        : {
            at: w.grabbedAt,
            what: '抢单成功',
            detail: `${who(w.plannerId)}（${wordFor(CHANNEL, w.channel)}），${chinaTime(w.deadlineAt)} 前交方案`,
          },
    );
    if (w.acceptedAt) t.push({ at: w.acceptedAt, what: '接受派单', detail: who(w.plannerId) });
    if (w.proposal)
      t.push({
        at: w.proposal.createdAt,
        what: '提交方案',
        detail: `${who(w.plannerId)}，报价 ¥${(w.proposal.priceFen / 100).toFixed(0)}`,
      });
    if (w.endedAt)
      t.push({
        at: w.endedAt,
        what: w.status === 'expired' ? '名额释放（超时未交方案）' : w.status === 'declined' ? '派单未接受，名额释放' : '工单结束',
        detail: `${who(w.plannerId)}（${wordFor(SLOT_STATUS, w.status)}）`,
      });
  }
  if (r.flaggedAt)
    t.push({
      at: r.flaggedAt,
      what: '需要人工处理',
      detail: r.candidates.length === 0 ? '没有定制师服务这些目的地：请派单或联系旅行者调整' : '各级开放后仍有名额',
    });
  if (r.fullAt) t.push({ at: r.fullAt, what: '名额已满', detail: '' });
  if (r.closedAt) t.push({ at: r.closedAt, what: '关闭', detail: r.closedReason ?? '' });
  for (const m of messages)
    t.push({
      at: m.createdAt,
      what: `消息「${TITLES.get(m.kind) ?? m.kind}」`,
      detail: `${who(m.plannerId) || '旅行者'}：${wordFor(MESSAGE_STATE, m.state)}${m.error ? `（${m.error}）` : ''}`,
    });
  for (const a of actions) {
    const verb = OPS_ACTIONS[a.action.replace('POST /api/ops/requirements/:id', '')] ?? a.action;
    const to = (a.after as { plannerId?: number } | null)?.plannerId;
    t.push({ at: a.at, what: '运营操作', detail: `${a.account?.name ?? 'API 令牌'}：${verb}${to ? ` → ${who(to)}` : ''}` });
  }
  t.sort((a, b) => a.at.getTime() - b.at.getTime());

  return {
    id: r.id,
    ...cardOf(r),
    status: r.status,
    plannersWanted: r.plannersWanted,
    minTier: r.minTier,
    flaggedAt: r.flaggedAt,
    closedReason: r.closedReason,
    traveler: {
      ...r.traveler,
      phone: maskPhone(r.traveler.phone) ?? '',
      verified: Boolean(r.traveler.phoneVerifiedAt) && r.traveler.phone === r.contactPhone,
      samePhone: r.traveler.phone === r.contactPhone,
    },
    /** As submitted: what planners hold (the traveler's row may have changed since). Masked: `contactOf` gives the full number, recorded. */
    contact: { name: r.contactName, phone: maskPhone(r.contactPhone) ?? '' },
    releases: r.releases.map((x) => ({ tier: x.tier, releasedAt: x.releasedAt })),
    candidates: r.candidates.map((c) => ({
      plannerId: c.plannerId,
      name: c.planner.name,
      supplier: c.planner.supplier.name,
      supplierId: c.planner.supplier.id,
      tier: c.tier,
      score: c.score,
      status: c.planner.status,
      holds: r.workOrders.some((w) => w.plannerId === c.plannerId && w.status !== 'expired' && w.status !== 'declined'),
      // A colleague holds the supplier's one slot (rule 6): a dispatch to this planner can only fail.
      colleagueHolds: r.workOrders.some(
        (w) => w.supplierId === c.planner.supplier.id && w.plannerId !== c.plannerId && w.status !== 'expired' && w.status !== 'declined',
      ),
    })),
    attempts,
    workOrders: r.workOrders.map((w) => ({
      id: w.id,
      plannerId: w.plannerId,
      planner: w.planner.name,
      supplierId: w.supplierId,
      status: w.status,
      channel: w.channel,
      grabbedAt: w.grabbedAt,
      deadlineAt: w.deadlineAt,
      acceptedAt: w.acceptedAt,
      /** Dispatched, not yet accepted: the offer, answered by then or it goes back. */
      offerUntil:
        w.channel === 'dispatch' && !w.acceptedAt && w.status === 'active'
          ? new Date(w.grabbedAt.getTime() + ctx.config.DISPATCH_ACCEPT_WITHIN * 1000)
          : null,
      proposedAt: w.proposedAt,
      endedAt: w.endedAt,
      proposal: w.proposal ? { priceFen: w.proposal.priceFen, itinerary: w.proposal.itinerary } : null,
    })),
    messages: messages.map((m) => ({
      id: m.id,
      kind: m.kind,
      title: TITLES.get(m.kind) ?? m.kind,
      to: who(m.plannerId) || '出行人',
      plannerId: m.plannerId,
      state: m.state,
      error: m.error,
      createdAt: m.createdAt,
      sentAt: m.sentAt,
      deliveredAt: m.deliveredAt,
    })),
    timeline: t,
  };
}

const TITLES = new Map([...loadTemplates()].map(([k, t]) => [k, t.title]));
const OPS_ACTIONS: Record<string, string> = { '/dispatch': '派单', '/close': '关闭需求', '/reopen': '重新开放', '/refund': '退定金' };

/** Ops hand a requirement to one candidate: a grab on the dispatch channel, every rule but the tier's release still holding. */
export async function dispatchTo(ctx: Ctx, requirementId: number, plannerId: number) {
  const exists = await ctx.db.planner.findUnique({ where: { id: plannerId }, select: { id: true } });
  if (!exists) throw new DomainError('PLANNER_NOT_FOUND', { field: 'plannerId' });
  const result = await grab(ctx, { plannerId, requirementId, channel: 'dispatch', byOps: true });
  if (!result.ok) throw fromRejection(result, 'plannerId');
  const wo = await ctx.db.workOrder.findUnique({ where: { id: result.workOrderId } });
  return { ...wo, repeat: result.repeat };
}

export { closeRequirement, reopenRequirement };

/** A requirement's contact in full, for the person who asked (the ops API records who: an audited POST). */
export async function contactOf(ctx: Ctx, id: number) {
  const r = await ctx.db.requirement.findUnique({ where: { id }, select: { contactName: true, contactPhone: true, travelerId: true } });
  if (!r) throw new DomainError('REQUIREMENT_NOT_FOUND');
  return { name: r.contactName, phone: r.contactPhone, travelerId: r.travelerId };
}

/** How many candidates each of these requirements has (one indexed query). */
export async function candidateCounts(ctx: Ctx, ids: number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map();
  const rows = await ctx.db.candidate.groupBy({ by: ['requirementId'], where: { requirementId: { in: ids } }, _count: { _all: true } });
  return new Map(rows.map((r) => [r.requirementId, r._count._all]));
}
