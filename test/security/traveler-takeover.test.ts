/**
 * Traveler takeover by phone: a typed phone is a claim, not a proof. A stranger who types the
 * number of a traveler ops entered gets a trip of their own; only an SMS code sent to that number
 * (shown on the sandbox phone) joins ops' trips to a WeChat user, within tight limits.
 */
import { expect, it } from 'vitest';
import { smsKeys } from '../../src/infra/keys.js';
import { signSession } from '../../src/session/session.js';
import { call, ops, phone, requirementBody, withApp } from '../support.js';

const h = withApp();
const guest = (openid: string) => `sid=${signSession(h.app.ctx.sessionSecret, { role: 'guest', id: 0, openid })}`;
const as = (cookie: string) => ({
  post: (path: string, body: unknown) => call(h.app.url, 'POST', `/api/traveler${path}`, body, { cookie }),
  get: (path: string) => call(h.app.url, 'GET', `/api/traveler${path}`, undefined, { cookie }),
});
/** The code the sandbox SMS provider delivered to this WeChat user's phone page. */
async function smsCode(openid: string): Promise<string> {
  const inbox = await call(h.app.url, 'GET', `/sandbox/users/${openid}/inbox`);
  const sms = inbox.body.items.find((m: { kind: string }) => m.kind === 'sms');
  return /验证码 (\d{6})/.exec(sms.text)![1];
}

it('a stranger typing the phone ops entered gets a trip of their own: no trips, no proposals, no name change', async () => {
  const victimPhone = phone();
  const entered = await ops(h.app.url).post('/requirements', requirementBody({ traveler: { name: '张三', phone: victimPhone } }));
  expect(entered.status).toBe(201);
  const attacker = as(guest(`o-attacker-${phone()}`));
  const mine = await attacker.post('/requirements', requirementBody({ traveler: { name: '李四', phone: victimPhone } }));
  expect(mine.status).toBe(201);
  const list = await attacker.get('/requirements');
  expect(list.body.items.map((i: { id: number }) => i.id)).toEqual([mine.body.id]);
  expect((await attacker.get(`/requirements/${entered.body.id}`)).status).toBe(404);
  expect((await attacker.post(`/requirements/${entered.body.id}/choose`, { workOrderId: 'x' })).status).toBe(404);
  // Planners of ops' trip still see the name ops entered.
  const view = await ops(h.app.url).get(`/requirements/${entered.body.id}`);
  expect(view.body.traveler).toMatchObject({ name: '张三', phone: `${victimPhone.slice(0, 3)}****${victimPhone.slice(7)}` }); // masked for ops
  expect((await ops(h.app.url).post(`/requirements/${entered.body.id}/contact`, {})).body.phone).toBe(victimPhone);
  const ownRow = await h.app.ctx.db.traveler.findFirst({ where: { phone: victimPhone, openid: null } });
  expect(ownRow?.name).toBe('张三');
});

it("a verification code reaches the phone, links ops' trips once proven, and is bounded in time, tries and requests", async () => {
  const number = phone();
  const entered = await ops(h.app.url).post('/requirements', requirementBody({ traveler: { name: '王五', phone: number } }));
  const owner = `o-owner-${phone()}`;
  const me = as(guest(owner));

  const sent = await me.post('/phone/code', { phone: number });
  expect(sent.status).toBe(200);
  expect(sent.body).toEqual({ expiresInSec: 300, resendAfterSec: 60 });
  // Once a minute per number.
  const again = await me.post('/phone/code', { phone: number });
  expect([again.status, again.body.error.code, again.body.error.field]).toEqual([429, 'RATE_LIMITED', 'phone']);

  const code = await smsCode(owner);
  const wrong = code === '000000' ? '111111' : '000000';
  const bad = await me.post('/phone/verify', { phone: number, code: wrong });
  expect([bad.status, bad.body.error.code, bad.body.error.field]).toEqual([400, 'BAD_CODE', 'code']);
  expect(bad.body.error.message).toMatch(/还可以再试 4 次/);
  // Someone else cannot use my code: codes are bound to the WeChat user who asked.
  expect((await as(guest(`o-thief-${phone()}`)).post('/phone/verify', { phone: number, code })).body.error.code).toBe('CODE_EXPIRED');
  expect((await me.post('/phone/verify', { phone: number, code: '12' })).body.error.field).toBe('code');

  const ok = await fetch(`${h.app.url}/api/traveler/phone/verify`, {
    method: 'POST',
    headers: { cookie: guest(owner), 'content-type': 'application/json' },
    body: JSON.stringify({ phone: number, code }),
  });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toMatchObject({ verified: true, trips: 1 });
  // The guest is now that traveler: ops' trip is in their list.
  const sid = ok.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('sid='))!;
  expect((await as(sid).get('/requirements')).body.items.map((i: { id: number }) => i.id)).toEqual([entered.body.id]);
  const session = await h.app.ctx.db.traveler.findUnique({ where: { openid: owner } });
  expect(session?.phoneVerifiedAt).not.toBeNull();
  const linked = await h.app.ctx.db.requirement.findUnique({ where: { id: entered.body.id } });
  expect(linked?.travelerId).toBe(session!.id);
  expect(session!.name).toBe('王五'); // ops' row claimed as it was

  // Spent: the same code does not work twice. And now the number is taken for everyone else.
  expect((await me.post('/phone/verify', { phone: number, code })).body.error.code).toBe('CODE_EXPIRED');
  const other = as(guest(`o-other-${phone()}`));
  expect((await other.post('/phone/code', { phone: number })).status).toBe(429); // still inside the number's minute
  expect((await other.post('/requirements', requirementBody({ traveler: { name: '冒名', phone: number } }))).body.error.code).toBe(
    'PHONE_TAKEN',
  );
});

it('five wrong codes burn the code; a number gets at most five codes an hour', async () => {
  const number = phone();
  const openid = `o-guess-${phone()}`;
  const me = as(guest(openid));
  expect((await me.post('/phone/code', { phone: number })).status).toBe(200);
  const code = await smsCode(openid);
  const wrong = code === '999999' ? '888888' : '999999';
  for (let i = 0; i < 5; i++) expect((await me.post('/phone/verify', { phone: number, code: wrong })).body.error.code).toBe('BAD_CODE');
  const burnt = await me.post('/phone/verify', { phone: number, code });
  expect([burnt.status, burnt.body.error.code]).toEqual([429, 'TOO_MANY_TRIES']);
  expect((await me.post('/phone/verify', { phone: number, code })).body.error.code).toBe('CODE_EXPIRED');

  // The hour's limit per number, whoever asks (the minute's limit is lifted by hand here).
  const limits = [smsKeys.perPhoneMinute(number)];
  for (let i = 1; i < 5; i++) {
    await h.app.ctx.redis.del(...limits);
    expect((await as(guest(`o-asker-${i}-${phone()}`)).post('/phone/code', { phone: number })).status).toBe(200);
  }
  await h.app.ctx.redis.del(...limits);
  const sixth = await as(guest(`o-asker-6-${phone()}`)).post('/phone/code', { phone: number });
  expect([sixth.status, sixth.body.error.message]).toEqual([429, '这个号码获取验证码太频繁，请 1 小时后再试。']);
});
