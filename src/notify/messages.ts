/**
 * Which engine moments send which template messages, and to whom. Called by the notifications
 * listener (notify/listener.ts) for the engine's events, which arrive at least once; the message ids
 * make a repeat harmless.
 */

import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { budget, chinaDateTime as cst, partyWords, plainYuan, tripDates } from '../format.js';
import { named } from '../infra/database.js';

interface ReqRow {
  id: number;
  code: string;
  destinations: string[];
  departDate: Date;
  returnDate: Date;
  adults: number;
  children: number;
  budgetFen: number;
  budgetType: string;
}

function tripVars(r: ReqRow) {
  return {
    requirementId: r.id,
    code: r.code,
    destinations: r.destinations.join('、'),
    dates: tripDates(r.departDate, r.returnDate),
    party: partyWords(r.adults, r.children),
    budget: budget(r.budgetFen, r.budgetType),
  };
}

/** A tier was released: each bound, reachable candidate of that tier gets one message. */
export async function notifyReleased(ctx: Ctx, requirementId: number, tier: Tier, plannerIds: number[]): Promise<number> {
  if (plannerIds.length === 0) return 0;
  const [req, planners] = await Promise.all([
    ctx.db.requirement.findUniqueOrThrow({ where: { id: requirementId } }),
    ctx.db.planner.findMany({
      where: { id: { in: plannerIds }, openid: { not: null }, unreachableAt: null, status: 'active' },
      select: { id: true, openid: true },
    }),
  ]);
  const vars = { ...tripVars(req), tier };
  return ctx.notify.enqueue(
    planners.map((p) => ({
      id: `released-r${requirementId}-${tier}-p${p.id}`,
      kind: 'released',
      openid: p.openid!,
      plannerId: p.id,
      vars,
    })),
  );
}

// One statement for a win's messages, asked once per win, hundreds a second in a storm (Prisma
// compiles each call in WebAssembly, and three includes were several statements). Instants as
// epoch ms and dates as text: node-pg would read a zone-less timestamp as local time.
const WON = `SELECT w.channel, w.planner_id AS "plannerId",
    extract(epoch FROM w.grabbed_at)::float8 * 1000 AS "grabbedMs", extract(epoch FROM w.deadline_at)::float8 * 1000 AS "deadlineMs",
    p.openid AS "plannerOpenid", p.unreachable_at IS NOT NULL AS "plannerUnreachable", p.name AS "plannerName",
    r.id, r.code, r.destinations, to_char(r.depart_date, 'YYYY-MM-DD') AS "departDate", to_char(r.return_date, 'YYYY-MM-DD') AS "returnDate",
    r.adults, r.children, r.budget_fen AS "budgetFen", r.budget_type::text AS "budgetType",
    r.contact_name AS "travelerName", r.contact_phone AS "travelerPhone", t.openid AS "travelerOpenid"
  FROM work_orders w
  JOIN planners p ON p.id = w.planner_id
  JOIN requirements r ON r.id = w.requirement_id
  JOIN travelers t ON t.id = r.traveler_id
  WHERE w.id = $1`;

/** The trip's fields as tripVars takes them, with its dates as text (read as UTC midnight below). */
type WonRow = Omit<ReqRow, 'departDate' | 'returnDate'> & {
  departDate: string;
  returnDate: string;
  channel: string;
  plannerId: number;
  grabbedMs: number;
  deadlineMs: number;
  plannerOpenid: string | null;
  plannerUnreachable: boolean;
  plannerName: string;
  travelerName: string;
  travelerPhone: string;
  travelerOpenid: string | null;
};

/**
 * A slot was won: the planner gets the traveler's contact; the traveler hears who took it. A slot
 * the system dispatched is an offer, said as such （系统派单， accept by …), never "you grabbed it".
 */
export async function notifyWon(ctx: Ctx, workOrderId: string, byOps = false): Promise<number> {
  const wo = (await ctx.pool.query<WonRow>(named(ctx.pool, 'dz-won', WON, [workOrderId]))).rows[0];
  if (!wo) return 0;
  // Calendar dates as Prisma gives them (UTC midnight), for tripVars.
  const trip = tripVars({ ...wo, departDate: new Date(`${wo.departDate}T00:00:00Z`), returnDate: new Date(`${wo.returnDate}T00:00:00Z`) });
  const reachable = wo.plannerOpenid && !wo.plannerUnreachable;
  const out = [];
  if (wo.channel === 'dispatch') {
    if (reachable) {
      const acceptBy = cst(new Date(wo.grabbedMs + ctx.config.DISPATCH_ACCEPT_WITHIN * 1000));
      out.push({
        id: `dispatched-${workOrderId}`,
        kind: 'dispatched',
        openid: wo.plannerOpenid!,
        plannerId: wo.plannerId,
        vars: {
          ...trip,
          workOrderId,
          acceptBy,
          why: byOps ? '运营为你派单，逾期未答复视为拒绝' : '无人抢单按匹配度派给你，逾期视为拒绝',
        },
      });
    }
  } else if (reachable) {
    out.push({
      id: `won-${workOrderId}`,
      kind: 'won',
      openid: wo.plannerOpenid!,
      plannerId: wo.plannerId,
      vars: {
        ...trip,
        workOrderId,
        contactName: wo.travelerName,
        contactPhone: wo.travelerPhone,
        deadline: cst(new Date(wo.deadlineMs)),
      },
    });
  }
  if (wo.travelerOpenid) {
    out.push({
      id: `taken-${workOrderId}`,
      kind: 'traveler-taken',
      openid: wo.travelerOpenid,
      vars: { ...trip, plannerName: wo.plannerName },
    });
  }
  return ctx.notify.enqueue(out);
}

/** A winner missed the deadline. */
export async function notifyExpired(ctx: Ctx, workOrderId: string): Promise<number> {
  const wo = await ctx.db.workOrder.findUnique({ where: { id: workOrderId }, include: { planner: true, requirement: true } });
  if (!wo?.planner.openid || wo.planner.unreachableAt) return 0;
  return ctx.notify.enqueue([
    {
      id: `expired-${workOrderId}`,
      kind: 'slot-expired',
      openid: wo.planner.openid,
      plannerId: wo.plannerId,
      vars: { ...tripVars(wo.requirement), workOrderId },
    },
  ]);
}

/** The deadline is near and no proposal yet. */
export async function notifyProposalDue(ctx: Ctx, workOrderId: string): Promise<number> {
  const wo = await ctx.db.workOrder.findUnique({ where: { id: workOrderId }, include: { planner: true, requirement: true } });
  if (wo?.status !== 'active' || !wo.planner.openid || wo.planner.unreachableAt) return 0;
  return ctx.notify.enqueue([
    {
      id: `due-${workOrderId}`,
      kind: 'proposal-due',
      openid: wo.planner.openid,
      plannerId: wo.plannerId,
      vars: { ...tripVars(wo.requirement), workOrderId, deadline: cst(wo.deadlineAt) },
    },
  ]);
}

/** A proposal arrived: the traveler hears it (if WeChat knows them). */
export async function notifyProposal(ctx: Ctx, workOrderId: string): Promise<number> {
  const wo = await ctx.db.workOrder.findUnique({
    where: { id: workOrderId },
    include: { planner: true, proposal: true, requirement: { include: { traveler: true } } },
  });
  if (!wo?.proposal || !wo.requirement.traveler.openid) return 0;
  return ctx.notify.enqueue([
    {
      id: `proposal-${workOrderId}`,
      kind: 'traveler-proposal',
      openid: wo.requirement.traveler.openid,
      vars: { ...tripVars(wo.requirement), plannerName: wo.planner.name, price: plainYuan(wo.proposal.priceFen) },
    },
  ]);
}

/** The traveler chose: the chosen planner hears it, and so does every other planner who held a slot. */
export async function notifyChosen(ctx: Ctx, requirementId: number): Promise<number> {
  const req = await ctx.db.requirement.findUnique({
    where: { id: requirementId },
    include: { workOrders: { include: { planner: true } } },
  });
  if (!req) return 0;
  const trip = tripVars(req);
  return ctx.notify.enqueue(
    req.workOrders
      .filter((w) => (w.status === 'chosen' || w.status === 'closed') && w.planner.openid && !w.planner.unreachableAt)
      .map((w) => {
        const kind = w.status === 'chosen' ? 'chosen' : 'not-chosen';
        return { id: `${kind}-${w.id}`, kind, openid: w.planner.openid!, plannerId: w.plannerId, vars: { ...trip, workOrderId: w.id } };
      }),
  );
}

/** The deposit is paid: the chosen planner starts, and the traveler has a receipt. */
export async function notifyPaid(
  ctx: Ctx,
  requirementId: number,
  workOrderId: string,
  outTradeNo: string,
  amountFen: number,
): Promise<number> {
  const wo = await ctx.db.workOrder.findUnique({
    where: { id: workOrderId },
    include: { planner: true, requirement: { include: { traveler: true } } },
  });
  if (!wo) return 0;
  const trip = tripVars(wo.requirement);
  const out: Parameters<Ctx['notify']['enqueue']>[0] = [];
  if (wo.planner.openid && !wo.planner.unreachableAt)
    out.push({
      id: `paid-${outTradeNo}-p`,
      kind: 'deposit-paid',
      openid: wo.planner.openid,
      plannerId: wo.plannerId,
      vars: { ...trip, workOrderId, amount: plainYuan(amountFen) },
    });
  if (wo.requirement.traveler.openid)
    out.push({
      id: `paid-${outTradeNo}-t`,
      kind: 'traveler-paid',
      openid: wo.requirement.traveler.openid,
      vars: { ...trip, requirementId, amount: plainYuan(amountFen), plannerName: wo.planner.name },
    });
  return ctx.notify.enqueue(out);
}

/** A win answered "being confirmed" could not be kept (grab/promises.ts): its planner must not wait for it. */
export async function notifyUnconfirmed(ctx: Ctx, e: { requirementId: number; plannerId: number; workOrderId: string }): Promise<number> {
  const [req, p] = await Promise.all([
    ctx.db.requirement.findUnique({ where: { id: e.requirementId } }),
    ctx.db.planner.findUnique({ where: { id: e.plannerId }, select: { openid: true, unreachableAt: true } }),
  ]);
  if (!req || !p?.openid || p.unreachableAt) return 0;
  return ctx.notify.enqueue([
    {
      id: `unconfirmed-${e.workOrderId}`,
      kind: 'grab-unconfirmed',
      openid: p.openid,
      plannerId: e.plannerId,
      vars: { ...tripVars(req), requirementId: e.requirementId },
    },
  ]);
}

const REFUND_WORDS = {
  success: { outcome: '已退回', traveler: '已原路退回微信支付，以到账为准', planner: '客户定金已退回' },
  abnormal: { outcome: '退款异常', traveler: '退款未能到账，客服会联系你处理', planner: '退款异常，平台正在处理' },
  closed: { outcome: '退款失败', traveler: '退款没有成功，客服会联系你处理', planner: '退款未成功，定金仍在' },
  refused: { outcome: '退款失败', traveler: '退款没有成功，客服会联系你处理', planner: '退款未成功，定金仍在' },
} as const;

/** A refund ended, either way: the traveler and the chosen planner are told (ops' reason stays internal). */
export async function notifyRefund(
  ctx: Ctx,
  e: { requirementId: number; workOrderId: string; outRefundNo: string; amountFen: number; outcome: keyof typeof REFUND_WORDS },
): Promise<number> {
  const wo = await ctx.db.workOrder.findUnique({
    where: { id: e.workOrderId },
    include: { planner: true, requirement: { include: { traveler: true } } },
  });
  if (!wo) return 0;
  const trip = tripVars(wo.requirement);
  const words = REFUND_WORDS[e.outcome];
  const out: Parameters<Ctx['notify']['enqueue']>[0] = [];
  if (wo.requirement.traveler.openid)
    out.push({
      id: `refund-${e.outRefundNo}-t`,
      kind: 'traveler-refund',
      openid: wo.requirement.traveler.openid,
      vars: { ...trip, requirementId: e.requirementId, amount: plainYuan(e.amountFen), outcome: words.outcome, note: words.traveler },
    });
  if (wo.planner.openid && !wo.planner.unreachableAt)
    out.push({
      id: `refund-${e.outRefundNo}-p`,
      kind: 'deposit-refund',
      openid: wo.planner.openid,
      plannerId: wo.plannerId,
      vars: { ...trip, workOrderId: e.workOrderId, amount: plainYuan(e.amountFen), outcome: words.outcome, note: words.planner },
    });
  return ctx.notify.enqueue(out);
}

/** Ops closed a requirement: planners whose work orders ended with it, and the traveler (ops' reason stays internal). */
export async function notifyClosed(
  ctx: Ctx,
  requirementId: number,
  workOrders: { workOrderId: string; plannerId: number }[],
): Promise<number> {
  const req = await ctx.db.requirement.findUnique({ where: { id: requirementId }, include: { traveler: true } });
  if (!req) return 0;
  const trip = tripVars(req);
  const planners = await ctx.db.planner.findMany({
    where: { id: { in: workOrders.map((w) => w.plannerId) }, openid: { not: null }, unreachableAt: null },
    select: { id: true, openid: true },
  });
  const out: Parameters<Ctx['notify']['enqueue']>[0] = planners.map((p) => {
    const w = workOrders.find((x) => x.plannerId === p.id)!;
    return {
      id: `closed-${w.workOrderId}`,
      kind: 'requirement-closed',
      openid: p.openid!,
      plannerId: p.id,
      vars: { ...trip, workOrderId: w.workOrderId },
    };
  });
  if (req.traveler.openid)
    out.push({
      id: `trip-closed-r${requirementId}-${req.closedAt?.getTime() ?? 0}`,
      kind: 'trip-closed',
      openid: req.traveler.openid,
      vars: trip,
    });
  return ctx.notify.enqueue(out);
}
