/**
 * Reaching what one should not: input PostgreSQL cannot hold (a 500 before), a card before one's
 * tier is released, and a suspended or unbound planner who keeps a session and a live stream.
 */
import { expect, it } from 'vitest';
import { signSession } from '../../src/session/session.js';
import { handleText } from '../../src/wechat/texts.js';
import { factories } from '../factories.js';
import { call, ops, phone, plannerCookie, requirementBody, until, withApp } from '../support.js';

const h = withApp({ TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600' });

async function newPlanner(tier = 'S', place = '敦煌') {
  const s = (await ops(h.app.url).post('/suppliers', { name: `acc-${phone()}` })).body;
  const p = (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: `访问${tier}`,
      phone: phone(),
      tier,
      destinations: [place],
      maxActive: 3,
      openid: `o-acc-${phone()}`,
    })
  ).body;
  return p as { id: number; supplierId: number; openid: string };
}

it('a NUL byte in any text field is a 400 naming the field, never a 500', async () => {
  const guest = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'guest', id: 0, openid: 'o-nul' })}`;
  const cases: [string, string, unknown, string, Record<string, string>][] = [
    ['POST', '/api/traveler/requirements', requirementBody({ notes: 'a\u0000b' }), 'notes', { cookie: guest }],
    ['POST', '/api/traveler/requirements', requirementBody({ destinations: ['京都', 'x\u0000'] }), 'destinations.1', { cookie: guest }],
    [
      'POST',
      '/api/traveler/requirements',
      requirementBody({ traveler: { name: '\u0000', phone: phone() } }),
      'traveler.name',
      { cookie: guest },
    ],
    ['POST', '/api/ops/suppliers', { name: 'nul\u0000' }, 'name', { authorization: 'Bearer test-ops-token-0123456789' }],
    ['POST', '/api/wechat/bind', { code: 'AB\u0000CD' }, 'code', { cookie: guest }],
  ];
  for (const [method, path, body, field, headers] of cases) {
    const res = await call(h.app.url, method, path, body, headers);
    expect(res.status, `${path} ${field}`).toBe(400);
    expect(res.body.error.field).toBe(field);
  }
  // Through the official account: the text reaches the handler, which answers in words.
  expect(await handleText(h.app.ctx, 'o-nul', '抢 AB\u0000CD')).toMatch(/没有看懂|抢单失败/);
});

it('ids of 2^31 and more are "not found" (or a 400 naming the field), never a 500', async () => {
  const p = await newPlanner();
  const cookie = plannerCookie(h.app.ctx, p.id);
  const guest = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'guest', id: 0, openid: 'o-big' })}`;
  for (const [path, c] of [
    ['/api/planner/requirements/2147483648', cookie],
    ['/api/planner/requirements/99999999999999999999', cookie],
    ['/api/traveler/requirements/2147483648', guest],
    ['/api/ops/requirements/2147483648', ''],
  ] as const) {
    const res = await call(h.app.url, 'GET', path, undefined, c ? { cookie: c } : { authorization: 'Bearer test-ops-token-0123456789' });
    expect(res.status, path).toBe(404);
  }
  const grab = await call(h.app.url, 'POST', '/api/planner/grabs', { requirementId: 2 ** 31 }, { cookie });
  expect([grab.status, grab.body.error.field]).toEqual([400, 'requirementId']);
  const planner = await call(
    h.app.url,
    'POST',
    '/api/ops/planners',
    { supplierId: 2 ** 40, name: 'x', phone: phone(), tier: 'S', destinations: ['x'], maxActive: 1 },
    { authorization: 'Bearer test-ops-token-0123456789' },
  );
  expect([planner.status, planner.body.error.field]).toEqual([400, 'supplierId']);
  const blocked = await call(h.app.url, 'POST', '/api/ops/requirements', requirementBody({ blockedPlannerIds: [2 ** 31] }), {
    authorization: 'Bearer test-ops-token-0123456789',
  });
  expect([blocked.status, blocked.body.error.field]).toEqual([400, 'blockedPlannerIds.0']);
});

it("a lower-tier candidate cannot read a requirement's card or notes before their tier is released", async () => {
  const place = `月牙泉${phone().slice(-4)}`;
  const s = await newPlanner('S', place);
  const b = await newPlanner('B', place);
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], notes: '私密备注' }))).body;
  const read = (id: number) =>
    call(h.app.url, 'GET', `/api/planner/requirements/${r.id}`, undefined, { cookie: plannerCookie(h.app.ctx, id) });
  await until(async () => (await read(s.id)).status === 200);
  expect((await read(s.id)).body.notes).toBe('私密备注');
  const early = await read(b.id);
  expect(early.status).toBe(404);
  expect(JSON.stringify(early.body)).not.toContain('私密备注');
  expect(
    (await call(h.app.url, 'GET', '/api/planner/pool', undefined, { cookie: plannerCookie(h.app.ctx, b.id) })).body.items.map(
      (i: { id: number }) => i.id,
    ),
  ).not.toContain(r.id);
});

it("suspension ends a planner's sessions and live stream at once; so does unbinding; a supplier's suspension too", async () => {
  const p = await newPlanner();
  const cookie = plannerCookie(h.app.ctx, p.id);
  const me = () => call(h.app.url, 'GET', '/api/planner/me', undefined, { cookie });
  expect((await me()).status).toBe(200);
  const ac = new AbortController();
  const stream = await fetch(`${h.app.url}/api/live/stream`, { headers: { cookie }, signal: ac.signal });
  expect(stream.status).toBe(200);
  let ended = false;
  void stream.body!.pipeTo(new WritableStream()).then(
    () => (ended = true),
    () => (ended = true),
  );
  await until(() => h.app.hub!.connections() >= 1);

  await ops(h.app.url).patch(`/planners/${p.id}`, { status: 'suspended', reason: '测试停用' });
  expect((await me()).status).toBe(401);
  await until(() => ended);
  expect((await fetch(`${h.app.url}/api/live/stream`, { headers: { cookie } })).status).toBe(401);
  // Signing in again through WeChat says why instead of looping back to the page.
  const start = await fetch(`${h.app.url}/auth/wechat?next=/h5/pool`, { redirect: 'manual' });
  const authorize = new URL(start.headers.get('location')!);
  authorize.searchParams.set('openid', p.openid);
  const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
  const nonce = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const back = await fetch(
    `${h.app.url}/auth/wechat/callback?code=${code}&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`,
    { headers: { cookie: nonce }, redirect: 'manual' },
  );
  expect(back.status).toBe(403);
  expect(await back.text()).toContain('已暂停');

  // Reactivated: old sessions stay ended, a new sign-in works.
  await ops(h.app.url).patch(`/planners/${p.id}`, { status: 'active' });
  expect((await me()).status).toBe(401);
  const fresh = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'planner', id: p.id }, Date.now() + 5)}`;
  expect((await call(h.app.url, 'GET', '/api/planner/me', undefined, { cookie: fresh })).status).toBe(200);

  // Unbinding: sessions end, the openid no longer maps to the planner, a new bind code is issued.
  const unbound = await ops(h.app.url).post(`/planners/${p.id}/unbind`, {});
  expect(unbound.status).toBe(200);
  expect(unbound.body.bindCode).toMatch(/^[2-9A-HJ-NP-Z]{8}$/);
  expect((await call(h.app.url, 'GET', '/api/planner/me', undefined, { cookie: fresh })).status).toBe(401);
  expect(await handleText(h.app.ctx, p.openid, '池')).toMatch(/还没有绑定/);

  // A supplier's suspension ends its planners' sessions.
  const q = await newPlanner();
  const qc = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'planner', id: q.id })}`;
  expect((await call(h.app.url, 'GET', '/api/planner/me', undefined, { cookie: qc })).status).toBe(200);
  await ops(h.app.url).patch(`/suppliers/${q.supplierId}`, { status: 'suspended', reason: '测试停用' });
  expect((await call(h.app.url, 'GET', '/api/planner/me', undefined, { cookie: qc })).status).toBe(401);
  ac.abort();
});

it('a grab with an unsigned or forged session is refused (401), and a suspended planner is signed out of the grab', async () => {
  const res = await fetch(`${h.app.url}/api/planner/grabs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjoxLCJleHAiOjk5OTk5OTk5OTl9.forged' },
    body: '{"requirementId":1}',
  });
  expect(res.status).toBe(401);
  const make = factories(h.app.ctx);
  const p = await make.planner({ name: '将被停用', destinations: ['京都'] });
  const r = await make.requirement();
  const cookie = plannerCookie(h.app.ctx, p.id);
  await ops(h.app.url).patch(`/planners/${p.id}`, { status: 'suspended', reason: '测试停用' });
  const grabbed = await fetch(`${h.app.url}/api/planner/grabs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ requirementId: r.id }),
  });
  expect(grabbed.status).toBe(401);
});
