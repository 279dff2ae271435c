/**
 * The deposit as every reader sees it (the ops API, the console, the traveler's pages): one view,
 * its one state in words (money.ts depositState) and what can still be refunded, computed as the
 * refund path checks it.
 */
import type { Ctx } from '../context.js';
import { depositState } from '../money.js';

/** Refunds that hold money (asked, done, or stuck on WeChat Pay's side): what is left is refundable. */
export const heldBy = (refunds: { status: string; amountFen: number }[]) =>
  refunds
    .filter((r) => r.status === 'processing' || r.status === 'success' || r.status === 'abnormal')
    .reduce((n, r) => n + r.amountFen, 0);

/** A requirement's latest deposit order, as the ops API answers it (null when none). */
export async function latestDeposit(ctx: Ctx, requirementId: number) {
  const d = await ctx.db.deposit.findFirst({ where: { requirementId }, orderBy: { createdAt: 'desc' } });
  return (
    d && {
      status: d.status,
      amountFen: d.amountFen,
      outTradeNo: d.outTradeNo,
      transactionId: d.transactionId,
      paidAt: d.paidAt,
      expiresAt: d.expiresAt,
      refundedFen: d.refundedFen,
      state: depositState(d),
    }
  );
}

/** Every deposit order of a requirement with its record and refunds, and what can still be refunded (the console's section). */
export async function depositRecord(ctx: Ctx, requirementId: number) {
  const orders = await ctx.db.deposit.findMany({
    where: { requirementId },
    orderBy: { createdAt: 'asc' },
    include: { events: { orderBy: { id: 'asc' } }, refunds: true },
  });
  const refunds = orders.flatMap((o) => o.refunds).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const live = orders.find((o) => o.status === 'paid' || o.status === 'refunding') ?? null;
  return {
    orders: orders.map((o) => ({ ...o, state: depositState(o) })),
    refunds,
    /** Money held that a refund may still return (0 when nothing is paid). */
    refundableFen: live ? live.amountFen - heldBy(live.refunds) : 0,
  };
}
