/**
 * WeChat Pay APIv3 calls: wechatpay-node-v3 (pinned 2.2.1) builds the request signature and the
 * Authorization header; the call itself is ours (WECHATPAY_API_BASE, a timeout), and every answer
 * is verified (signature, time window) before it is believed. The JSAPI parameters for
 * WeixinJSBridge are signed with the merchant key.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ctx } from '../context.js';
import { rfc3339 } from '../format.js';
import { sign, signedHeaders, unverified } from './crypto.js';
import { type PayKeys, payKeys } from './keys.js';

const require = createRequire(import.meta.url);
// wechatpay-node-v3 is CommonJS; only its request signing is used (getSignature, getAuthorization).
const WxPay = require('wechatpay-node-v3') as new (o: {
  appid: string;
  mchid: string;
  serial_no: string;
  publicKey: Buffer;
  privateKey: Buffer;
}) => {
  getSignature(method: string, nonce: string, timestamp: string, url: string, body?: string): string;
  getAuthorization(nonce: string, timestamp: string, signature: string): string;
};

export class PayError extends Error {
  override name = 'PayError';
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface Transaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_state: 'SUCCESS' | 'NOTPAY' | 'CLOSED' | 'REFUND' | 'USERPAYING' | 'PAYERROR' | 'REVOKED';
  amount: { total: number; payer_total?: number; currency: string };
  payer?: { openid: string };
  success_time?: string;
}

export interface PayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** Where WeChat Pay posts its notifications (payments and refunds alike). */
export const notifyUrl = (ctx: Ctx) => `${ctx.config.PUBLIC_URL.replace(/\/$/, '')}/pay/notify`;

export function payBase(ctx: Ctx): string {
  return (
    ctx.config.WECHATPAY_API_BASE ??
    (ctx.config.pay === 'sandbox' ? `${ctx.localUrl ?? ctx.config.PUBLIC_URL}/sandbox/pay` : 'https://api.mch.weixin.qq.com')
  ).replace(/\/$/, '');
}

export async function payCall<T>(ctx: Ctx, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | null> {
  const keys = await payKeys(ctx);
  const lib = new WxPay({
    appid: ctx.config.wechat.appid,
    mchid: keys.mchid,
    serial_no: keys.serial,
    publicKey: Buffer.from('-'), // only read to find a serial, which is given
    privateKey: Buffer.from(keys.merchantKeyPem),
  });
  const nonce = randomBytes(16).toString('hex');
  const timestamp = String(Math.floor(ctx.now() / 1000));
  const payload = body === undefined ? '' : JSON.stringify(body);
  const authorization = lib.getAuthorization(nonce, timestamp, lib.getSignature(method, nonce, timestamp, path, payload || undefined));
  const res = await fetch(`${payBase(ctx)}${path}`, {
    method,
    headers: { authorization, accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'dingzhi-grab' },
    body: payload || undefined,
    signal: AbortSignal.timeout(ctx.config.UPSTREAM_TIMEOUT_MS),
  }).catch((err: Error) => {
    throw new PayError(`WeChat Pay did not answer (${err.message.slice(0, 80)})`);
  });
  const text = await res.text();
  const why = unverified(
    signedHeaders((n) => res.headers.get(n)),
    text,
    keys.verifiers,
    ctx.now(),
  );
  if (why) throw new PayError(`WeChat Pay's answer not believed: ${why}`, res.status);
  if (!res.ok) {
    const e = (text ? JSON.parse(text) : {}) as { code?: string; message?: string };
    throw new PayError(`${e.code ?? res.status}: ${e.message ?? ''}`.trim(), res.status, e.code);
  }
  return text ? (JSON.parse(text) as T) : null;
}

export const jsapiPrepay = async (
  ctx: Ctx,
  o: { outTradeNo: string; description: string; amountFen: number; openid: string; expiresAt: Date },
): Promise<string> => {
  const keys = await payKeys(ctx);
  const r = await payCall<{ prepay_id: string }>(ctx, 'POST', '/v3/pay/transactions/jsapi', {
    appid: ctx.config.wechat.appid,
    mchid: keys.mchid,
    description: o.description,
    out_trade_no: o.outTradeNo,
    time_expire: rfc3339(o.expiresAt.getTime()),
    notify_url: notifyUrl(ctx),
    amount: { total: o.amountFen, currency: 'CNY' },
    payer: { openid: o.openid },
  });
  return r!.prepay_id;
};

export async function queryOrder(ctx: Ctx, outTradeNo: string): Promise<Transaction> {
  const keys = await payKeys(ctx);
  return (await payCall<Transaction>(
    ctx,
    'GET',
    `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${keys.mchid}`,
  ))!;
}

export async function closeOrder(ctx: Ctx, outTradeNo: string): Promise<void> {
  const keys = await payKeys(ctx);
  await payCall(ctx, 'POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`, { mchid: keys.mchid });
}

/** What WeixinJSBridge.invoke('getBrandWCPayRequest') takes: signed with the merchant key. */
export function payParams(ctx: Ctx, keys: PayKeys, prepayId: string): PayParams {
  const appId = ctx.config.wechat.appid;
  const timeStamp = String(Math.floor(ctx.now() / 1000));
  const nonceStr = randomBytes(16).toString('hex');
  const pkg = `prepay_id=${prepayId}`;
  return {
    appId,
    timeStamp,
    nonceStr,
    package: pkg,
    signType: 'RSA',
    paySign: sign(keys.merchantKey, `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`),
  };
}
