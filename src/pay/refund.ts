/**
 * Refunds of a paid deposit, asked by ops (full, or part of what is left), with a reason:
 *
 *  - recorded first (`refunds`, status processing; the deposit `refunding`), then asked of WeChat
 *    Pay with our out_refund_no; a failed call leaves the row to be asked again with the same
 *    out_refund_no (WeChat Pay treats it as the same refund), never a second refund;
 *  - settled by the REFUND.* notification on /pay/notify (or the same answer from a query):
 *    SUCCESS adds to refunded_fen (the deposit `refunded` when all of it is back, else `paid`
 *    again), ABNORMAL and CLOSED are told to ops (the log, the ops view) and end the refunding.
 */
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { notifyUrl, PayError, payCall } from './client.js';
import { recordPayment } from './deposit.js';

interface RefundAnswer {
  refund_id: string;
  out_refund_no: string;
  status: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
}

export async function requestRefund(ctx: Ctx, requirementId: number, input: { amountFen?: number; reason: string }, by: string) {
  const d = await ctx.db.deposit.findFirst({
    where: { requirementId, status: { in: ['paid', 'refunding'] } },
    include: { refunds: true },
  });
  if (!d) throw new DomainError('NOT_PAID');
  // A refund asked before whose call did not get through is asked again, as the same refund.
  const unsent = d.refunds.find((r) => r.status === 'processing' && !r.refundId);
  let refund = unsent;
  if (!refund) {
    const held = d.refunds.filter((r) => r.status === 'processing' || r.status === 'success').reduce((s, r) => s + r.amountFen, 0);
    const left = d.amountFen - held;
    const amountFen = input.amountFen ?? left;
    if (amountFen <= 0 || amountFen > left)
      throw new DomainError('REFUND_TOO_MUCH', { message: `最多还能退 ${(left / 100).toFixed(2)} 元。`, field: 'amountFen' });
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
    ctx.log.warn({ err: (err as Error).message, outRefundNo: refund.outRefundNo }, 'refund not accepted yet: ask again');
    throw new DomainError('PAY_UNAVAILABLE', {
      message: `微信支付暂时没有受理退款（${err instanceof PayError ? err.message.slice(0, 60) : '网络'}），请稍后再点一次：仍是同一笔退款，不会重复退。`,
    });
  }
  await ctx.db.refund.update({ where: { outRefundNo: refund.outRefundNo }, data: { refundId: answer!.refund_id } });
  if (answer!.status !== 'PROCESSING') await settleRefund(ctx, refund.outRefundNo, answer!.status, 'refund-answer');
  return refundView(ctx, refund.outRefundNo);
}

/** A refund's outcome (notification, or the answer itself): applied once. */
export async function settleRefund(ctx: Ctx, outRefundNo: string, status: RefundAnswer['status'], who: string): Promise<boolean> {
  if (status === 'PROCESSING') return false;
  const final = status === 'SUCCESS' ? 'success' : status === 'ABNORMAL' ? 'abnormal' : 'closed';
  return ctx.db.$transaction(async (tx) => {
    const { count } = await tx.refund.updateMany({
      where: { outRefundNo, status: 'processing' },
      data: { status: final, finishedAt: new Date(ctx.now()) },
    });
    if (count === 0) return false;
    const r = (await tx.refund.findUnique({ where: { outRefundNo } }))!;
    const d = (await tx.deposit.findUnique({
      where: { outTradeNo: r.outTradeNo },
      include: { refunds: { where: { status: 'processing' } } },
    }))!;
    const refundedFen = d.refundedFen + (final === 'success' ? r.amountFen : 0);
    const status = refundedFen >= d.amountFen ? 'refunded' : d.refunds.length ? 'refunding' : 'paid';
    await tx.deposit.update({ where: { outTradeNo: d.outTradeNo }, data: { refundedFen, status } });
    await recordPayment(tx, d.outTradeNo, `refund-${final}`, who, { outRefundNo, amountFen: r.amountFen });
    if (final !== 'success') ctx.log.error({ outRefundNo, status }, 'refund did not go through: ops must look at it');
    return true;
  });
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
