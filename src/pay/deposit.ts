/**
 * The payment seam. A traveler who has chosen a proposal owes a deposit; WeChat Pay (JSAPI, APIv3,
 * `POST /pay/notify`) is a later issue. Until then the deposit is "not yet payable" and the status
 * page says so. The payments work replaces `depositFor` (and adds the order it creates); nothing
 * else needs to change: the choose API and the status page already carry this object.
 */
import type { Ctx } from '../context.js';

export interface Deposit {
  /** not-open: payment is not built yet · later: pending, paid, refunded */
  status: 'not-open';
  /** What the page shows next to the chosen proposal. */
  message: string;
}

export async function depositFor(_ctx: Ctx, _requirementId: number): Promise<Deposit> {
  return { status: 'not-open', message: '定金支付即将开放，定制师会先与你联系确认行程' };
}
