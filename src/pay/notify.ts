/**
 * POST /pay/notify: WeChat Pay's notifications (payments, and refunds later), believed only after
 * the signature is verified on the raw body and the resource decrypted with its tag checked; then
 * the transaction is compared with our order (mchid, appid, out_trade_no, amount, payer). Anything
 * wrong is refused with 4xx {code, message}, logged with the reason, and nothing changes (WeChat Pay
 * retries a real one). Right: 204, idempotent, the order's change in one transaction.
 */
import type { Ctx } from '../context.js';
import type { Transaction } from './client.js';
import { decrypt, type Resource, signedHeaders, unverified } from './crypto.js';
import { markPaid } from './deposit.js';
import { payKeys } from './keys.js';
import { settleRefund } from './refund.js';

export interface NotifyAnswer {
  status: number;
  body?: { code: string; message: string };
}

const refuse = (status: number, code: string, message: string): NotifyAnswer => ({ status, body: { code, message } });

/** The first field where WeChat Pay's word differs from our record, `missing` without a record, null when all agree. */
const firstMismatch = (missing: string, checks: [string, boolean][] | null): string | null =>
  checks === null ? missing : (checks.find(([, same]) => !same)?.[0] ?? null);

export async function handlePayNotify(ctx: Ctx, get: (h: string) => string | undefined, raw: string): Promise<NotifyAnswer> {
  const keys = await payKeys(ctx);
  const why = unverified(signedHeaders(get), raw, keys.verifiers, ctx.now());
  if (why) {
    ctx.log.warn({ why }, 'pay notification refused: signature');
    return refuse(401, 'SIGN_ERROR', why);
  }
  let n: { id?: string; event_type?: string; resource?: Resource };
  let plain: string;
  try {
    n = JSON.parse(raw);
    plain = decrypt(n.resource!, keys.apiV3Key);
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'pay notification refused: cannot decrypt');
    return refuse(400, 'DECRYPT_ERROR', 'the resource does not decrypt with our APIv3 key (or was altered)');
  }
  if (n.event_type?.startsWith('REFUND.')) {
    const r = JSON.parse(plain) as {
      mchid: string;
      out_trade_no: string;
      out_refund_no: string;
      refund_status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
      amount: { refund: number };
    };
    const ours = await ctx.db.refund.findUnique({ where: { outRefundNo: String(r.out_refund_no ?? '') } });
    const mismatch = firstMismatch(
      'no such refund',
      ours && [
        ['mchid', r.mchid === keys.mchid],
        ['out_trade_no', r.out_trade_no === ours.outTradeNo],
        ['amount', r.amount?.refund === ours.amountFen],
      ],
    );
    if (mismatch) {
      ctx.log.error({ outRefundNo: r.out_refund_no, mismatch }, 'refund notification refused: it does not match our refund');
      return refuse(400, 'PARAM_ERROR', `does not match our refund: ${mismatch}`);
    }
    await settleRefund(ctx, ours!.outRefundNo, r.refund_status, 'wechatpay-notify');
    return { status: 204 };
  }
  if (n.event_type !== 'TRANSACTION.SUCCESS') {
    ctx.log.info({ event: n.event_type }, 'pay notification of a kind not handled: acknowledged');
    return { status: 204 };
  }
  const t = JSON.parse(plain) as Transaction;
  const d = await ctx.db.deposit.findUnique({ where: { outTradeNo: String(t.out_trade_no ?? '') } });
  const mismatch = firstMismatch(
    'no such order',
    d && [
      ['mchid', t.mchid === keys.mchid],
      ['appid', t.appid === ctx.config.wechat.appid],
      ['trade_state', t.trade_state === 'SUCCESS'],
      ['amount', t.amount?.total === d.amountFen],
      ['payer', t.payer?.openid === d.openid],
    ],
  );
  if (mismatch) {
    ctx.log.error({ outTradeNo: t.out_trade_no, mismatch }, 'pay notification refused: it does not match our order');
    return refuse(400, 'PARAM_ERROR', `does not match our order: ${mismatch}`);
  }
  await markPaid(ctx, d!.outTradeNo, t, 'wechatpay-notify');
  return { status: 204 };
}
