/**
 * The deposit through the sandbox's WeChat Pay, over real HTTP: choosing makes a JSAPI order with
 * signed pay parameters (the same order when asked again); paying at the cashier sends a signed,
 * encrypted notification and the trip is `paid` everywhere; forged notifications (tampered
 * ciphertext, another APIv3 key, a foreign signature, a stale timestamp, SIGNTEST, a wrong amount)
 * are refused with nothing changed; a duplicate is harmless; an unpaid order closes at expiry and
 * a payment that raced the close (or whose notification was lost) is still honoured.
 */
import { createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { expect, it } from 'vitest';
import { rfc3339 } from '../../src/format.js';
import { upsertAccount } from '../../src/ops/index.js';
import { encrypt, payKeys, settle, sign } from '../../src/pay/index.js';
import { OPS_COOKIE, signSession } from '../../src/session/index.js';
import { call, ops, phone, planner, requirementBody, until, withApp } from '../support.js';

const h = withApp();
let n = 0;

async function chosenTrip(priceFen = 2_600_000) {
  const place = `定金地${++n}-${phone().slice(-4)}`;
  const s = (await ops(h.app.url).post('/suppliers', { name: `定金社-${place}` })).body;
  const p = (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: '收定金',
      phone: phone(),
      tier: 'S',
      destinations: [place],
      maxActive: 5,
      openid: `o-pay-planner-${phone()}`,
    })
  ).body;
  const openid = `o-pay-traveler-${phone()}`;
  const r = (
    await ops(h.app.url).post(
      '/requirements',
      requirementBody({ destinations: [place], plannersWanted: 1, traveler: { name: '付定金', phone: phone(), openid } }),
    )
  ).body;
  const win = await planner(h.app.url, h.app.ctx, p.id).grab(r.id);
  await planner(h.app.url, h.app.ctx, p.id).propose(win.body.workOrderId, { itinerary: '京都五日：清水寺、岚山、伏见稻荷', priceFen });
  const cookie = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'traveler', id: r.traveler.id })}`;
  const choose = await call(
    h.app.url,
    'POST',
    `/api/traveler/requirements/${r.id}/choose`,
    { workOrderId: win.body.workOrderId },
    { cookie },
  );
  expect(choose.status).toBe(200);
  return { id: r.id as number, openid, planner: p, cookie, deposit: choose.body.deposit };
}

const trip = (t: { id: number; cookie: string }) =>
  call(h.app.url, 'GET', `/api/traveler/requirements/${t.id}`, undefined, { cookie: t.cookie });

/** A notification as WeChat Pay sends it, with parts to spoil. */
async function notification(
  outTradeNo: string,
  o: {
    total?: number;
    openid?: string;
    apiV3Key?: string;
    signer?: string;
    timestamp?: number;
    signature?: string;
    tamper?: boolean;
    /** Sent in two writes, the first ending inside a Chinese character of the body. */
    split?: boolean;
  } = {},
) {
  const keys = await payKeys(h.app.ctx);
  const d = (await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo } }))!;
  const resource = encrypt(
    JSON.stringify({
      appid: h.app.ctx.config.wechat.appid,
      mchid: keys.mchid,
      out_trade_no: outTradeNo,
      transaction_id: `4200${Date.now()}`,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      success_time: rfc3339(Date.now()), // paid now: the report's days are China days of today
      payer: { openid: o.openid ?? d.openid },
      amount: { total: o.total ?? d.amountFen, payer_total: o.total ?? d.amountFen, currency: 'CNY', payer_currency: 'CNY' },
    }),
    o.apiV3Key ?? keys.apiV3Key,
  );
  if (o.tamper) {
    const b = Buffer.from(resource.ciphertext, 'base64');
    b[3] ^= 1;
    resource.ciphertext = b.toString('base64');
  }
  const body = JSON.stringify({
    id: randomBytes(8).toString('hex'),
    event_type: 'TRANSACTION.SUCCESS',
    resource_type: 'encrypt-resource',
    resource,
    summary: '支付成功', // real notifications carry Chinese
  });
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const signature = o.signature ?? sign(o.signer ?? keys.sandbox!.wechatpayKey, `${timestamp}\n${nonce}\n${body}\n`);
  const headers = {
    'content-type': 'application/json',
    'wechatpay-serial': keys.sandbox!.wechatpayKeyId,
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-signature': signature,
  };
  if (o.split)
    return postInTwoWrites(`${h.app.url}/pay/notify`, headers, Buffer.from(body), Buffer.from(body).indexOf(Buffer.from('支')) + 1);
  const res = await fetch(`${h.app.url}/pay/notify`, { method: 'POST', headers, body });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

/** A POST whose body arrives in two TCP writes, the first `cut` bytes, then the rest after a pause. */
function postInTwoWrites(url: string, headers: Record<string, string>, body: Buffer, cut: number) {
  return new Promise<{ status: number; body: any }>((ok, fail) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res
        .on('data', (c) => chunks.push(c))
        .on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          ok({ status: res.statusCode!, body: text ? JSON.parse(text) : null });
        });
    });
    req.on('error', fail);
    req.write(body.subarray(0, cut));
    setTimeout(() => req.end(body.subarray(cut)), 50);
  });
}

it('choosing makes an order with signed pay parameters; asking again gives the same order; the cashier pays it and the trip is paid everywhere', async () => {
  const t = await chosenTrip(2_600_000);
  const d = t.deposit;
  expect(d).toMatchObject({ status: 'pending', amountFen: 200_000, sandbox: true }); // 10% of ¥26,000, capped at ¥2,000
  expect(d.outTradeNo).toMatch(/^DZ\d+T/);
  const p = d.payParams;
  expect(p).toMatchObject({ appId: h.app.ctx.config.wechat.appid, signType: 'RSA', package: expect.stringMatching(/^prepay_id=wx/) });
  const keys = await payKeys(h.app.ctx);
  const message = `${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`;
  expect(createVerify('RSA-SHA256').update(message).verify(keys.sandbox!.merchantPublic, p.paySign, 'base64')).toBe(true);

  const again = (await trip(t)).body.deposit;
  expect([again.outTradeNo, again.payParams.package]).toEqual([d.outTradeNo, p.package]);
  expect(again.payParams.nonceStr).not.toBe(p.nonceStr);

  const paid = await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: p.package.slice('prepay_id='.length) });
  expect(paid.body).toMatchObject({ paid: true, outTradeNo: d.outTradeNo });
  const after = await until(async () => {
    const v = (await trip(t)).body;
    return v.status === 'paid' ? v : null;
  });
  expect(after.deposit).toMatchObject({ status: 'paid', outTradeNo: d.outTradeNo });
  const ops_ = (await ops(h.app.url).get(`/requirements/${t.id}`)).body;
  expect([ops_.status, ops_.deposit.status, ops_.deposit.amountFen]).toEqual(['paid', 'paid', 200_000]);
  const events = await h.app.ctx.db.paymentEvent.findMany({ where: { outTradeNo: d.outTradeNo }, orderBy: { id: 'asc' } });
  expect(events.map((e) => [e.what, e.who])).toEqual([
    ['created', 'traveler'],
    ['prepay', 'traveler'],
    ['paid', 'wechatpay-notify'],
  ]);
  await until(
    async () =>
      (await h.app.ctx.db.message.count({
        where: { kind: { in: ['deposit-paid', 'traveler-paid'] }, id: { startsWith: `paid-${d.outTradeNo}` } },
      })) === 2,
  );
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const f = (await ops(h.app.url).get(`/stats/funnel?from=${today}&to=${today}`)).body;
  expect(f.paid).toBeGreaterThanOrEqual(1);
});

it('forged notifications are refused with nothing changed; a real one twice changes it once', async () => {
  const t = await chosenTrip(500_000);
  const no = t.deposit.outTradeNo as string;
  expect(t.deposit.amountFen).toBe(50_000); // 10% of ¥5,000 (above the ¥200 floor)
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const cases: [string, Parameters<typeof notification>[1], number, string][] = [
    ['tampered ciphertext', { tamper: true }, 400, 'DECRYPT_ERROR'],
    ['another APIv3 key', { apiV3Key: 'x'.repeat(32) }, 400, 'DECRYPT_ERROR'],
    ['a foreign signature', { signer: foreign.export({ type: 'pkcs8', format: 'pem' }) as string }, 401, 'SIGN_ERROR'],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }, 401, 'SIGN_ERROR'],
    ['a signature probe', { signature: 'WECHATPAY/SIGNTEST/abc' }, 401, 'SIGN_ERROR'],
    ['a wrong amount', { total: 1 }, 400, 'PARAM_ERROR'],
    ['another payer', { openid: 'o-somebody-else' }, 400, 'PARAM_ERROR'],
  ];
  for (const [what, spoil, status, code] of cases) {
    const r = await notification(no, spoil);
    expect([what, r.status, r.body?.code]).toEqual([what, status, code]);
    expect(typeof r.body.message).toBe('string');
  }
  expect((await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).status).toBe('pending');
  expect((await trip(t)).body.status).toBe('chosen');

  expect((await notification(no)).status).toBe(204);
  expect((await notification(no)).status).toBe(204); // WeChat Pay retries: harmless
  expect((await trip(t)).body.status).toBe('paid');
  expect(await h.app.ctx.db.paymentEvent.count({ where: { outTradeNo: no, what: 'paid' } })).toBe(1);
});

it('a genuine notification split inside a Chinese character verifies (bytes until verified)', async () => {
  const t = await chosenTrip();
  const res = await notification(t.deposit.outTradeNo, { split: true });
  expect(res.status).toBe(204);
  expect((await trip(t)).body.status).toBe('paid');
});

it('a notification over 64 KB is a 413 that closes the connection (no hanging keep-alive)', async () => {
  const big = `{"pad":"${'支'.repeat(30_000)}"}`; // 30,000 characters, 90,000 bytes: bytes are what is counted
  const answer = await new Promise<string>((ok, fail) => {
    const u = new URL(h.app.url);
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(`POST /pay/notify HTTP/1.1\r\nhost: ${u.host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
      const b = Buffer.from(big);
      s.write(`${b.length.toString(16)}\r\n`);
      s.write(b);
      s.write('\r\n0\r\n\r\n');
    });
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d) => (got += d));
    s.on('end', () => ok(got)); // the server closed: the next request is not left waiting on this socket
    s.on('error', fail);
    setTimeout(() => fail(new Error(`the connection stayed open: ${got.slice(0, 200)}`)), 15_000);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 413/);
  expect(answer.toLowerCase()).toContain('connection: close');
});

it('an unpaid order closes at expiry and a new one is made; a payment that raced the close, or whose notification was lost, is honoured', async () => {
  const t = await chosenTrip(800_000);
  const first = t.deposit.outTradeNo as string;
  expect(await settle(h.app.ctx, first, 'expired')).toBe('closed');
  const closedAtWechat = await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: t.deposit.payParams.package.slice(10) });
  expect(closedAtWechat.body.error.code).toBe('ORDER_CLOSED'); // the cashier refuses a closed order
  await h.app.ctx.db.deposit.update({ where: { outTradeNo: first }, data: { expiresAt: new Date(Date.now() - 1000) } });
  const second = (await trip(t)).body.deposit;
  expect(second.status).toBe('pending');
  expect(second.outTradeNo).not.toBe(first);

  // Paid at the cashier, the notification lost; the close at expiry finds it paid, and honours it.
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: second.payParams.package.slice(10), deliver: 'never' });
  expect((await trip(t)).body.status).toBe('chosen');
  expect(await settle(h.app.ctx, second.outTradeNo, 'expired')).toBe('paid');
  expect((await trip(t)).body.status).toBe('paid');
  const events = await h.app.ctx.db.paymentEvent.findMany({ where: { outTradeNo: second.outTradeNo, what: 'paid' } });
  expect(events.map((e) => e.who)).toEqual(['close-query']);

  // The scheduled query finds a lost notification too.
  const u = await chosenTrip(300_000);
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: u.deposit.payParams.package.slice(10), deliver: 'never' });
  expect(await settle(h.app.ctx, u.deposit.outTradeNo, 'scheduled')).toBe('paid');
});

it('ops refund part of a deposit, then the rest; each settles by its notification; more than is left is refused', async () => {
  const t = await chosenTrip(1_000_000); // deposit ¥1,000
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: t.deposit.payParams.package.slice(10) });
  await until(async () => (await trip(t)).body.status === 'paid');
  const no = t.deposit.outTradeNo as string;

  const noReason = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { amountFen: 100 });
  expect([noReason.status, noReason.body.error.field]).toEqual([400, 'reason']);
  const tooMuch = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '多退', amountFen: 100_001 });
  expect([tooMuch.status, tooMuch.body.error.code, tooMuch.body.error.field]).toEqual([400, 'REFUND_TOO_MUCH', 'amountFen']);

  const part = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '行程缩短一天', amountFen: 30_000 });
  expect(part.status).toBe(201);
  expect(part.body).toMatchObject({ outRefundNo: `${no}R1`, amountFen: 30_000, status: 'processing', deposit: { status: 'refunding' } });
  await until(async () => (await h.app.ctx.db.refund.findUnique({ where: { outRefundNo: `${no}R1` } }))?.status === 'success');
  expect(await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).toMatchObject({
    status: 'paid',
    refundedFen: 30_000,
  });

  const rest = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '客户取消行程' });
  expect(rest.body).toMatchObject({ outRefundNo: `${no}R2`, amountFen: 70_000 });
  await until(async () => (await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).status === 'refunded');
  expect((await ops(h.app.url).get(`/requirements/${t.id}`)).body.deposit).toMatchObject({ status: 'refunded', refundedFen: 100_000 });
  expect((await trip(t)).body.deposit.status).toBe('refunded');
  const after = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '再退' });
  expect([after.status, after.body.error.code]).toEqual([409, 'NOT_PAID']);
  const events = (await h.app.ctx.db.paymentEvent.findMany({ where: { outTradeNo: no }, orderBy: { id: 'asc' } })).map((e) => e.what);
  expect(events.slice(-4)).toEqual(['refund-requested', 'refund-success', 'refund-requested', 'refund-success']);
});

/** A chosen trip whose ¥1,000 deposit is paid. */
async function paidTrip() {
  const t = await chosenTrip(1_000_000); // deposit ¥1,000
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: t.deposit.payParams.package.slice(10) });
  await until(async () => (await trip(t)).body.status === 'paid');
  return t;
}

const refundMessages = (t: { id: number }) =>
  h.app.ctx.db.message.findMany({
    where: { requirementId: t.id, kind: { in: ['traveler-refund', 'deposit-refund'] } },
    orderBy: { kind: 'asc' },
  });

it('a refund typed in yuan refunds that many yuan; its errors speak yuan; the trip and ops say one deposit state; traveler and planner are told', async () => {
  const t = await paidTrip();
  const no = t.deposit.outTradeNo as string;
  const tooMuch = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '多退', amountYuan: '1000.01' });
  expect([tooMuch.status, tooMuch.body.error.code, tooMuch.body.error.field, tooMuch.body.error.message]).toEqual([
    400,
    'REFUND_TOO_MUCH',
    'amountYuan',
    '最多还能退 ¥1,000。',
  ]);
  const notAmount = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '错', amountYuan: '10.005' });
  expect([notAmount.status, notAmount.body.error.field, notAmount.body.error.fields.amountYuan]).toEqual([
    400,
    'amountYuan',
    '请填写金额（元），最多两位小数，例如 1000 或 1000.50。',
  ]);
  // "250" is ¥250 (25,000 fen), never 250 fen.
  const part = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '行程缩短一天', amountYuan: '250' });
  expect(part.body).toMatchObject({ amountFen: 25_000, status: 'processing' });
  await until(async () => (await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).refundedFen === 25_000);
  // One state everywhere: the trip's page, the trip list, ops.
  const page = (await trip(t)).body;
  expect(page.deposit.state).toEqual({ word: '已部分退款', line: '定金 ¥1,000 已支付，已退回 ¥250' });
  const list = (await call(h.app.url, 'GET', '/api/traveler/requirements', undefined, { cookie: t.cookie })).body.items;
  expect(list.find((x: { id: number }) => x.id === t.id).deposit).toEqual({ status: 'paid', word: '已部分退款' });
  expect((await ops(h.app.url).get(`/requirements/${t.id}`)).body.deposit.state.word).toBe('已部分退款');
  const msgs = await until(async () => {
    const m = await refundMessages(t);
    return m.length === 2 ? m : null;
  });
  expect(msgs.map((m) => m.kind)).toEqual(['deposit-refund', 'traveler-refund']);

  await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '客户取消行程' });
  await until(async () => (await trip(t)).body.deposit.state.word === '定金已退回');
  expect((await trip(t)).body.deposit.state.line).toBe('定金 ¥1,000 已全额退回');
});

it('REFUND.ABNORMAL keeps its amount held (never refunded again), says so to ops in words, and tells the traveler; CLOSED frees it', async () => {
  const t = await paidTrip();
  const no = t.deposit.outTradeNo as string;
  expect((await call(h.app.url, 'POST', '/sandbox/pay/next-refund', { outcome: 'ABNORMAL' })).status).toBe(200);
  await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '客户取消', amountYuan: '400' });
  await until(async () => (await h.app.ctx.db.refund.findUnique({ where: { outRefundNo: `${no}R1` } }))?.status === 'abnormal');
  // Money left the merchant: the deposit is still being refunded, and only the rest can be asked for.
  expect(await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).toMatchObject({
    status: 'refunding',
    refundedFen: 0,
  });
  const again = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '再退一次', amountYuan: '1000' });
  expect([again.status, again.body.error.message]).toEqual([400, '最多还能退 ¥600。']);
  const told = await until(async () => (await refundMessages(t)).find((m) => m.kind === 'traveler-refund'));
  expect(JSON.stringify(told.data)).toContain('退款异常');

  // Settled through WeChat Pay's abnormal-refund flow, it ends in REFUND.SUCCESS: back with the traveler.
  expect((await call(h.app.url, 'POST', `/sandbox/pay/refunds/${no}R1/settle-abnormal`, {})).status).toBe(200);
  await until(async () => (await h.app.ctx.db.refund.findUnique({ where: { outRefundNo: `${no}R1` } }))?.status === 'success');
  expect(await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).toMatchObject({
    status: 'paid',
    refundedFen: 40_000,
  });

  // CLOSED: nothing was refunded; that amount can be asked for again.
  await call(h.app.url, 'POST', '/sandbox/pay/next-refund', { outcome: 'CLOSED' });
  await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '部分', amountYuan: '100' });
  await until(async () => (await h.app.ctx.db.refund.findUnique({ where: { outRefundNo: `${no}R2` } }))?.status === 'closed');
  const left = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '再试', amountYuan: '600.01' });
  expect(left.body.error.message).toBe('最多还能退 ¥600。');
  // The console's deposit record names what happened, in words.
  const { id: accountId } = await upsertAccount(h.app.ctx, { email: `refund-${phone()}@example.com` });
  const cookie = `${OPS_COOKIE}=${signSession(h.app.ctx.sessionSecret, { role: 'ops', id: accountId })}`;
  const page = await (await fetch(`${h.app.url}/ops/requirements/${t.id}`, { headers: { cookie } })).text();
  expect(page).toContain('退款异常（钱已从商户转出，未到账）'); // in the deposit's record, settled since
  expect(page).toContain('退款关闭（未退）');
  expect(page).not.toContain('refund-abnormal');
});

it("WeChat Pay's refusal of a refund (a 4xx) is final: recorded as refused, not re-sent, and said in words", async () => {
  const t = await paidTrip();
  const no = t.deposit.outTradeNo as string;
  await call(h.app.url, 'POST', '/sandbox/pay/next-refund', { outcome: 'NOT_ENOUGH' });
  const refused = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '退款', amountYuan: '100' });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'REFUND_REFUSED']);
  expect(refused.body.error.message).toContain('微信支付拒绝了这笔退款');
  expect(await h.app.ctx.db.refund.findUnique({ where: { outRefundNo: `${no}R1` } })).toMatchObject({ status: 'refused' });
  expect(await h.app.ctx.db.deposit.findUniqueOrThrow({ where: { outTradeNo: no } })).toMatchObject({ status: 'paid' });
  // The next refund is a new one, not the refused one sent again.
  const next = await ops(h.app.url).post(`/requirements/${t.id}/refund`, { reason: '退款', amountYuan: '100' });
  expect(next.body).toMatchObject({ outRefundNo: `${no}R2` });
});

it('back from the pay sheet with "ok" and the notification lost: the server asks WeChat Pay at once and the trip is paid', async () => {
  const t = await chosenTrip();
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: t.deposit.payParams.package.slice(10), deliver: 'never' });
  expect((await trip(t)).body.status).toBe('chosen'); // nothing told us yet
  const confirmed = await call(h.app.url, 'POST', `/api/traveler/requirements/${t.id}/deposit/confirm`, {}, { cookie: t.cookie });
  expect([confirmed.status, confirmed.body.status]).toEqual([200, 'paid']);
  expect((await trip(t)).body.status).toBe('paid');
  const events = await h.app.ctx.db.paymentEvent.findMany({ where: { outTradeNo: t.deposit.outTradeNo }, orderBy: { id: 'asc' } });
  expect(events.at(-1)).toMatchObject({ what: 'paid', who: 'return-query' });
  // Someone else's trip is not theirs to ask about.
  const other = await chosenTrip();
  const nope = await call(h.app.url, 'POST', `/api/traveler/requirements/${other.id}/deposit/confirm`, {}, { cookie: t.cookie });
  expect(nope.status).toBe(404);
});

it('the reconciliation report: orders by state, paid per day, and where WeChat Pay disagrees with us', async () => {
  const t = await chosenTrip(400_000);
  // Paid at WeChat Pay, the notification lost and not yet swept: the check finds it.
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: t.deposit.payParams.package.slice(10), deliver: 'never' });
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const plain = (await ops(h.app.url).get(`/payments?from=${today}&to=${today}`)).body;
  expect(plain.byState.pending.count).toBeGreaterThanOrEqual(1);
  expect(plain.paidByDay[0]).toMatchObject({ day: today });
  expect(plain.checked).toBe(0);
  const checked = (await ops(h.app.url).get(`/payments?from=${today}&to=${today}&check=1`)).body;
  expect(checked.disagreements).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        outTradeNo: t.deposit.outTradeNo,
        ours: 'pending',
        theirs: 'SUCCESS',
        what: '微信支付已收款，我们没有记为已付',
      }),
    ]),
  );
  const bad = await ops(h.app.url).get('/payments?from=2026-13-01');
  expect([bad.status, Object.keys(bad.body.error.fields).sort()]).toEqual([400, ['from', 'to']]);
});

it('an answer that is not signed by WeChat Pay is not believed: the choice stands, the deposit says so, and the page can pay later', async () => {
  const fake = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"prepay_id":"wx-forged-by-someone"}'); // no Wechatpay-* signature
  });
  await new Promise<void>((ok) => fake.listen(0, '127.0.0.1', ok));
  const config = h.app.ctx.config as { WECHATPAY_API_BASE?: string };
  config.WECHATPAY_API_BASE = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  let t: Awaited<ReturnType<typeof chosenTrip>>;
  try {
    t = await chosenTrip(600_000);
    expect(t.deposit).toEqual({ status: 'unavailable', message: '微信支付暂时无法下单，请稍后再试（没有扣款）。' });
    const order = await h.app.ctx.db.deposit.findFirstOrThrow({ where: { requirementId: t.id } });
    expect(order.prepayId).toBeNull(); // the forged prepay_id was never taken
  } finally {
    delete config.WECHATPAY_API_BASE;
    fake.close();
  }
  const later = (await trip(t!)).body;
  expect(later.status).toBe('chosen');
  expect(later.deposit).toMatchObject({ status: 'pending', payParams: { package: expect.stringMatching(/^prepay_id=wx\d/) } });
});
