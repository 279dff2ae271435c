/**
 * The reconciliation report ops open: orders by state (count, amount), paid and refunded totals
 * per China day, refunds still processing, and — asked of WeChat Pay, order by order (at most
 * 100) — every order where our state and WeChat Pay's disagree.
 */
import type { Ctx } from '../context.js';
import { chinaDateEnd as endOf, chinaDateStart as startOf } from '../format.js';
import { queryOrder } from './client.js';

const OURS_PAID = new Set(['paid', 'refunding', 'refunded']);

export async function paymentsReport(ctx: Ctx, from: string, to: string, check: boolean) {
  const [lo, hi] = [startOf(from), endOf(to)];
  // Summed in PostgreSQL: a month of a busy year is tens of thousands of orders.
  const states = await ctx.db.$queryRaw<{ status: string; count: number; amount_fen: number }[]>`
    SELECT status::text, count(*)::int AS count, coalesce(sum(amount_fen), 0)::float8 AS amount_fen
      FROM deposits WHERE created_at >= ${lo} AND created_at < ${hi} GROUP BY 1`;
  const byState: Record<string, { count: number; amountFen: number }> = {};
  for (const x of states) byState[x.status] = { count: x.count, amountFen: x.amount_fen };
  const orders = states.reduce((n, x) => n + x.count, 0);
  const paidByDay = await ctx.db.$queryRaw<{ day: string; paid: number; paidFen: number; refundedFen: number }[]>`
    SELECT to_char(paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, count(*)::int AS paid,
           sum(amount_fen)::float8 AS "paidFen", sum(refunded_fen)::float8 AS "refundedFen"
      FROM deposits WHERE created_at >= ${lo} AND created_at < ${hi} AND paid_at IS NOT NULL GROUP BY 1 ORDER BY 1`;
  const stuckRefunds = await ctx.db.refund.findMany({
    where: { status: { in: ['processing', 'abnormal'] }, deposit: { createdAt: { gte: lo, lt: hi } } },
    select: { outRefundNo: true, outTradeNo: true, amountFen: true, status: true, createdAt: true },
  });
  const disagreements: { outTradeNo: string; requirementId: number; ours: string; theirs: string; what: string }[] = [];
  let checked = 0;
  if (check) {
    const latest = await ctx.db.deposit.findMany({
      where: { createdAt: { gte: lo, lt: hi } },
      orderBy: { createdAt: 'desc' },
      take: 100,
      select: { outTradeNo: true, requirementId: true, status: true },
    });
    for (const o of latest.reverse()) {
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
    orders,
    byState,
    paidByDay,
    stuckRefunds,
    checked,
    disagreements,
  };
}
