/**
 * The reconciliation report ops open: orders by state (count, amount), paid and refunded totals
 * per China day, refunds still processing, and — asked of WeChat Pay, order by order (at most
 * 100) — every order where our state and WeChat Pay's disagree.
 */
import type { Ctx } from '../context.js';
import { chinaDate, chinaDateEnd as endOf, chinaDateStart as startOf } from '../format.js';
import { queryOrder } from './client.js';

const OURS_PAID = new Set(['paid', 'refunding', 'refunded']);

export async function paymentsReport(ctx: Ctx, from: string, to: string, check: boolean) {
  const [lo, hi] = [startOf(from), endOf(to)];
  const orders = await ctx.db.deposit.findMany({
    where: { createdAt: { gte: lo, lt: hi } },
    orderBy: { createdAt: 'asc' },
    select: { outTradeNo: true, requirementId: true, status: true, amountFen: true, refundedFen: true, paidAt: true, createdAt: true },
  });
  const byState: Record<string, { count: number; amountFen: number }> = {};
  for (const o of orders) {
    const s = (byState[o.status] ??= { count: 0, amountFen: 0 });
    s.count++;
    s.amountFen += o.amountFen;
  }
  const days = new Map<string, { day: string; paid: number; paidFen: number; refundedFen: number }>();
  for (const o of orders) {
    if (!o.paidAt) continue;
    const day = chinaDate(o.paidAt.getTime());
    const d = days.get(day) ?? { day, paid: 0, paidFen: 0, refundedFen: 0 };
    d.paid++;
    d.paidFen += o.amountFen;
    d.refundedFen += o.refundedFen;
    days.set(day, d);
  }
  const stuckRefunds = await ctx.db.refund.findMany({
    where: { status: { in: ['processing', 'abnormal'] }, deposit: { createdAt: { gte: lo, lt: hi } } },
    select: { outRefundNo: true, outTradeNo: true, amountFen: true, status: true, createdAt: true },
  });
  const disagreements: { outTradeNo: string; requirementId: number; ours: string; theirs: string; what: string }[] = [];
  let checked = 0;
  if (check) {
    for (const o of orders.slice(-100)) {
      let theirs: string;
      try {
        theirs = (await queryOrder(ctx, o.outTradeNo)).trade_state;
      } catch (err) {
        theirs = `unknown (${(err as Error).message.slice(0, 40)})`;
      }
      checked++;
      const paidThere = theirs === 'SUCCESS' || theirs === 'REFUND';
      const what = OURS_PAID.has(o.status)
        ? paidThere
          ? null
          : '我们记为已付，微信支付不是'
        : paidThere
          ? '微信支付已收款，我们没有记为已付'
          : o.status === 'pending' && theirs === 'CLOSED'
            ? '微信支付已关闭，我们仍在等待'
            : null;
      if (what) disagreements.push({ outTradeNo: o.outTradeNo, requirementId: o.requirementId, ours: o.status, theirs, what });
    }
  }
  return {
    from,
    to,
    orders: orders.length,
    byState,
    paidByDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    stuckRefunds,
    checked,
    disagreements,
  };
}
