/**
 * The hot routes served in front of Koa (http/lean.ts) answer as every other route does: the same
 * refusals for a missing session, a wrong role, a body that is not JSON, malformed, too large or
 * holding a NUL, an invalid field; the same headers; and a win carries the deadline PostgreSQL has.
 */
import { expect, it } from 'vitest';
import { signSession } from '../../src/session/index.js';
import { call, ops, phone, plannerCookie, requirementBody, until, withApp } from '../support.js';

const h = withApp({ TIER_DELAYS: 'S:0,A:0,B:0,C:0' });

async function post(body: string, headers: Record<string, string>) {
  const res = await fetch(`${h.app.url}/api/planner/grabs`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

it('refuses what the general routes refuse, with the same shapes and headers', async () => {
  const cookie = plannerCookie(h.app.ctx, 1);
  const json = { 'content-type': 'application/json', cookie };

  const none = await post('{"requirementId":1}', { 'content-type': 'application/json' });
  expect(none.status).toBe(401);
  expect(none.json.error.code).toBe('UNAUTHORIZED');
  const traveler = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'traveler', id: 1 })}`;
  expect((await post('{"requirementId":1}', { 'content-type': 'application/json', cookie: traveler })).status).toBe(403);

  const malformed = await post('{"requirementId":', json);
  expect(malformed.status).toBe(400);
  expect(malformed.json.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^malformed JSON body/) });

  const big = await post(JSON.stringify({ requirementId: 1, pad: 'x'.repeat(70_000) }), json);
  expect(big.status).toBe(413);
  expect(big.json.error.code).toBe('TOO_LARGE');

  const nul = await post('{"requirementId":1,"channel":"h5\\u0000"}', json);
  expect(nul.status).toBe(400);
  expect(nul.json.error).toMatchObject({ code: 'VALIDATION', field: 'channel' });

  const invalid = await post('{"requirementId":"abc","channel":"fax"}', json);
  expect(invalid.status).toBe(400);
  expect(invalid.json.error.code).toBe('VALIDATION');
  expect(Object.keys(invalid.json.error.fields).sort()).toEqual(['channel', 'requirementId']);

  // Not JSON: left to the general parser, which sees no fields.
  const text = await post('requirementId=1', { 'content-type': 'text/plain', cookie });
  expect(text.status).toBe(400);
  expect(text.json.error).toMatchObject({ code: 'VALIDATION', field: 'requirementId' });

  for (const r of [malformed, big, nul, invalid, text]) {
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
  }
});

it('a win carries the deadline its work order was recorded with; a repeat reads it back', async () => {
  const s = (await ops(h.app.url).post('/suppliers', { name: `精简社-${phone()}` })).body;
  const p = (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: '精简',
      phone: phone(),
      tier: 'S',
      destinations: ['精简地'],
      maxActive: 3,
      openid: `o-lean-${phone()}`,
    })
  ).body;
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: ['精简地'] }))).body;
  await until(async () => (await h.app.ctx.db.release.count({ where: { requirementId: r.id } })) > 0);
  const cookie = plannerCookie(h.app.ctx, p.id);
  const won = await call(h.app.url, 'POST', '/api/planner/grabs', { requirementId: r.id }, { cookie });
  expect(won.status).toBe(201);
  const wo = await h.app.ctx.db.workOrder.findUniqueOrThrow({ where: { id: won.body.workOrderId } });
  expect(won.body.deadlineAt).toBe(wo.deadlineAt.toISOString());
  const again = await call(h.app.url, 'POST', '/api/planner/grabs', { requirementId: r.id }, { cookie });
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ repeat: true, workOrderId: wo.id, deadlineAt: wo.deadlineAt.toISOString() });
});
