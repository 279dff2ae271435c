/**
 * Refunds of a paid deposit, asked by ops (full, or part of what is left), with a reason:
 *
 *  - recorded first (`refunds`, status processing; the deposit `refunding`), then asked of WeChat
 *    Pay with our out_refund_no; a failed call leaves the row to be asked again with the same
 *    out_refund_no (WeChat Pay treats it as the same refund), never a second refund;
 *  - settled by the REFUND.* notification on /pay/notify (or the same answer from a query), as
 *    WeChat Pay means them: SUCCESS adds to refunded_fen (the deposit `refunded` when all of it is
 *    back, else `paid` again); CLOSED is a refund that did not happen (its amount can be refunded
 *    again); ABNORMAL is money that left the merchant but did not reach the payer (a closed card):
 *    it is settled through WeChat Pay's abnormal-refund flow in the merchant platform, never by
 *    refunding again (WeChat Pay would refuse: NOT_ENOUGH), so its amount stays held and the
 *    deposit `refunding` until ops settle it;
 *  - a 4xx from the refund API is WeChat Pay's final no (`refused`), not something to retry;
 *  - each outcome is an event (the traveler and the planner get a message; ops an alert in words).
 */
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { flushOutbox, toOutbox } from '../events/index.js';
import { yuanText } from '../money.js';
import { notifyUrl, PayError, payCall } from './client.js';
import { recordPayment } from './deposit.js';
import { heldBy } from './view.js';

interface RefundAnswer {
  refund_id: string;
  out_refund_no: string;
  status: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
}

/** What refunds hold of a deposit: back with the payer, on the way, or stuck on the way (abnormal). */
export async function requestRefund(
  ctx: Ctx,
  requirementId: number,
  input: { amountFen?: number; reason: string; field?: string },
  by: string,
) {
  const d = await ctx.db.deposit.findFirst({
    where: { requirementId, status: { in: ['paid', 'refunding'] } },
    include: { refunds: true },
  });
  if (!d) throw new DomainError('NOT_PAID');
  // A refund asked before whose call did not get through is asked again, as the same refund.
  const unsent = d.refunds.find((r) => r.status === 'processing' && !r.refundId);
  let refund = unsent;
  if (!refund) {
    const left = d.amountFen - heldBy(d.refunds);
    const amountFen = input.amountFen ?? left;
    if (amountFen <= 0 || amountFen > left)
      throw new DomainError('REFUND_TOO_MUCH', {
        message: left > 0 ? `最多还能退 ${yuanText(left)}。` : '这笔定金已没有可退的金额（退款中或已退回）。',
        field: input.field ?? 'amountFen',
      });
    refund = await ctx.db.$transaction(async (tx) => {
      const r = await tx.refund.create({
        data: {
          outRefundNo: `${d.outTradeNo}R${d.refunds.length + 1}`,
          outTradeNo: d.outTradeNo,
          amountFen,
          reason: input.reason,
          requestedBy: by,
        },
      });
      await tx.deposit.update({ where: { outTradeNo: d.outTradeNo }, data: { status: 'refunding' } });
      await recordPayment(tx, d.outTradeNo, 'refund-requested', by, { outRefundNo: r.outRefundNo, amountFen, reason: input.reason });
      return r;
    });
  }
  let answer: RefundAnswer | null;
  try {
    answer = await payCall<RefundAnswer>(ctx, 'POST', '/v3/refund/domestic/refunds', {
      out_trade_no: d.outTradeNo,
      out_refund_no: refund.outRefundNo,
      reason: refund.reason.slice(0, 80),
      notify_url: notifyUrl(ctx),
      amount: { refund: refund.amountFen, total: d.amountFen, currency: 'CNY' },
    });
  } catch (err) {
    // WeChat Pay said no (a 4xx: NOT_ENOUGH, a refund window passed, …): final, not a retry.
    if (err instanceof PayError && err.status !== undefined && err.status >= 400 && err.status < 500) {
      await settleRefund(ctx, refund.outRefundNo, 'REFUSED', 'refund-answer', err.message);
      throw new DomainError('REFUND_REFUSED', { message: `微信支付拒绝了这笔退款（${err.message.slice(0, 80)}），没有退款。` });
    }
    ctx.log.warn({ err: (err as Error).message, outRefundNo: refund.outRefundNo }, 'refund not accepted yet: ask again');
    throw new DomainError('PAY_UNAVAILABLE', {
      message: `微信支付暂时没有受理退款（${err instanceof PayError ? err.message.slice(0, 60) : '网络'}），请稍后再点一次：仍是同一笔退款，不会重复退。`,
    });
  }
  await ctx.db.refund.update({ where: { outRefundNo: refund.outRefundNo }, data: { refundId: answer!.refund_id } });
  if (answer!.status !== 'PROCESSING') await settleRefund(ctx, refund.outRefundNo, answer!.status, 'refund-answer');
  return refundView(ctx, refund.outRefundNo);
}

const FINAL = { SUCCESS: 'success', ABNORMAL: 'abnormal', CLOSED: 'closed', REFUSED: 'refused' } as const;
const ALERTS = {
  abnormal:
    'refund ABNORMAL: the money left the merchant but did not reach the payer; settle it in the merchant platform (abnormal refund)',
  closed: 'refund CLOSED by WeChat Pay: nothing was refunded; the amount can be refunded again',
  refused: 'refund refused by WeChat Pay: nothing was refunded',
} as const;

/** A refund's outcome (notification, the answer itself, or WeChat Pay's refusal): applied once, said once (an event). */
export async function settleRefund(
  ctx: Ctx,
  outRefundNo: string,
  outcome: RefundAnswer['status'] | 'REFUSED',
  who: string,
  detail?: string,
): Promise<boolean> {
  if (outcome === 'PROCESSING') return false;
  const final = FINAL[outcome];
  const event = await ctx.db.$transaction(async (tx) => {
    // An abnormal refund settled through WeChat Pay's abnormal-refund flow ends in a REFUND.SUCCESS too.
    const { count } = await tx.refund.updateMany({
      where: { outRefundNo, status: final === 'success' ? { in: ['processing', 'abnormal'] } : 'processing' },
      data: { status: final, finishedAt: new Date(ctx.now()) },
    });
    if (count === 0) return null;
    const r = (await tx.refund.findUnique({ where: { outRefundNo } }))!;
    const d = (await tx.deposit.findUnique({ where: { outTradeNo: r.outTradeNo }, include: { refunds: true } }))!;
    const refundedFen = d.refundedFen + (final === 'success' ? r.amountFen : 0);
    const pending = d.refunds.some((x) => x.status === 'processing' || x.status === 'abnormal');
    const depositStatus = refundedFen >= d.amountFen ? 'refunded' : pending ? 'refunding' : 'paid';
    await tx.deposit.update({ where: { outTradeNo: d.outTradeNo }, data: { refundedFen, status: depositStatus } });
    await recordPayment(tx, d.outTradeNo, `refund-${final}`, who, { outRefundNo, amountFen: r.amountFen, ...(detail ? { detail } : {}) });
    if (final !== 'success') ctx.log.error({ outRefundNo, outcome, amountFen: r.amountFen, deposit: depositStatus, detail }, ALERTS[final]);
    const wo = (await tx.workOrder.findUnique({ where: { id: d.workOrderId }, select: { plannerId: true } }))!;
    return toOutbox(tx, {
      type: 'refund',
      requirementId: d.requirementId,
      workOrderId: d.workOrderId,
      plannerId: wo.plannerId,
      outRefundNo,
      amountFen: r.amountFen,
      outcome: final,
      whole: refundedFen >= d.amountFen,
      at: ctx.now(),
    });
  });
  if (!event) return false;
  ctx.metrics.payment('refund', final);
  await flushOutbox(ctx.pool, ctx.events, [event]);
  return true;
}

export async function refundView(ctx: Ctx, outRefundNo: string) {
  const r = await ctx.db.refund.findUniqueOrThrow({ where: { outRefundNo }, include: { deposit: true } });
  return {
    outRefundNo: r.outRefundNo,
    outTradeNo: r.outTradeNo,
    amountFen: r.amountFen,
    reason: r.reason,
    status: r.status,
    deposit: { status: r.deposit.status, amountFen: r.deposit.amountFen, refundedFen: r.deposit.refundedFen },
  };
}
