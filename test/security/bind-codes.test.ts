/**
 * Guessable bind codes: codes are random, expire, and guessing is cut off per WeChat user and per
 * address before the code is looked at; every wrong code gets the same answer.
 */
import { expect, it } from 'vitest';
import { scanKeys } from '../../src/infra/keys.js';
import { signSession } from '../../src/session/session.js';
import { BAD_CODE_WORDS, newBindCode } from '../../src/wechat/bind.js';
import { handleText } from '../../src/wechat/texts.js';
import { call, ops, phone, withApp } from '../support.js';

const h = withApp();
const guest = (openid: string) => `sid=${signSession(h.app.ctx.sessionSecret, { role: 'guest', id: 0, openid })}`;
const bind = (openid: string, code: string, headers: Record<string, string> = {}) =>
  call(h.app.url, 'POST', '/api/wechat/bind', { code }, { cookie: guest(openid), ...headers });

/** Every test here comes from 127.0.0.1: start each with that address's count at zero. */
async function forgetAddressAttempts() {
  for await (const keys of scanKeys(h.app.ctx.redis, 'wx:bind:ip:*')) await h.app.ctx.redis.del(...keys);
}

async function unbound() {
  const s = (await ops(h.app.url).post('/suppliers', { name: `bind-${phone()}` })).body;
  return (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: '待绑定',
      phone: phone(),
      tier: 'A',
      destinations: ['大理'],
      maxActive: 2,
    })
  ).body as { id: number; bindCode: string };
}

it('guessing bind codes is cut off after 10 tries per WeChat user, and every wrong code is answered alike', async () => {
  const target = await unbound();
  const guesser = `o-guesser-${phone()}`;
  const answers = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const r = await bind(guesser, newBindCode().bindCode);
    expect(r.status).toBe(400);
    answers.add(JSON.stringify(r.body));
  }
  // Unknown, malformed, spent: the same words, nothing to tell them apart.
  expect(answers).toEqual(
    new Set([JSON.stringify({ error: { code: 'BAD_CODE', message: BAD_CODE_WORDS, field: 'code', fields: { code: BAD_CODE_WORDS } } })]),
  );
  // The 11th attempt is refused even with the right code.
  const cut = await bind(guesser, target.bindCode);
  expect([cut.status, cut.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  expect((await h.app.ctx.db.planner.findUnique({ where: { id: target.id } }))!.openid).toBeNull();
  // The reply path is limited by WeChat user too.
  const replier = `o-replier-${phone()}`;
  for (let i = 0; i < 10; i++)
    expect(await handleText(h.app.ctx, replier, `绑定 ${newBindCode().bindCode}`)).toBe(`绑定失败：${BAD_CODE_WORDS}`);
  expect(await handleText(h.app.ctx, replier, `绑定 ${target.bindCode}`)).toMatch(/太频繁/);
});

it('many WeChat users from one address are cut off after 30 tries from it', async () => {
  await forgetAddressAttempts();
  const ip = { 'x-forwarded-for': '203.0.113.9' }; // TRUST_PROXY is off: ignored, the socket's address counts
  let last = 0;
  for (let i = 0; i < 31; i++) last = (await bind(`o-ip-${i}-${phone()}`, newBindCode().bindCode, ip)).status;
  expect(last).toBe(429);
});

it('a code is random and unguessable, expires, and a correct code for an already-bound user answers 400', async () => {
  await forgetAddressAttempts();
  const codes = new Set(Array.from({ length: 1000 }, () => newBindCode().bindCode));
  expect(codes.size).toBe(1000);
  for (const c of codes) expect(c).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);

  const expired = await unbound();
  await h.app.ctx.db.planner.update({ where: { id: expired.id }, data: { bindCodeExpiresAt: new Date(Date.now() - 1000) } });
  expect((await bind(`o-late-${phone()}`, expired.bindCode)).body.error.code).toBe('BAD_CODE');

  const first = await unbound();
  const second = await unbound();
  const openid = `o-twice-${phone()}`;
  expect((await bind(openid, first.bindCode)).status).toBe(200);
  const again = await bind(openid, second.bindCode); // the guest cookie still names the openid
  expect([again.status, again.body.error.code]).toEqual([400, 'ALREADY_BOUND']);
  expect(await handleText(h.app.ctx, openid, `绑定 ${second.bindCode}`)).toMatch(/已绑定定制师/);
  expect((await h.app.ctx.db.planner.findUnique({ where: { id: second.id } }))!.openid).toBeNull();
  // Lower case is the same code (typed on a phone).
  expect((await bind(`o-lower-${phone()}`, second.bindCode.toLowerCase())).status).toBe(200);
});
