/** Web OAuth through the sandbox: sessions by who WeChat says you are; no forged state, no open redirect. */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { wechatKeys } from '../../src/infra/keys.js';
import { safeNext } from '../../src/wechat/oauth.js';
import { ops, phone, withApp } from '../support.js';

const t = withApp({ ROLE: 'web' });

const local = (location: string) => t.app.url + new URL(location).pathname + new URL(location).search;
const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith(`${name}=`));

/** Walks the whole dance as a browser would; returns the final redirect and the session cookie. */
async function login(openid: string, next = '/h5/pool') {
  const start = await fetch(`${t.app.url}/auth/wechat?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const nonce = cookieOf(start, 'oauth_nonce')!;
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.pathname).toBe('/sandbox/connect/oauth2/authorize');
  expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
  const wx = await fetch(`${t.app.url}${authorize.pathname}${authorize.search}&openid=${openid}`, { redirect: 'manual' });
  expect(wx.status).toBe(302);
  const back = await fetch(local(wx.headers.get('location')!), { redirect: 'manual', headers: { cookie: nonce } });
  return { back, sid: cookieOf(back, 'sid'), callback: local(wx.headers.get('location')!), nonce };
}

it('a bound planner signs in as that planner and lands on next', async () => {
  const s = (await ops(t.app.url).post('/suppliers', { name: 'oauth' })).body;
  await ops(t.app.url).post('/planners', {
    supplierId: s.id,
    name: '授权',
    phone: phone(),
    tier: 'S',
    destinations: ['x'],
    maxActive: 1,
    openid: 'o-oauth-planner',
  });
  const { back, sid } = await login('o-oauth-planner', '/h5/pool?tab=new');
  expect(back.status).toBe(302);
  expect(back.headers.get('location')).toBe('/h5/pool?tab=new');
  const pool = await fetch(`${t.app.url}/api/planner/pool`, { headers: { cookie: sid! } });
  expect(pool.status).toBe(200);
});

it('someone WeChat knows but we do not becomes a guest, who can bind with the code from ops', async () => {
  const s = (await ops(t.app.url).post('/suppliers', { name: 'oauth-bind' })).body;
  const p = (
    await ops(t.app.url).post('/planners', {
      supplierId: s.id,
      name: '待绑定',
      phone: phone(),
      tier: 'A',
      destinations: ['x'],
      maxActive: 1,
    })
  ).body;
  const { sid } = await login('o-oauth-new');
  expect((await fetch(`${t.app.url}/api/planner/pool`, { headers: { cookie: sid! } })).status).toBe(403);
  const bad = await fetch(`${t.app.url}/api/wechat/bind`, {
    method: 'POST',
    headers: { cookie: sid!, 'content-type': 'application/json' },
    body: '{"code":"12"}',
  });
  expect((await bad.json()).error.field).toBe('code');
  const ok = await fetch(`${t.app.url}/api/wechat/bind`, {
    method: 'POST',
    headers: { cookie: sid!, 'content-type': 'application/json' },
    body: JSON.stringify({ code: p.bindCode }),
  });
  expect(ok.status).toBe(200);
  const plannerSid = cookieOf(ok, 'sid')!;
  expect((await fetch(`${t.app.url}/api/planner/pool`, { headers: { cookie: plannerSid } })).status).toBe(200);
  expect((await t.app.ctx.db.planner.findUnique({ where: { id: p.id } }))!.openid).toBe('o-oauth-new');
});

it('refuses an off-site next (no open redirect)', async () => {
  for (const next of [
    '//evil.example/x',
    'https://evil.example/',
    '/\\evil.example',
    'javascript:alert(1)',
    'h5/pool',
    '/\r\nSet-Cookie:x',
  ]) {
    const res = await fetch(`${t.app.url}/auth/wechat?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
    expect([next, res.status, (await res.json()).error.field]).toEqual([next, 400, 'next']);
  }
  expect(safeNext('//evil.example')).toBeNull();
  expect(safeNext('/\\evil.example')).toBeNull();
  expect(safeNext('https://evil.example')).toBeNull();
  expect(safeNext('/h5/pool?x=1#y')).toBe('/h5/pool?x=1#y');
});

it('refuses a forged state, a state from another browser, and a code used twice', async () => {
  const { callback, nonce, back } = await login('o-oauth-twice');
  expect(back.status).toBe(302);
  const u = new URL(callback);
  const state = u.searchParams.get('state')!;
  const [body, sig] = state.split('.');
  const evil = Buffer.from(JSON.stringify({ next: '/h5/pool', nonce: nonce.split('=')[1], exp: Date.now() + 60_000 })).toString(
    'base64url',
  );
  const forged = new URL(callback);
  forged.searchParams.set('state', `${evil}.${sig}`);
  const r1 = await fetch(forged, { redirect: 'manual', headers: { cookie: nonce } });
  expect([r1.status, (await r1.json()).error.code]).toEqual([400, 'BAD_STATE']);
  const r2 = await fetch(callback, { redirect: 'manual' }); // no nonce cookie: another browser
  expect([r2.status, (await r2.json()).error.code]).toEqual([400, 'BAD_STATE']);
  const r3 = await fetch(callback, { redirect: 'manual', headers: { cookie: nonce } }); // the code is spent
  expect([r3.status, (await r3.json()).error.code]).toEqual([400, 'OAUTH_FAILED']);
  void body;
});

it('the sandbox authorize page lets a person pick who they are', async () => {
  const start = await fetch(`${t.app.url}/auth/wechat`, { redirect: 'manual' });
  const page = await fetch(local(start.headers.get('location')!.replace('#wechat_redirect', '')));
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('微信授权（本地沙箱）');
  expect(html).toContain('请选择你要扮演的微信用户'); // says what the page is for
  expect(html).toContain('o-oauth-planner');
});

it('JS-SDK config: signed with the shared jsapi ticket, for pages of this site only', async () => {
  const { sid } = await login('o-oauth-planner');
  const pageUrl = `${t.app.ctx.config.PUBLIC_URL}/h5/pool?x=1`;
  const res = await fetch(`${t.app.url}/api/wechat/jssdk-config?url=${encodeURIComponent(pageUrl + '#frag')}`, {
    headers: { cookie: sid! },
  });
  const cfg = await res.json();
  const ticket = JSON.parse((await t.app.ctx.redis.get(wechatKeys.credential('jsapi_ticket'))) ?? 'null')?.value;
  expect(ticket).toBeTruthy();
  const want = createHash('sha1')
    .update(`jsapi_ticket=${ticket}&noncestr=${cfg.nonceStr}&timestamp=${cfg.timestamp}&url=${pageUrl}`)
    .digest('hex');
  expect(cfg).toMatchObject({ appId: t.app.ctx.config.wechat.appid, signature: want });
  const off = await fetch(`${t.app.url}/api/wechat/jssdk-config?url=${encodeURIComponent('https://evil.example/')}`, {
    headers: { cookie: sid! },
  });
  expect(off.status).toBe(400);
  expect((await fetch(`${t.app.url}/api/wechat/jssdk-config?url=${encodeURIComponent(pageUrl)}`)).status).toBe(401);
});
