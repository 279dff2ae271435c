/**
 * The traveler's deposit (定金) for the chosen proposal, paid with WeChat Pay (JSAPI).
 *
 *  - The amount comes from one rule (DEPOSIT_RULE: a percentage of the chosen price with a floor
 *    and a cap, or a fixed amount; fen).
 *  - An order is made when the traveler first needs to pay (after choosing, or opening the trip):
 *    our out_trade_no, a JSAPI prepay, time_expire = now + DEPOSIT_WINDOW. Asking again before it
 *    expires gives freshly signed parameters for the same order; after it, the old order is closed
 *    with WeChat Pay (and queried: a payment that raced the close is honoured) and a new one made.
 *  - Paid (the notification, or a query): in one transaction the order is paid, the requirement
 *    `paid`, the event recorded (outbox); a repeat changes nothing.
 *  - Every change is a row of payment_events (who, what, when, detail).
 */
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { flushOutbox, toOutbox } from '../events/index.js';
import { markRequirementPaid } from '../grab/index.js';
import { payReturnKey } from '../infra/keys.js';
import { depositState } from '../money.js';
import { closeOrder, jsapiPrepay, PayError, type PayParams, payParams, queryOrder, type Transaction } from './client.js';
import { payKeys } from './keys.js';
import { schedulePayJob } from './queue.js';

export type DepositStatus = 'pending' | 'paid' | 'closed' | 'refunding' | 'refunded';

export type Deposit =
  | { status: 'not-open'; message: string }
  | {
      status: DepositStatus;
      amountFen: number;
      outTradeNo: string;
      expiresAt: Date;
      paidAt: Date | null;
      /** Refunded so far (fen). */
      refundedFen: number;
      /** The state in words, the same on every page (src/money.ts). */
      state: { word: string; line: string };
      payParams?: PayParams;
      /** The sandbox plays WeChat Pay: the page shows its cashier sheet instead of WeixinJSBridge. */
      sandbox?: boolean;
      message: string;
    };

/** DEPOSIT_RULE applied to a price (fen). */
export function depositAmount(rule: string, priceFen: number): number {
  const fixed = /^fixed:(\d+)$/.exec(rule);
  if (fixed) return Number(fixed[1]);
  const m = /^percent:(\d+)(?:;min:(\d+))?(?:;max:(\d+))?$/.exec(rule)!;
  let fen = Math.round((priceFen * Number(m[1])) / 100);
  if (m[2]) fen = Math.max(fen, Number(m[2]));
  if (m[3]) fen = Math.min(fen, Number(m[3]));
  return Math.max(1, Math.min(fen, priceFen));
}

const newTradeNo = (requirementId: number, now: number) =>
  `DZ${requirementId}T${now.toString(36).toUpperCase()}${randomBytes(3).toString('hex').toUpperCase()}`;

export async function recordPayment(
  db: Pick<Ctx['db'], 'paymentEvent'>,
  outTradeNo: string,
  what: string,
  who: string,
  detail?: Record<string, unknown>,
) {
  await db.paymentEvent.create({ data: { outTradeNo, what, who, detail: (detail ?? undefined) as never } });
}

const WORDS: Record<DepositStatus, string> = {
  pending: '请支付定金，确认由这位定制师为你安排行程',
  paid: '定金已支付，定制师会尽快与你确认行程',
  closed: '这笔定金订单已关闭',
  refunding: '定金退款处理中，退回后会通知你',
  refunded: '定金已原路退回你的微信支付',
};

function view(
  d: { status: string; amountFen: number; outTradeNo: string; expiresAt: Date; paidAt: Date | null; refundedFen: number },
  extra: Partial<Deposit> = {},
): Deposit {
  return {
    status: d.status as DepositStatus,
    amountFen: d.amountFen,
    outTradeNo: d.outTradeNo,
    expiresAt: d.expiresAt,
    paidAt: d.paidAt,
    refundedFen: d.refundedFen,
    state: depositState(d),
    message: WORDS[d.status as DepositStatus] ?? '',
    ...extra,
  } as Deposit;
}

/**
 * What the traveler's page shows for the deposit; for a chosen, unpaid trip it makes (or renews) the
 * order to pay. `prepay: false` makes the order without asking WeChat Pay for a prepay (the
 * simulator's travelers, whose payment is recorded by markPaid as a notification would be).
 */
export async function depositFor(
  ctx: Ctx,
  requirementId: number,
  opts: { pay?: boolean; prepay?: boolean } = { pay: true },
): Promise<Deposit> {
  if (ctx.config.pay === 'off') return { status: 'not-open', message: '定金支付即将开放，定制师会先与你联系确认行程' };
  const req = await ctx.db.requirement.findUnique({
    where: { id: requirementId },
    include: {
      traveler: { select: { id: true, openid: true } },
      workOrders: { where: { status: 'chosen' }, include: { proposal: true } },
      deposits: { orderBy: { createdAt: 'desc' }, take: 1 },
    },
  });
  if (!req) throw new DomainError('TRIP_NOT_FOUND');
  let last: (typeof req.deposits)[number] | undefined = req.deposits[0];
  // A closed order (expired unpaid) is followed by a new one while the trip is still to pay.
  if (last?.status === 'closed' && req.status === 'chosen' && opts.pay) last = undefined;
  if (last && last.status !== 'pending') return view(last);
  if (req.status !== 'chosen' || !opts.pay) return last ? view(last) : { status: 'not-open', message: '选定方案后支付定金' };
  const wo = req.workOrders[0];
  if (!wo?.proposal || !req.traveler.openid) return { status: 'not-open', message: '请在微信里打开页面支付定金' };

  if (last && last.expiresAt.getTime() <= ctx.now() + 60_000) {
    // Expired (or about to): closed with WeChat Pay first, a payment that raced it honoured.
    const settled = await settle(ctx, last.outTradeNo, 'expired');
    if (settled === 'paid') return view((await ctx.db.deposit.findUnique({ where: { outTradeNo: last.outTradeNo } }))!);
    last = undefined;
  }
  if (!last) {
    const expiresAt = new Date(ctx.now() + ctx.config.DEPOSIT_WINDOW * 1000);
    const amountFen = depositAmount(ctx.config.DEPOSIT_RULE, wo.proposal.priceFen);
    try {
      last = await ctx.db.deposit.create({
        data: {
          outTradeNo: newTradeNo(requirementId, ctx.now()),
          requirementId,
          workOrderId: wo.id,
          travelerId: req.traveler.id,
          openid: req.traveler.openid,
          amountFen,
          expiresAt,
          createdAt: new Date(ctx.now()),
        },
      });
    } catch {
      // Another tab made it at the same moment: use theirs.
      last = (await ctx.db.deposit.findFirst({ where: { requirementId, status: 'pending' } }))!;
    }
    if (!last) throw new DomainError('PAY_UNAVAILABLE');
    await recordPayment(ctx.db, last.outTradeNo, 'created', 'traveler', { amountFen: last.amountFen, expiresAt: last.expiresAt });
    await schedulePayJob(ctx, last.outTradeNo, last.expiresAt.getTime());
  }
  if (opts.prepay === false) return view(last);
  const keys = await payKeys(ctx);
  // A prepay_id lives 2 hours: reuse it, made again only when missing or old.
  if (!last.prepayId || !last.prepaidAt || ctx.now() - last.prepaidAt.getTime() > 90 * 60_000) {
    let prepayId: string;
    try {
      prepayId = await jsapiPrepay(ctx, {
        outTradeNo: last.outTradeNo,
        description: `定制游定金-${req.code}`,
        amountFen: last.amountFen,
        openid: last.openid,
        expiresAt: last.expiresAt,
      });
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message, outTradeNo: last.outTradeNo }, 'JSAPI prepay failed');
      throw new DomainError('PAY_UNAVAILABLE');
    }
    last = await ctx.db.deposit.update({ where: { outTradeNo: last.outTradeNo }, data: { prepayId, prepaidAt: new Date(ctx.now()) } });
    await recordPayment(ctx.db, last.outTradeNo, 'prepay', 'traveler', { prepayId });
    ctx.metrics.payment('deposit', 'created');
  }
  return view(last, { payParams: payParams(ctx, keys, last.prepayId!), ...(ctx.config.pay === 'sandbox' ? { sandbox: true } : {}) });
}

/**
 * The order is paid (a notification or a query said so): the order, the requirement and the event
 * in one transaction. A repeat, or a payment for an order already closed by us (it raced the
 * close), is honoured once. Returns false when it was already paid.
 */
export async function markPaid(ctx: Ctx, outTradeNo: string, t: Transaction, who: string): Promise<boolean> {
  const paidAt = t.success_time ? new Date(t.success_time) : new Date(ctx.now());
  const result = await ctx.db.$transaction(async (tx) => {
    const { count } = await tx.deposit.updateMany({
      where: { outTradeNo, status: { in: ['pending', 'closed'] } },
      data: { status: 'paid', paidAt, transactionId: t.transaction_id ?? null },
    });
    if (count === 0) return null;
    const d = (await tx.deposit.findUnique({ where: { outTradeNo } }))!;
    await tx.requirement.updateMany({ where: { id: d.requirementId, status: 'chosen' }, data: { status: 'paid' } });
    await recordPayment(tx, outTradeNo, 'paid', who, {
      transactionId: t.transaction_id,
      total: t.amount.total,
      successTime: t.success_time,
    });
    const wo = (await tx.workOrder.findUnique({ where: { id: d.workOrderId }, select: { plannerId: true } }))!;
    return toOutbox(tx, {
      type: 'paid',
      requirementId: d.requirementId,
      workOrderId: d.workOrderId,
      plannerId: wo.plannerId,
      outTradeNo,
      amountFen: d.amountFen,
      at: ctx.now(),
    });
  });
  if (!result) return false;
  ctx.metrics.payment('deposit', 'paid');
  await markRequirementPaid(ctx, result.requirementId);
  await flushOutbox(ctx.pool, ctx.events, [result]);
  return true;
}

/**
 * An unpaid order past its time (the delayed job, or a traveler asking again): closed with WeChat
 * Pay, then queried, so a payment that raced the close is honoured and never lost.
 */
export async function settle(ctx: Ctx, outTradeNo: string, why: 'expired' | 'scheduled'): Promise<DepositStatus | 'unknown'> {
  const d = await ctx.db.deposit.findUnique({ where: { outTradeNo } });
  if (!d) return 'unknown';
  if (d.status !== 'pending') return d.status as DepositStatus;
  if (why === 'expired') {
    try {
      await closeOrder(ctx, outTradeNo);
    } catch (err) {
      if (!(err instanceof PayError) || err.code !== 'ORDERPAID') throw err; // ORDERPAID: the query below tells
    }
  }
  const t = await queryOrder(ctx, outTradeNo);
  if (t.trade_state === 'SUCCESS') {
    await markPaid(ctx, outTradeNo, t, why === 'expired' ? 'close-query' : 'scheduled-query');
    return 'paid';
  }
  if (why === 'expired' || t.trade_state === 'CLOSED') {
    const { count } = await ctx.db.deposit.updateMany({ where: { outTradeNo, status: 'pending' }, data: { status: 'closed' } });
    if (count) await recordPayment(ctx.db, outTradeNo, 'closed', 'system', { tradeState: t.trade_state });
    return 'closed';
  }
  return 'pending';
}

/**
 * The traveler's page is back from the pay sheet saying ok. That is not proof of payment, so WeChat
 * Pay is asked about the order now (its documented practice when the page returns before the
 * notification), instead of the page offering to pay again until a notification or the sweep
 * comes. One query per order per 2 s, whoever asks; the deposit as it then stands.
 */
export async function confirmAfterPaySheet(ctx: Ctx, requirementId: number): Promise<Deposit> {
  const d = await ctx.db.deposit.findFirst({ where: { requirementId }, orderBy: { createdAt: 'desc' } });
  if (!d) throw new DomainError('TRIP_NOT_FOUND');
  if (d.status === 'pending' && (await ctx.redis.set(payReturnKey(d.outTradeNo), '1', 'PX', 2000, 'NX'))) {
    const t = await queryOrder(ctx, d.outTradeNo).catch((err: Error) => {
      ctx.log.warn(
        { err: err.message, outTradeNo: d.outTradeNo },
        'order not queried after the pay sheet: the notification or the sweep will tell',
      );
      return null;
    });
    if (t?.trade_state === 'SUCCESS') await markPaid(ctx, d.outTradeNo, t, 'return-query');
  }
  return view((await ctx.db.deposit.findUnique({ where: { outTradeNo: d.outTradeNo } }))!);
}

/** Notifications can be lost: pending orders a few minutes old are asked about (the `pay` sweep). */
export async function sweepPending(ctx: Ctx): Promise<number> {
  const pending = await ctx.db.deposit.findMany({
    where: { status: 'pending', createdAt: { lt: new Date(ctx.now() - 2 * 60_000) } },
    select: { outTradeNo: true, expiresAt: true },
    take: 200,
  });
  let paid = 0;
  for (const d of pending) {
    const r = await settle(ctx, d.outTradeNo, d.expiresAt.getTime() <= ctx.now() ? 'expired' : 'scheduled').catch((err: Error) => {
      ctx.log.warn({ err: err.message, outTradeNo: d.outTradeNo }, 'pending deposit not settled this time');
      return 'unknown';
    });
    if (r === 'paid') paid++;
  }
  return paid;
}

/** Every pending order's expiry job, derived again from the record (Redis may have lost it). */
export async function rescheduleDeposits(ctx: Ctx): Promise<number> {
  const pending = await ctx.db.deposit.findMany({ where: { status: 'pending' }, select: { outTradeNo: true, expiresAt: true } });
  for (const d of pending) await schedulePayJob(ctx, d.outTradeNo, d.expiresAt.getTime());
  return pending.length;
}
