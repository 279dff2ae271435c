/**
 * Deployed behind TLS and a proxy: Secure cookies whatever the last hop speaks (nothing half-done
 * by a cookie that cannot be sent), X-Forwarded-For believed for exactly the configured hops, and
 * the headers every response carries.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { signSession } from '../../src/session/session.js';
import { type Env, isolatedEnv, ops, phone, plannerCookie, requirementBody, startApp } from '../support.js';

let env: Env;
let tls: Running; // PUBLIC_URL https, TRUST_PROXY=false (the misconfiguration that used to answer 500)
let proxied: Running; // TRUST_PROXY=1, a low per-IP grab limit

beforeAll(async () => {
  env = await isolatedEnv();
  tls = await startApp(env, { PUBLIC_URL: 'https://trip.example.com', TRUST_PROXY: 'false' });
  proxied = await startApp(env, { ROLE: 'web', TRUST_PROXY: '1', GRAB_RATE_IP: '3' });
});
afterAll(async () => {
  await proxied?.stop();
  await tls?.stop();
  await env?.release();
});

const guest = (app: Running, openid: string) => `sid=${signSession(app.ctx.sessionSecret, { role: 'guest', id: 0, openid })}`;

it('behind TLS with TRUST_PROXY=false: sign-in, trip submission and bind set Secure cookies, never a 500 after the write', async () => {
  const signIn = await fetch(`${tls.url}/auth/wechat?next=/h5/trip`, { redirect: 'manual' });
  expect(signIn.status).toBe(302);
  expect(signIn.headers.getSetCookie().join()).toMatch(/oauth_nonce=.*; secure/i);

  const trip = await fetch(`${tls.url}/api/traveler/requirements`, {
    method: 'POST',
    headers: { cookie: guest(tls, `o-tls-${phone()}`), 'content-type': 'application/json' },
    body: JSON.stringify(requirementBody()),
  });
  expect(trip.status).toBe(201);
  expect(trip.headers.getSetCookie().join()).toMatch(/sid=.*; secure/i);

  const s = (await ops(tls.url).post('/suppliers', { name: `tls-${phone()}` })).body;
  const p = (
    await ops(tls.url).post('/planners', { supplierId: s.id, name: 'TLS', phone: phone(), tier: 'S', destinations: ['厦门'], maxActive: 2 })
  ).body;
  const bind = await fetch(`${tls.url}/api/wechat/bind`, {
    method: 'POST',
    headers: { cookie: guest(tls, `o-tls-bind-${phone()}`), 'content-type': 'application/json' },
    body: JSON.stringify({ code: p.bindCode }),
  });
  expect(bind.status).toBe(200);
  expect(bind.headers.getSetCookie().join()).toMatch(/sid=.*; secure/i);
  expect(bind.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
});

it('a client-written X-Forwarded-For does not escape the per-IP grab limit: only the proxy-appended entry counts', async () => {
  const s = (await ops(proxied.url).post('/suppliers', { name: `xff-${phone()}` })).body;
  const ids: number[] = [];
  for (let i = 0; i < 4; i++)
    ids.push(
      (
        await ops(proxied.url).post('/planners', {
          supplierId: s.id,
          name: `xff${i}`,
          phone: phone(),
          tier: 'S',
          destinations: ['泉州'],
          maxActive: 2,
          openid: `o-xff-${phone()}`,
        })
      ).body.id,
    );
  const codes: string[] = [];
  for (const [i, id] of ids.entries()) {
    // The client forges a fresh left-most address each time; the proxy appends the real one.
    const res = await fetch(`${proxied.url}/api/planner/grabs`, {
      method: 'POST',
      headers: {
        cookie: plannerCookie(proxied.ctx, id),
        'content-type': 'application/json',
        'x-forwarded-for': `10.9.9.${i}, 198.51.100.7`,
      },
      body: JSON.stringify({ requirementId: 999_999 }),
    });
    codes.push((await res.json()).error.code);
  }
  expect(codes).toEqual(['REQUIREMENT_NOT_FOUND', 'REQUIREMENT_NOT_FOUND', 'REQUIREMENT_NOT_FOUND', 'IP_RATE_LIMITED']);
});

it('headers: no-store on personal data, nosniff everywhere, a CSP on every HTML page (errors and sandbox included)', async () => {
  const planner = plannerCookie(tls.ctx, 1);
  for (const [path, cookie] of [
    ['/api/planner/work-orders', planner],
    ['/api/session', planner],
    ['/api/traveler/requirements', guest(tls, 'o-h')],
    ['/healthz', ''],
    ['/api/live/stream', ''],
  ] as const) {
    const res = await fetch(tls.url + path, { headers: cookie ? { cookie } : {} });
    expect(res.headers.get('cache-control'), path).toMatch(/no-store/);
    expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
  }
  for (const path of ['/h5/pool', '/sandbox/phone', '/sandbox/phone/o-someone', '/no-such-page', '/auth/wechat/callback?state=x']) {
    const res = await fetch(tls.url + path, { redirect: 'manual' });
    expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    if ((res.headers.get('content-type') ?? '').includes('html'))
      expect(res.headers.get('content-security-policy'), path).toMatch(/default-src|script-src/);
  }
  // HTML error pages too (a suspended planner's sign-in page, a 404 rendered as HTML by Koa).
  const notFound = await fetch(`${tls.url}/h5/requirements/abc`, { headers: { cookie: planner } });
  expect(notFound.headers.get('content-security-policy')).toBeTruthy();
  // Hashed assets are the one thing cached.
  const page = await (await fetch(`${tls.url}/h5/pool`, { headers: { cookie: planner } })).text();
  const asset = /src="([^"]+app\.js[^"]*)"/.exec(page)![1];
  expect((await fetch(tls.url + asset)).headers.get('cache-control')).toMatch(/immutable/);
});

it('a javascript: link planted in a template message is not a link on the sandbox phone, whose script runs under a nonce', async () => {
  const token = (
    await (await fetch(`${tls.url}/sandbox/cgi-bin/token?grant_type=client_credential&appid=wxsandbox0000000&secret=x`)).json()
  ).access_token;
  const sent = await fetch(`${tls.url}/sandbox/cgi-bin/message/template/send?access_token=${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      touser: 'o-xss',
      template_id: 'sandbox-won',
      url: 'javascript:alert(document.cookie)',
      data: { thing2: { value: 'x' } },
    }),
  });
  expect((await sent.json()).errcode).toBe(0);
  const phonePage = await fetch(`${tls.url}/sandbox/phone/o-xss`);
  const html = await phonePage.text();
  expect(html).not.toMatch(/href="javascript:/i);
  expect(html).toContain('服务通知 (1)');
  const csp = phonePage.headers.get('content-security-policy')!;
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(html).toContain(`<script nonce="${nonce}">`);
  expect(/script-src ([^;]*)/.exec(csp)![1]).toBe(`'nonce-${nonce}'`); // no other inline script runs
});
