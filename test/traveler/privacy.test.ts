/**
 * Personal data, private by default: a traveler reads what is kept and deletes the account (open
 * trips closed, personal fields gone from every table and from Redis, records kept, the session
 * ended for good — also after a Redis loss); ops export (recorded) and erase on request (audited);
 * phones masked in ops views, lists and the audit, shown in full only on request (recorded); the
 * retention rule anonymises old trips; no phone in error messages or metrics.
 */
import { expect, it } from 'vitest';
import { signSession } from '../../src/session/session.js';
import { applyRetention } from '../../src/traveler/index.js';
import { call, OPS_TOKEN, ops, phone, planner, plannerCookie, requirementBody, until, withApp } from '../support.js';

const h = withApp();

const guest = (openid: string) => `sid=${signSession(h.app.ctx.sessionSecret, { role: 'guest', id: 0, openid })}`;
const as = (cookie: string) => ({
  post: (path: string, body: unknown) => call(h.app.url, 'POST', `/api/traveler${path}`, body, { cookie }),
  get: (path: string) => call(h.app.url, 'GET', `/api/traveler${path}`, undefined, { cookie }),
});

async function plannerFor(place: string) {
  const s = await ops(h.app.url).post('/suppliers', { name: `隐私社-${place}-${phone()}` });
  const p = await ops(h.app.url).post('/planners', {
    supplierId: s.body.id,
    name: `${place}师`,
    phone: phone(),
    tier: 'S',
    destinations: [place],
    maxActive: 5,
    openid: `o-pv-${phone()}`,
  });
  return p.body.id as number;
}

/** A trip from a guest's WeChat, grabbed by one planner; a second trip still open. Returns the traveler's session. */
async function travelerWithTrips() {
  const place = `冰岛${phone().slice(-4)}`;
  const p = await plannerFor(place);
  const mine = phone();
  const body = requirementBody({
    destinations: [place],
    traveler: { name: '林小雨', phone: mine },
    notes: '女儿对花生过敏',
    plannersWanted: 2,
  });
  const res = await fetch(`${h.app.url}/api/traveler/requirements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: guest(`o-pv-t-${phone()}`) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  const grabbed = ((await res.json()) as { id: number }).id;
  const sid = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('sid='))!
    .split(';')[0];
  const open = (await as(sid).post('/requirements', { ...body, destinations: [`${place}北`] })).body.id as number;
  const g = await planner(h.app.url, h.app.ctx, p).grab(grabbed);
  expect(g.status).toBe(201);
  await until(() => h.app.ctx.db.message.findFirst({ where: { kind: 'won', plannerId: p } }));
  const travelerId = (await h.app.ctx.db.requirement.findUniqueOrThrow({ where: { id: grabbed } })).travelerId;
  return { sid, grabbed, open, planner: p, workOrderId: g.body.workOrderId as string, phone: mine, travelerId };
}

it('我的数据 shows what is kept; deleting the account erases the person everywhere and keeps the records', async () => {
  const t = await travelerWithTrips();
  const me = as(t.sid);
  const data = await me.get('/me/data');
  expect(data.status).toBe(200);
  expect(data.body.traveler).toMatchObject({ name: '林小雨', phone: t.phone, wechatBound: true });
  expect(data.body.trips.map((x: { id: number }) => x.id).sort()).toEqual([t.grabbed, t.open].sort());
  expect(data.body.trips.find((x: { id: number }) => x.id === t.grabbed)).toMatchObject({ contactPhone: t.phone, notes: '女儿对花生过敏' });
  expect(data.body.trips.find((x: { id: number }) => x.id === t.grabbed).planners).toHaveLength(1);
  expect(data.body.policy.join('')).toContain('注销');
  // Before: the planner holding the slot sees the contact (they need it); the won message carried it.
  const before = await call(h.app.url, 'GET', `/api/planner/work-orders/${t.workOrderId}`, undefined, {
    cookie: plannerCookie(h.app.ctx, t.planner),
  });
  expect(JSON.stringify(before.body)).toContain(t.phone);

  const unconfirmed = await me.post('/me/delete', { confirm: '删除' });
  expect(unconfirmed).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', field: 'confirm' } } });
  expect(unconfirmed.body.error.fields.confirm).toMatch(/注销/);
  const done = await me.post('/me/delete', { confirm: '注销' });
  // Both were still short of planners (the first wanted two): both close.
  expect(done).toMatchObject({ status: 200, body: { erased: true, kept: 2 } });
  expect(done.body.closed.sort()).toEqual([t.grabbed, t.open].sort());

  // The person is gone from PostgreSQL: the account, the trips' contact and notes, the sent messages.
  const row = await h.app.ctx.db.traveler.findUniqueOrThrow({ where: { id: t.travelerId } });
  expect(row).toMatchObject({ name: '已注销', phone: `erased-${t.travelerId}`, openid: null, phoneVerifiedAt: null });
  expect(row.erasedAt).not.toBeNull();
  const trips = await h.app.ctx.db.requirement.findMany({ where: { travelerId: t.travelerId } });
  expect(trips.map((r) => [r.contactName, r.contactPhone, r.notes])).toEqual([
    ['已注销', '', null],
    ['已注销', '', null],
  ]);
  expect(trips.map((r) => r.status)).toEqual(['closed', 'closed']);
  const dump = JSON.stringify(await h.app.ctx.db.message.findMany({ where: { requirementId: { in: [t.grabbed, t.open] } } }));
  expect(dump).not.toContain(t.phone);
  expect(dump).not.toContain('林小雨');
  // The business records stay: the work order, the trip's card.
  expect(await h.app.ctx.db.workOrder.count({ where: { requirementId: t.grabbed } })).toBe(1);
  // Redis's hot copy forgot it: the planner no longer sees the number.
  const after = await call(h.app.url, 'GET', `/api/planner/work-orders/${t.workOrderId}`, undefined, {
    cookie: plannerCookie(h.app.ctx, t.planner),
  });
  expect(after.status).toBe(200);
  expect(JSON.stringify(after.body)).not.toContain(t.phone);

  // The session is over, and stays over when Redis loses everything (PostgreSQL records it).
  expect((await me.get('/me/data')).status).toBe(401);
  await h.app.ctx.redis.flushdb();
  await h.app.ctx.revocations.reload();
  expect((await me.get('/me/data')).status).toBe(401);
  expect((await me.post('/me/delete', { confirm: '注销' })).status).toBe(401);
});

it('ops export (recorded) and erase (audited) on request; phones masked in views and the audit, shown in full on request (recorded)', async () => {
  const t = await travelerWithTrips();
  const exported = await ops(h.app.url).get(`/travelers/${t.travelerId}/export`);
  expect(exported.status).toBe(200);
  expect(exported.body.traveler.phone).toBe(t.phone);
  const masked = `${t.phone.slice(0, 3)}****${t.phone.slice(7)}`;
  // Ops views mask: the requirement's timeline and view, the planners' list.
  const timeline = await ops(h.app.url).get(`/requirements/${t.grabbed}/timeline`);
  expect(timeline.body.contact.phone).toBe(masked);
  expect(JSON.stringify(timeline.body)).not.toContain(t.phone);
  const view = await ops(h.app.url).get(`/requirements/${t.grabbed}`);
  expect(JSON.stringify(view.body)).not.toContain(t.phone);
  const planners = await ops(h.app.url).get('/planners?perPage=100');
  expect(planners.body.items.every((p: { phone: string }) => /^\d{3}\*{4}\d{4}$/.test(p.phone))).toBe(true);
  // In full on request: recorded, without the number.
  const shown = await ops(h.app.url).post(`/requirements/${t.grabbed}/contact`, {});
  expect(shown.body).toMatchObject({ name: '林小雨', phone: t.phone });
  const audit = await h.app.ctx.db.opsAudit.findMany({
    where: { target: { in: [String(t.grabbed), String(t.travelerId)] } },
    orderBy: { id: 'asc' },
  });
  expect(audit.map((a) => a.action)).toEqual(['GET /api/ops/travelers/:id/export', 'POST /api/ops/requirements/:id/contact']);
  expect(JSON.stringify(audit.map((a) => [a.before, a.after]))).not.toContain(t.phone);
  // A planner changed by ops: the audit's before/after masks the planner's phone.
  const planner = await h.app.ctx.db.planner.findUniqueOrThrow({ where: { id: t.planner } });
  const newPhone = phone();
  expect((await ops(h.app.url).patch(`/planners/${t.planner}`, { phone: newPhone })).status).toBe(200);
  const change = await h.app.ctx.db.opsAudit.findFirstOrThrow({ where: { target: String(t.planner) }, orderBy: { id: 'desc' } });
  expect(JSON.stringify([change.before, change.after])).not.toContain(planner.phone);
  expect(JSON.stringify(change.after)).not.toContain(newPhone);
  expect(JSON.stringify(change.before)).toContain(`${planner.phone.slice(0, 3)}****`);

  const noReason = await ops(h.app.url).post(`/travelers/${t.travelerId}/erase`, {});
  expect(noReason.body.error.field).toBe('basis');
  const erased = await ops(h.app.url).post(`/travelers/${t.travelerId}/erase`, { basis: '旅客来电要求删除（工单 88）' });
  expect(erased.body).toMatchObject({ erased: true, kept: 2 });
  expect((await ops(h.app.url).post(`/travelers/${t.travelerId}/erase`, { basis: '再来一次' })).body.erased).toBe(false);
  const entry = await h.app.ctx.db.opsAudit.findFirstOrThrow({
    where: { action: 'POST /api/ops/travelers/:id/erase', target: String(t.travelerId) },
  });
  expect(entry.after).toMatchObject({ basis: '旅客来电要求删除（工单 88）', erased: true });
  expect((await ops(h.app.url).get(`/travelers/${t.travelerId}/export`)).body.traveler).toMatchObject({ phone: null, name: '已注销' });
});

it('the retention rule anonymises trips a set time after they ended or closed, and nothing when off', async () => {
  const t = await travelerWithTrips();
  const old = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: ['旧地'], notes: '旧的备注' }))).body
    .id as number;
  await h.app.ctx.db.requirement.update({
    where: { id: old },
    data: { status: 'closed', closedAt: new Date(Date.now() - 40 * 86_400_000), returnDate: new Date(Date.now() - 50 * 86_400_000) },
  });
  expect(h.app.ctx.config.retentionDays).toBeNull(); // off outside production unless set
  expect(await applyRetention(h.app.ctx)).toEqual({ trips: 0, travelers: 0 });
  const ran = await applyRetention(h.app.ctx, 30);
  expect(ran.trips).toBeGreaterThanOrEqual(1);
  const r = await h.app.ctx.db.requirement.findUniqueOrThrow({ where: { id: old } });
  expect([r.contactName, r.contactPhone, r.notes, r.anonymisedAt !== null]).toEqual(['已注销', '', null, true]);
  // A current trip is untouched.
  expect((await h.app.ctx.db.requirement.findUniqueOrThrow({ where: { id: t.grabbed } })).contactPhone).toBe(t.phone);
  expect((await applyRetention(h.app.ctx, 30)).trips).toBe(0); // done once
});

it('no phone number in error messages or metric labels', async () => {
  const taken = phone();
  const s = await ops(h.app.url).post('/suppliers', { name: `错误社-${taken}` });
  const base = { supplierId: s.body.id, name: '甲', phone: taken, tier: 'B', destinations: ['某地'], maxActive: 2 };
  expect((await ops(h.app.url).post('/planners', base)).status).toBe(201);
  const dup = await ops(h.app.url).post('/planners', base);
  expect(dup.status).toBe(409);
  expect(JSON.stringify(dup.body)).not.toContain(taken);
  const metrics = await (await fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } })).text();
  expect(metrics).not.toMatch(/"1[3-9]\d{9}"/);
});
