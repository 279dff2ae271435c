/**
 * The local WeChat Pay (APIv3), mounted at /sandbox/pay when no WECHATPAY_MCHID is set (never in
 * production): JSAPI orders, query, close, each request's merchant signature checked and each
 * answer signed with WeChat Pay's (sandbox) key; and the cashier sheet's button, which pays an
 * order and sends the notification signed and encrypted exactly as WeChat Pay does — now, late,
 * twice, or never (to test what a lost notification leaves to the query).
 */
import { createVerify, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { rfc3339 } from '../format.js';
import { json } from '../http/body.js';
import { sandboxKeys } from '../infra/keys.js';
import { encrypt, type PayKeys, payKeys, sign } from '../pay/index.js';

interface Order {
  appid: string;
  mchid: string;
  description: string;
  out_trade_no: string;
  time_expire: string;
  notify_url: string;
  amount: { total: number; currency: string };
  payer: { openid: string };
  prepay_id: string;
  trade_state: 'NOTPAY' | 'SUCCESS' | 'CLOSED';
  transaction_id?: string;
  success_time?: string;
}

const K = sandboxKeys;

/** WeChat Pay's answer: JSON (or 204), signed with its key over timestamp, nonce, body. */
function answer(ctx: Context, keys: PayKeys, status: number, body?: unknown) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  ctx.set('wechatpay-serial', keys.sandbox!.wechatpayKeyId);
  ctx.set('wechatpay-timestamp', timestamp);
  ctx.set('wechatpay-nonce', nonce);
  ctx.set('wechatpay-signature', sign(keys.sandbox!.wechatpayKey, `${timestamp}\n${nonce}\n${text}\n`));
  ctx.set('wechatpay-signature-type', 'WECHATPAY2-SHA256-RSA2048');
  ctx.status = status;
  if (text) {
    ctx.type = 'application/json';
    ctx.body = text;
  } else ctx.body = null;
}

/** The merchant's Authorization header, checked as WeChat Pay does (our public key, the signed message). */
function merchantSigned(ctx: Context, keys: PayKeys, raw: string): boolean {
  const a = ctx.get('authorization');
  const f = Object.fromEntries([...a.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!a.startsWith('WECHATPAY2-SHA256-RSA2048 ') || f.mchid !== keys.mchid || f.serial_no !== keys.serial) return false;
  const message = `${ctx.method}\n${ctx.originalUrl.replace(/^\/sandbox\/pay/, '')}\n${f.timestamp}\n${f.nonce_str}\n${raw}\n`;
  return Boolean(f.signature) && createVerify('RSA-SHA256').update(message).verify(keys.sandbox!.merchantPublic, f.signature, 'base64');
}

export function sandboxPay(app: Ctx): Router {
  const r = new Router({ prefix: '/sandbox/pay' });
  const load = async (no: string) => {
    const raw = await app.redis.get(K.payOrder(no));
    return raw ? (JSON.parse(raw) as Order) : null;
  };
  const save = (o: Order) => app.redis.set(K.payOrder(o.out_trade_no), JSON.stringify(o), 'EX', 7 * 86_400);

  // Every API call: signed by the merchant, else 401 as WeChat Pay answers.
  r.use('/v3', json, async (ctx, next) => {
    const keys = await payKeys(app);
    const raw = ctx.method === 'GET' ? '' : ((ctx.request as { rawBody?: string }).rawBody ?? '');
    if (!merchantSigned(ctx, keys, raw)) return answer(ctx, keys, 401, { code: 'SIGN_ERROR', message: '签名错误' });
    ctx.state.keys = keys;
    return next();
  });

  r.post('/v3/pay/transactions/jsapi', async (ctx) => {
    const keys = ctx.state.keys as PayKeys;
    const b = ctx.request.body as Partial<Order>;
    if (b.appid !== app.config.wechat.appid || b.mchid !== keys.mchid)
      return answer(ctx, keys, 400, { code: 'APPID_MCHID_NOT_MATCH', message: 'appid和mch_id不匹配' });
    if (
      !b.out_trade_no ||
      !b.description ||
      !b.notify_url ||
      !Number.isInteger(b.amount?.total) ||
      !(b.amount!.total > 0) ||
      !b.payer?.openid
    )
      return answer(ctx, keys, 400, { code: 'PARAM_ERROR', message: '参数错误' });
    const have = await load(b.out_trade_no);
    if (have?.trade_state === 'SUCCESS') return answer(ctx, keys, 400, { code: 'ORDERPAID', message: '该订单已支付' });
    if (have?.trade_state === 'CLOSED') return answer(ctx, keys, 400, { code: 'ORDER_CLOSED', message: '订单已关闭' });
    if (have && (have.amount.total !== b.amount!.total || have.payer.openid !== b.payer.openid))
      return answer(ctx, keys, 400, { code: 'INVALID_REQUEST', message: '201 商户订单号重复' });
    const prepay_id = `wx${Date.now()}${randomBytes(8).toString('hex')}`;
    const o: Order = { ...(b as Order), prepay_id, trade_state: 'NOTPAY' };
    await save(o);
    await app.redis.set(K.payPrepay(prepay_id), o.out_trade_no, 'EX', 2 * 3600);
    answer(ctx, keys, 200, { prepay_id });
  });

  const view = (o: Order) => ({
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    trade_state: o.trade_state,
    trade_state_desc: { NOTPAY: '未支付', SUCCESS: '支付成功', CLOSED: '已关闭' }[o.trade_state],
    amount: {
      total: o.amount.total,
      currency: 'CNY',
      ...(o.trade_state === 'SUCCESS' ? { payer_total: o.amount.total, payer_currency: 'CNY' } : {}),
    },
    payer: o.payer,
    ...(o.transaction_id
      ? { transaction_id: o.transaction_id, success_time: o.success_time, trade_type: 'JSAPI', bank_type: 'OTHERS' }
      : {}),
  });

  r.get('/v3/pay/transactions/out-trade-no/:no', async (ctx) => {
    const keys = ctx.state.keys as PayKeys;
    const o = await load(ctx.params.no);
    if (!o) return answer(ctx, keys, 404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    answer(ctx, keys, 200, view(o));
  });

  r.post('/v3/pay/transactions/out-trade-no/:no/close', async (ctx) => {
    const keys = ctx.state.keys as PayKeys;
    const o = await load(ctx.params.no);
    if (!o) return answer(ctx, keys, 404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    if (o.trade_state === 'SUCCESS') return answer(ctx, keys, 400, { code: 'ORDERPAID', message: '该订单已支付' });
    await save({ ...o, trade_state: 'CLOSED' });
    answer(ctx, keys, 204);
  });

  /** Refunds: of a paid order, within what is left, the same out_refund_no answered as the same refund; REFUND.SUCCESS follows. */
  r.post('/v3/refund/domestic/refunds', async (ctx) => {
    const keys = ctx.state.keys as PayKeys;
    const b = ctx.request.body as {
      out_trade_no?: string;
      out_refund_no?: string;
      notify_url?: string;
      amount?: { refund?: number; total?: number };
    };
    const o = b.out_trade_no ? await load(b.out_trade_no) : null;
    if (!o) return answer(ctx, keys, 404, { code: 'RESOURCE_NOT_EXISTS', message: '订单不存在' });
    if (o.trade_state !== 'SUCCESS') return answer(ctx, keys, 400, { code: 'INVALID_REQUEST', message: '订单未支付' });
    if (!b.out_refund_no || !Number.isInteger(b.amount?.refund) || b.amount!.total !== o.amount.total)
      return answer(ctx, keys, 400, { code: 'PARAM_ERROR', message: '参数错误' });
    const key = `${K.payOrder(o.out_trade_no)}:refunds`;
    const have = await app.redis.hget(key, b.out_refund_no);
    if (have) return answer(ctx, keys, 200, JSON.parse(have));
    // What left the merchant: every refund but a closed one (an abnormal one left, and did not arrive).
    const done = Object.values(await app.redis.hgetall(key))
      .map((x) => JSON.parse(x) as { status: string; amount: { refund: number } })
      .filter((x) => x.status !== 'CLOSED')
      .reduce((n, x) => n + x.amount.refund, 0);
    const refuse = (await app.redis.get(K.payNextRefund)) === 'NOT_ENOUGH' && (await app.redis.del(K.payNextRefund));
    if (refuse || done + b.amount!.refund! > o.amount.total) return answer(ctx, keys, 403, { code: 'NOT_ENOUGH', message: '可退金额不足' });
    const refund = {
      refund_id: `5030${Date.now()}${randomBytes(3).toString('hex')}`,
      out_refund_no: b.out_refund_no,
      out_trade_no: o.out_trade_no,
      status: 'PROCESSING',
      amount: {
        refund: b.amount!.refund!,
        total: o.amount.total,
        currency: 'CNY',
        payer_refund: b.amount!.refund!,
        payer_total: o.amount.total,
      },
    };
    await app.redis.hset(key, b.out_refund_no, JSON.stringify(refund));
    answer(ctx, keys, 200, refund);
    const outcome = ((await app.redis.getdel(K.payNextRefund)) ?? 'SUCCESS') as RefundOutcome;
    setTimeout(
      () =>
        void refundNotify(app, o, refund, b.notify_url ?? o.notify_url, outcome, key).catch((e: Error) =>
          app.log.warn({ err: e.message }, 'sandbox refund notification not delivered'),
        ),
      200,
    );
  });

  /**
   * The merchant platform's abnormal-refund flow, played: an ABNORMAL refund is paid out another way
   * and WeChat Pay says REFUND.SUCCESS for it.
   */
  r.post('/refunds/:no/settle-abnormal', async (ctx) => {
    const no = ctx.params.no;
    const o = await load(no.replace(/R\d+$/, ''));
    const key = o ? `${K.payOrder(o.out_trade_no)}:refunds` : '';
    const raw = o ? await app.redis.hget(key, no) : null;
    const refund = raw
      ? (JSON.parse(raw) as { status: string; refund_id: string; out_refund_no: string; amount: { refund: number; total: number } })
      : null;
    if (!o || refund?.status !== 'ABNORMAL') {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'no abnormal refund with that out_refund_no' } };
      return;
    }
    await refundNotify(app, o, refund, o.notify_url, 'SUCCESS', key);
    ctx.body = { outRefundNo: no, status: 'SUCCESS' };
  });

  /** How the next refund ends (a test or a person trying the abnormal path): SUCCESS, ABNORMAL, CLOSED, or refused (NOT_ENOUGH). */
  r.post('/next-refund', json, async (ctx) => {
    const outcome = String((ctx.request.body as { outcome?: string }).outcome ?? '');
    if (!NEXT_REFUND.has(outcome)) {
      ctx.status = 400;
      ctx.body = { error: { code: 'VALIDATION', field: 'outcome', message: 'outcome: SUCCESS, ABNORMAL, CLOSED or NOT_ENOUGH' } };
      return;
    }
    await app.redis.set(K.payNextRefund, outcome, 'EX', 3600);
    ctx.body = { outcome };
  });

  /**
   * The cashier sheet's 支付: pays the order of a prepay_id and notifies as WeChat Pay would.
   * deliver: now (default) · late (after 3 s) · twice · never (only a query finds it).
   */
  r.post('/cashier', json, async (ctx) => {
    const b = (ctx.request.body ?? {}) as { prepayId?: string; deliver?: 'now' | 'late' | 'twice' | 'never' };
    const no = b.prepayId ? await app.redis.get(K.payPrepay(b.prepayId)) : null;
    const o = no ? await load(no) : null;
    if (!o) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: '支付已失效，请返回重新发起' } };
      return;
    }
    if (o.trade_state === 'CLOSED' || Date.parse(o.time_expire) < Date.now()) {
      ctx.status = 409;
      ctx.body = { error: { code: 'ORDER_CLOSED', message: '订单已关闭，请返回重新发起支付' } };
      return;
    }
    if (o.trade_state === 'NOTPAY') {
      o.trade_state = 'SUCCESS';
      o.transaction_id = `4200${Date.now()}${randomBytes(4).toString('hex')}`;
      o.success_time = rfc3339(Date.now());
      await save(o);
    }
    const deliver = b.deliver ?? 'now';
    const send = () => notify(app, o).catch((err: Error) => app.log.warn({ err: err.message }, 'sandbox pay notification not delivered'));
    if (deliver === 'now' || deliver === 'twice') await send();
    if (deliver === 'twice') await send();
    if (deliver === 'late') setTimeout(() => void send(), 3000);
    ctx.body = { paid: true, outTradeNo: o.out_trade_no, deliver };
  });

  return r;
}

type RefundOutcome = 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
const REFUND_SUMMARY: Record<RefundOutcome, string> = { SUCCESS: '退款成功', ABNORMAL: '退款异常', CLOSED: '退款关闭' };
/** NOT_ENOUGH: the refund API itself says no (a 403), as WeChat Pay does when less is left than asked. */
const NEXT_REFUND = new Set([...Object.keys(REFUND_SUMMARY), 'NOT_ENOUGH']);

async function refundNotify(
  app: Ctx,
  o: Order,
  refund: { refund_id: string; out_refund_no: string; amount: { refund: number; total: number } },
  url: string,
  outcome: RefundOutcome,
  key: string,
) {
  const keys = await payKeys(app);
  await app.redis.hset(key, refund.out_refund_no, JSON.stringify({ ...refund, status: outcome }));
  const plain = JSON.stringify({
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
    transaction_id: o.transaction_id,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_status: outcome,
    ...(outcome === 'SUCCESS' ? { success_time: rfc3339(Date.now()) } : {}),
    user_received_account: '支付用户零钱',
    amount: {
      total: refund.amount.total,
      refund: refund.amount.refund,
      payer_total: refund.amount.total,
      payer_refund: refund.amount.refund,
    },
  });
  await post(app, keys, url, `REFUND.${outcome}`, REFUND_SUMMARY[outcome], encrypt(plain, keys.apiV3Key, 'refund'), 'refund');
}

async function post(
  app: Ctx,
  keys: PayKeys,
  url: string,
  event: string,
  summary: string,
  resource: ReturnType<typeof encrypt>,
  type: string,
) {
  const body = JSON.stringify({
    id: randomBytes(16).toString('hex'),
    create_time: rfc3339(Date.now()),
    resource_type: 'encrypt-resource',
    event_type: event,
    summary,
    resource: { original_type: type, ...resource },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const res = await fetch(url.replace(new URL(url).origin, app.localUrl ?? new URL(url).origin), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'wechatpay-serial': keys.sandbox!.wechatpayKeyId,
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': sign(keys.sandbox!.wechatpayKey, `${timestamp}\n${nonce}\n${body}\n`),
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    },
    body,
  });
  return res.status;
}

/** TRANSACTION.SUCCESS to the order's notify_url: the resource encrypted with the APIv3 key, the whole signed. */
export async function notify(app: Ctx, o: Order): Promise<number> {
  const keys = await payKeys(app);
  return post(
    app,
    keys,
    o.notify_url,
    'TRANSACTION.SUCCESS',
    '支付成功',
    encrypt(JSON.stringify(viewForNotify(o)), keys.apiV3Key, 'transaction'),
    'transaction',
  );
}

const viewForNotify = (o: Order) => ({
  appid: o.appid,
  mchid: o.mchid,
  out_trade_no: o.out_trade_no,
  transaction_id: o.transaction_id,
  trade_type: 'JSAPI',
  trade_state: o.trade_state,
  trade_state_desc: '支付成功',
  bank_type: 'OTHERS',
  success_time: o.success_time,
  payer: o.payer,
  amount: { total: o.amount.total, payer_total: o.amount.total, currency: 'CNY', payer_currency: 'CNY' },
});
