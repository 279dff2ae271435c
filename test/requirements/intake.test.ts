/** Intake through the ops API: every bad field named, nothing half-written; the contract's shapes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { call, type Env, isolatedEnv, ops, phone, requirementBody, startApp } from '../support.js';

let env: Env;
let app: Running;

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env);
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
});

const cases: [string, Record<string, unknown>, string][] = [
  ['missing traveler', { traveler: undefined }, 'traveler'],
  ['bad phone', { traveler: { name: '张三', phone: '12345' } }, 'traveler.phone'],
  ['empty name', { traveler: { name: ' ', phone: '13800000000' } }, 'traveler.name'],
  ['bad subject', { subject: 'family' }, 'subject'],
  ['enterprise without company', { subject: 'enterprise' }, 'company'],
  ['no destinations', { destinations: [] }, 'destinations'],
  ['destinations not a list', { destinations: '京都' }, 'destinations'],
  ['not a date', { departDate: '2026-13-40' }, 'departDate'],
  ['return before depart', { departDate: '2027-05-10', returnDate: '2027-05-01' }, 'returnDate'],
  ['departs in the past', { departDate: '2020-01-01', returnDate: '2020-01-05' }, 'departDate'],
  ['no adults', { adults: 0 }, 'adults'],
  ['fractional children', { children: 1.5 }, 'children'],
  ['budget as text', { budgetFen: '3000' }, 'budgetFen'],
  ['four planners', { plannersWanted: 4 }, 'plannersWanted'],
  ['bad minimum tier', { minTier: 'X' }, 'minTier'],
  ['a trip of 517 days', { departDate: '2027-01-01', returnDate: '2028-06-01' }, 'returnDate'],
  ['¥1 for three people for a week', { budgetFen: 100 }, 'budgetFen'],
  ['99 adults and 99 children on an individual trip', { adults: 99, children: 99, budgetFen: 2_000_000_000 }, 'adults'],
  ['¥1 a head', { adults: 10, children: 0, budgetFen: 100, budgetType: 'per_person' }, 'budgetFen'],
];

describe('POST /api/ops/requirements', () => {
  for (const [name, over, field] of cases) {
    it(`400 naming ${field}: ${name}`, async () => {
      const before = await app.ctx.db.requirement.count();
      const travelersBefore = await app.ctx.db.traveler.count();
      const res = await ops(app.url).post('/requirements', requirementBody(over));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION', field });
      expect(res.body.error.message).toContain(field);
      expect(await app.ctx.db.requirement.count()).toBe(before);
      expect(await app.ctx.db.traveler.count()).toBe(travelersBefore);
    });
  }

  it('an implausible trip is refused with the reason in words a traveler can act on', async () => {
    const res = await ops(app.url).post('/requirements', requirementBody({ adults: 2, children: 0, budgetFen: 20_000 }));
    expect(res.status).toBe(400);
    // 2 people, 7 days: at least ¥1,400 in all.
    expect(res.body.error.fields.budgetFen).toBe('预算过低：2 人 7 天，人均每天不到 100 元，定制师难以安排。请至少填写 1400 元。');
    const long = await ops(app.url).post('/requirements', requirementBody({ departDate: '2027-01-01', returnDate: '2028-06-01' }));
    expect(long.body.error.fields.returnDate).toBe('行程最长 60 天（现在是 518 天），更长的行程请分段提交。');
    const crowd = await ops(app.url).post('/requirements', requirementBody({ adults: 25, children: 10, budgetFen: 200_000_000 }));
    expect(crowd.body.error.fields.adults).toContain('个人出行最多 30 人');
    // An enterprise trip of 35 with a real budget is fine.
    const team = await ops(app.url).post(
      '/requirements',
      requirementBody({ subject: 'enterprise', company: '某公司', adults: 35, children: 0, budgetFen: 50_000_000 }),
    );
    expect(team.status).toBe(201);
  });

  it('places typed as one string with Chinese commas, semicolons or 、 are split on the server too', async () => {
    const res = await ops(app.url).post('/requirements', requirementBody({ destinations: ['京都，巴黎', '罗马；米兰、京都'] }));
    expect(res.status).toBe(201);
    expect(res.body.destinations).toEqual(['京都', '巴黎', '罗马', '米兰']);
  });

  it('malformed JSON is a 400, not a 500', async () => {
    const res = await call(app.url, 'POST', '/api/ops/requirements', '{"traveler":', {
      authorization: 'Bearer test-ops-token-0123456789',
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('201 with id, code and status; enterprise trips need tier A and up', async () => {
    const s = (await ops(app.url).post('/suppliers', { name: '企业供应商' })).body;
    for (const tier of ['S', 'A', 'B']) {
      await ops(app.url).post('/planners', {
        supplierId: s.id,
        name: `企业${tier}`,
        phone: phone(),
        tier,
        destinations: ['新加坡'],
        maxActive: 3,
      });
    }
    const res = await ops(app.url).post(
      '/requirements',
      requirementBody({ subject: 'enterprise', company: '某某科技有限公司', destinations: ['新加坡'] }),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'open', plannersWanted: 3, minTier: 'A', candidates: 2, workOrders: [] });
    expect(res.body.code).toMatch(/^[2-9A-Z]{6}$/);
    const got = await ops(app.url).get(`/requirements/${res.body.id}`);
    expect(got.body).toMatchObject({
      id: res.body.id,
      code: res.body.code,
      company: '某某科技有限公司',
      departDate: requirementBody().departDate,
    });
  });

  it('the ops API is closed without the token, and 404s name the id', async () => {
    expect((await call(app.url, 'GET', '/api/ops/requirements/1')).status).toBe(401);
    expect(
      (await call(app.url, 'GET', '/api/ops/requirements/1', undefined, { authorization: 'Bearer wrong-token-wrong-token' })).status,
    ).toBe(401);
    const missing = await ops(app.url).get('/requirements/987654');
    expect(missing.status).toBe(404);
    expect((await ops(app.url).get('/requirements/abc')).body.error.field).toBe('id');
  });

  it('planners and suppliers: field errors and duplicates', async () => {
    expect((await ops(app.url).post('/suppliers', {})).body.error.field).toBe('name');
    const s = (await ops(app.url).post('/suppliers', { name: '重复' })).body;
    expect((await ops(app.url).post('/suppliers', { name: '重复' })).status).toBe(409);
    const base = { supplierId: s.id, name: '甲', phone: phone(), tier: 'A', destinations: ['巴黎'], maxActive: 2 };
    expect((await ops(app.url).post('/planners', { ...base, tier: 'Z' })).body.error.field).toBe('tier');
    expect((await ops(app.url).post('/planners', { ...base, supplierId: 999999 })).body.error.field).toBe('supplierId');
    const created = await ops(app.url).post('/planners', base);
    expect(created.status).toBe(201);
    expect(created.body.bindCode).toMatch(/^[2-9A-HJ-NP-Z]{8}$/); // no openid yet: a one-time, random, expiring code to bind WeChat
    expect(new Date(created.body.bindCodeExpiresAt).getTime()).toBeGreaterThan(Date.now());
    expect((await ops(app.url).post('/planners', base)).body.error).toMatchObject({ code: 'CONFLICT', field: 'phone' });
  });

  it('GET /healthz says the process answers; GET /readyz that Redis, PostgreSQL, every migration and the scripts are there', async () => {
    const live = await call(app.url, 'GET', '/healthz');
    expect(live).toMatchObject({ status: 200, body: { ok: true, pid: expect.any(Number) } });
    const ready = await call(app.url, 'GET', '/readyz');
    expect(ready).toMatchObject({
      status: 200,
      body: { ready: true, redis: true, database: true, migrations: { ok: true, missing: [] }, scripts: { ok: true } },
    });
    expect(ready.body.scripts.count).toBeGreaterThan(10);
  });
});
