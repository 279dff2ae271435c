/**
 * The ops console's API over real HTTP: requirements (list and filters, timeline, dispatch under
 * the grab rules, close with a reason, re-open), planners (suspend with a reason, a planner's
 * record, matching after intake), binding by QR code through the sandbox's WeChat, tier grading
 * (preview, apply some, stale), the funnel, accounts for admins, /metrics and the queue dashboard;
 * bad input names its field; planner and traveler cookies get 403 on every ops route.
 */
import { expect, it } from 'vitest';
import { releaseTier } from '../../src/grab/index.js';
import { upsertAccount } from '../../src/ops/index.js';
import { scanAsWechat, sendAsWechat } from '../../src/sandbox/phone.js';
import { signSession } from '../../src/session/index.js';
import { factories } from '../factories.js';
import { call, ops, phone, planner, plannerCookie, requirementBody, until, withApp } from '../support.js';

// S is released at once; A, B and C wait an hour (released by hand here).
const h = withApp({ TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600', FALLBACK_AFTER: '3600' });
let n = 0;

async function market(tiers: ('S' | 'A' | 'B' | 'C')[], opts: { bound?: boolean; place?: string } = {}) {
  const place = opts.place ?? `运营地${++n}-${phone().slice(-4)}`;
  const ids: number[] = [];
  for (const [i, tier] of tiers.entries()) {
    const s = (await ops(h.app.url).post('/suppliers', { name: `运营社-${place}-${i}` })).body;
    const p = await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: `${tier}级${i}号`,
      phone: phone(),
      tier,
      destinations: [place],
      maxActive: 5,
      ...(opts.bound === false ? {} : { openid: `o-ops-${phone()}` }),
    });
    expect(p.status).toBe(201);
    ids.push(p.body.id);
  }
  return { place, ids };
}

async function requirement(place: string, over: Record<string, unknown> = {}) {
  const r = await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], ...over }));
  expect(r.status).toBe(201);
  return r.body.id as number;
}

async function signedIn(role: 'admin' | 'ops') {
  const a = await upsertAccount(h.app.ctx, { email: `${role}-${phone()}@example.com`, role, name: `${role}者` });
  const res = await fetch(`${h.app.url}/api/ops/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: h.app.url },
    body: JSON.stringify({ email: a.email, password: a.password }),
  });
  expect(res.status).toBe(200);
  return { id: a.id, headers: { cookie: res.headers.get('set-cookie')!.split(';')[0], origin: h.app.url } };
}

it('lists requirements with filters and paging; bad filters name their field', async () => {
  const { place } = await market(['S']);
  const first = await requirement(place);
  const second = await requirement(place, { plannersWanted: 1 });
  const mine = await ops(h.app.url).get(`/requirements?destination=${encodeURIComponent(place)}&perPage=1`);
  expect(mine.status).toBe(200);
  expect([mine.body.total, mine.body.items.length, mine.body.items[0].id]).toEqual([2, 1, second]);
  const page2 = await ops(h.app.url).get(`/requirements?destination=${encodeURIComponent(place)}&perPage=1&page=2`);
  expect(page2.body.items[0]).toMatchObject({ id: first, status: 'open', tierReached: 'S', candidates: 1, flagged: false });
  const tierA = await ops(h.app.url).get(`/requirements?destination=${encodeURIComponent(place)}&tier=A`);
  expect(tierA.body.total).toBe(0);
  const byCode = await ops(h.app.url).get(`/requirements?q=${page2.body.items[0].code}`);
  expect(byCode.body.items.map((r: { id: number }) => r.id)).toEqual([first]);

  const bad = await ops(h.app.url).get('/requirements?status=bogus&page=0&from=2026-13-40');
  expect([bad.status, bad.body.error.code, Object.keys(bad.body.error.fields).sort()]).toEqual([
    400,
    'VALIDATION',
    ['from', 'page', 'status'],
  ]);
  expect((await ops(h.app.url).get('/requirements/999999/timeline')).status).toBe(404);
});

it('dispatch hands a requirement to a chosen candidate under the grab rules; close with a reason stops grabs; re-open starts again', async () => {
  const { place, ids } = await market(['S', 'S', 'A']);
  const id = await requirement(place, { plannersWanted: 2 });

  const missing = await ops(h.app.url).post(`/requirements/${id}/dispatch`, {});
  expect([missing.status, missing.body.error.field]).toEqual([400, 'plannerId']);
  // The A-tier planner is a candidate whose tier is not released yet: dispatch is the system's hand, so it goes through.
  const sent = await ops(h.app.url).post(`/requirements/${id}/dispatch`, { plannerId: ids[2] });
  expect(sent.status).toBe(201);
  expect(sent.body).toMatchObject({ channel: 'dispatch', plannerId: ids[2], status: 'active' });
  // The same supplier twice: the grab rule answers, with its code.
  const stranger = (await market(['S'])).ids[0];
  const refused = await ops(h.app.url).post(`/requirements/${id}/dispatch`, { plannerId: stranger });
  expect([refused.status, refused.body.error.code]).toEqual([409, 'NOT_CANDIDATE']);
  expect((await planner(h.app.url, h.app.ctx, ids[0]).grab(id)).status).toBe(201);

  await h.app.ctx.audit.flush(); // attempts are written in batches
  const timeline = (await ops(h.app.url).get(`/requirements/${id}/timeline`)).body;
  expect(timeline.candidates.map((c: { plannerId: number }) => c.plannerId).sort()).toEqual([...ids].sort());
  expect(timeline.workOrders.map((w: { channel: string }) => w.channel).sort()).toEqual(['dispatch', 'h5']);
  expect(timeline.attempts).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'OK', count: 2 })]));
  expect(timeline.timeline.map((e: { what: string }) => e.what)).toEqual(
    expect.arrayContaining(['提交需求', '匹配', '开放给 S 级', '派单', '抢单成功']),
  );
  await until(async () => (await ops(h.app.url).get(`/requirements/${id}/timeline`)).body.messages.length >= 2);

  const noReason = await ops(h.app.url).post(`/requirements/${id}/close`, {});
  expect([noReason.status, noReason.body.error.field]).toEqual([400, 'reason']);
  const closed = await ops(h.app.url).post(`/requirements/${id}/close`, { reason: '客户电话里说不去了' });
  expect([closed.status, closed.body.status]).toEqual([200, 'closed']);
  expect((await ops(h.app.url).post(`/requirements/${id}/close`, { reason: '再关一次' })).body.error.code).toBe('ALREADY_CLOSED');
  const late = await planner(h.app.url, h.app.ctx, ids[1]).grab(id);
  expect([late.status, late.body.error.code]).toEqual([409, 'REQUIREMENT_CLOSED']);
  const after = (await ops(h.app.url).get(`/requirements/${id}`)).body;
  expect([after.status, after.closedReason, after.deposit]).toEqual(['closed', '客户电话里说不去了', null]);
  // Both planners whose work orders ended are told by template message, and the traveler too (without ops' reason).
  await until(
    async () =>
      (await h.app.ctx.db.message.count({ where: { requirementId: id, kind: { in: ['requirement-closed', 'trip-closed'] } } })) >= 2,
  );
  const told = await h.app.ctx.db.message.findMany({ where: { requirementId: id, kind: 'requirement-closed' } });
  expect(told.map((m) => m.plannerId).sort()).toEqual([ids[0], ids[2]].sort());
  expect(JSON.stringify(await h.app.ctx.db.message.findMany({ where: { requirementId: id } }))).not.toContain('客户电话里说不去了');
  expect(after.workOrders.every((w: { status: string }) => w.status === 'closed')).toBe(true);

  expect((await ops(h.app.url).post(`/requirements/${id}/reopen`, {})).status).toBe(200);
  expect((await ops(h.app.url).post(`/requirements/${id}/reopen`, {})).body.error.code).toBe('NOT_CLOSED');
  // Open again: the closed work orders hold no slot; a grab wins.
  expect((await planner(h.app.url, h.app.ctx, ids[1]).grab(id)).status).toBe(201);
  const audit = (await ops(h.app.url).get('/audit?limit=20')).body.items as { action: string; before: any }[];
  expect(audit.find((a) => a.action === 'POST /api/ops/requirements/:id/close')!.before.status).toBe('full');
});

it('a planner suspended with a reason can no longer grab; the record shows their work; resuming lets them back', async () => {
  const { place, ids } = await market(['S', 'S']);
  const id = await requirement(place);
  const noReason = await ops(h.app.url).patch(`/planners/${ids[0]}`, { status: 'suspended' });
  expect([noReason.status, noReason.body.error.field]).toEqual([400, 'reason']);
  const s = await ops(h.app.url).patch(`/planners/${ids[0]}`, { status: 'suspended', reason: '连续三次超时' });
  expect([s.status, s.body.statusReason]).toEqual([200, '连续三次超时']);
  const g = await planner(h.app.url, h.app.ctx, ids[0]).grab(id);
  expect(g.status).toBe(401); // their sessions end with the suspension
  const supplierId = (await h.app.ctx.db.planner.findUniqueOrThrow({ where: { id: ids[1] } })).supplierId;
  const quietSupplier = await ops(h.app.url).patch(`/suppliers/${supplierId}`, { status: 'suspended', reason: '' });
  expect([quietSupplier.status, quietSupplier.body.error.field]).toEqual([400, 'reason']);
  const list = await ops(h.app.url).get(`/planners?q=${encodeURIComponent(place)}&status=suspended`);
  expect(list.body.items.map((p: { id: number }) => p.id)).toEqual([ids[0]]);
  expect((await ops(h.app.url).get('/planners?tier=X')).body.error.field).toBe('tier');

  await ops(h.app.url).patch(`/planners/${ids[0]}`, { status: 'active' });
  const fresh = { cookie: plannerCookie(h.app.ctx, ids[0]) };
  expect((await call(h.app.url, 'POST', '/api/planner/grabs', { requirementId: id, channel: 'h5' }, fresh)).status).toBe(201);
  const rec = (await ops(h.app.url).get(`/planners/${ids[0]}`)).body;
  expect(rec).toMatchObject({ id: ids[0], status: 'active', statusReason: null, bound: true });
  expect(rec.record).toMatchObject({ won: 1, load: 1, expired: 0 });
  expect(rec.recent[0].requirementId).toBe(id);
  expect(rec).not.toHaveProperty('openid');
});

it('matching picks up a planner created or re-scoped after intake, for the tiers not yet released', async () => {
  const { place } = await market(['S']);
  const id = await requirement(place);
  const supplier = (await ops(h.app.url).post('/suppliers', { name: `后来社-${phone()}` })).body;
  const late = await ops(h.app.url).post('/planners', {
    supplierId: supplier.id,
    name: '后来的A',
    phone: phone(),
    tier: 'A',
    destinations: [place],
    maxActive: 3,
    openid: `o-late-${phone()}`,
  });
  const lateS = await ops(h.app.url).post('/planners', {
    supplierId: (await ops(h.app.url).post('/suppliers', { name: `后来S社-${phone()}` })).body.id,
    name: '后来的S',
    phone: phone(),
    tier: 'S',
    destinations: [place],
    maxActive: 3,
    openid: `o-lates-${phone()}`,
  });
  const other = await ops(h.app.url).post('/planners', {
    supplierId: (await ops(h.app.url).post('/suppliers', { name: `别处社-${phone()}` })).body.id,
    name: '别处的B',
    phone: phone(),
    tier: 'B',
    destinations: ['别处'],
    maxActive: 3,
    openid: `o-other-${phone()}`,
  });
  await ops(h.app.url).patch(`/planners/${other.body.id}`, { destinations: ['别处', place] }); // re-scoped
  const cands = (await ops(h.app.url).get(`/requirements/${id}/timeline`)).body.candidates as { plannerId: number; tier: string }[];
  expect(cands.find((c) => c.plannerId === late.body.id)?.tier).toBe('A');
  expect(cands.find((c) => c.plannerId === other.body.id)?.tier).toBe('B');
  // S was released before they came: that tier's planners were told; a latecomer of S is not added behind its back.
  expect(cands.some((c) => c.plannerId === lateS.body.id)).toBe(false);

  const a = planner(h.app.url, h.app.ctx, late.body.id);
  expect((await a.grab(id)).body.error.code).toBe('NOT_RELEASED');
  await releaseTier(h.app.ctx, id, 'A');
  expect((await a.grab(id)).status).toBe(201);
  expect((await a.pool()).body.items.some((i: { requirementId: number }) => i.requirementId === id)).toBe(false); // held now
});

it('a QR code binds the WeChat user who scans it to the planner, once; a used, revoked or forwarded code binds nobody', async () => {
  const { ids } = await market(['A', 'A', 'A'], { bound: false });
  const origin = h.app.url;
  const qr = await ops(h.app.url).post(`/planners/${ids[0]}/bind-qr`, {});
  expect(qr.status).toBe(201);
  expect(qr.body.scene).toMatch(/^bind_[0-9a-f]{24}$/);
  expect(qr.body.url).toMatch(/^http:\/\/weixin\.qq\.com\/q\/[\w-]+$/);
  expect(Date.parse(qr.body.expiresAt) - Date.now()).toBeGreaterThan(500_000);

  const who = `o-scan-${phone()}`;
  const reply = await scanAsWechat(h.app.ctx, origin, who, qr.body.url);
  expect(reply).toContain('绑定成功');
  expect(reply).toContain('A级0号');
  expect((await h.app.ctx.db.planner.findUnique({ where: { id: ids[0] } }))!.openid).toBe(who);
  // Forwarded after use: nobody else is bound by it.
  const forwarded = await scanAsWechat(h.app.ctx, origin, `o-fwd-${phone()}`, qr.body.url);
  expect(forwarded).toContain('已失效或已被使用');
  // The same WeChat again on another planner's code: one WeChat, one planner.
  const second = await ops(h.app.url).post(`/planners/${ids[1]}/bind-qr`, {});
  expect(await scanAsWechat(h.app.ctx, origin, who, second.body.url)).toContain('已绑定定制师「A级0号」');
  expect((await ops(h.app.url).post(`/planners/${ids[0]}/bind-qr`, {})).body.error.code).toBe('PLANNER_ALREADY_BOUND');

  // Revoked (or replaced by a newer code): the old one binds nobody.
  expect(
    (
      await call(h.app.url, 'DELETE', `/api/ops/planners/${ids[1]}/bind-qr`, undefined, {
        authorization: `Bearer ${'test-ops-token-0123456789'}`,
      })
    ).body,
  ).toEqual({ revoked: true });
  expect(await scanAsWechat(h.app.ctx, origin, `o-late-${phone()}`, second.body.url)).toContain('已失效或已被使用');

  // Not yet a follower: scanning follows first (subscribe with qrscene_), and binds.
  const third = await ops(h.app.url).post(`/planners/${ids[2]}/bind-qr`, {});
  const newcomer = `o-new-${phone()}`;
  await call(h.app.url, 'POST', '/sandbox/users', { openid: newcomer, subscribed: false });
  const welcome = await scanAsWechat(h.app.ctx, origin, newcomer, third.body.url);
  expect(welcome).toContain('欢迎关注');
  expect(welcome).toContain('绑定成功');
  expect((await h.app.ctx.db.planner.findUnique({ where: { id: ids[2] } }))!.openid).toBe(newcomer);
  // The audit keeps that a code was made, not the code.
  const audit = JSON.stringify((await ops(h.app.url).get('/audit?limit=50')).body.items);
  expect(audit).toContain('bind-qr');
  expect(audit).not.toContain(qr.body.scene);
  expect((await ops(h.app.url).post('/planners/999999/bind-qr', {})).status).toBe(404);
});

it('grading proposes moves with the numbers why; ops apply some; the planner is told; a stale move is refused', async () => {
  const { place, ids } = await market(['B', 'B', 'C']);
  const db = h.app.ctx.db;
  const now = Date.now();
  // A scripted history: ids[0] wins and converts, ids[1] lets every slot lapse, ids[2] has too little to judge.
  let k = 0;
  const past = async (plannerId: number, status: 'chosen' | 'expired' | 'closed', proposedAfterH: number | null) => {
    const req = await requirement(place, { plannersWanted: 1 });
    const p = await db.planner.findUniqueOrThrow({ where: { id: plannerId } });
    const grabbedAt = new Date(now - 86_400_000 - k++ * 60_000);
    await db.workOrder.create({
      data: {
        id: `wo-grade-${plannerId}-${k}`,
        requirementId: req,
        plannerId,
        supplierId: p.supplierId,
        status,
        channel: 'h5',
        grabbedAt,
        deadlineAt: new Date(grabbedAt.getTime() + 86_400_000),
        proposedAt: proposedAfterH === null ? null : new Date(grabbedAt.getTime() + proposedAfterH * 3_600_000),
      },
    });
  };
  for (let i = 0; i < 4; i++) await past(ids[0], 'chosen', 2);
  for (let i = 0; i < 3; i++) await past(ids[1], 'expired', null);
  await past(ids[2], 'chosen', 1);

  const run = await ops(h.app.url).post('/grading', {});
  expect(run.status).toBe(201);
  const moves = run.body.moves as { plannerId: number; fromTier: string; toTier: string; score: number; metrics: any }[];
  const up = moves.find((m) => m.plannerId === ids[0])!;
  expect([up.fromTier, up.toTier]).toEqual(['B', 'A']);
  expect(up.metrics).toMatchObject({ won: 4, chosen: 4, decided: 4, expired: 0, conversion: 0.5556 });
  const down = moves.find((m) => m.plannerId === ids[1])!;
  expect([down.fromTier, down.toTier, down.metrics.reliability]).toEqual(['B', 'C', 0]);
  expect(moves.some((m) => m.plannerId === ids[2])).toBe(false); // too little to judge

  const badBody = await ops(h.app.url).post(`/grading/${run.body.id}/apply`, { plannerIds: 'all' });
  expect([badBody.status, badBody.body.error.field]).toEqual([400, 'plannerIds']);
  const unknown = await ops(h.app.url).post(`/grading/${run.body.id}/apply`, { plannerIds: [ids[2]] });
  expect([unknown.status, unknown.body.error.field]).toEqual([404, 'plannerIds']);
  const applied = await ops(h.app.url).post(`/grading/${run.body.id}/apply`, { plannerIds: [ids[0]] });
  expect([applied.status, applied.body.applied]).toEqual([200, [ids[0]]]);
  expect((await db.planner.findUnique({ where: { id: ids[0] } }))!.tier).toBe('A');
  expect((await db.planner.findUnique({ where: { id: ids[1] } }))!.tier).toBe('B'); // not chosen: stays
  const told = await db.message.findMany({ where: { plannerId: ids[0], kind: 'tier-changed' } });
  expect(told).toHaveLength(1);
  expect(JSON.stringify(told[0].data)).toContain('B 级 → A 级');

  // Someone edits ids[1] by hand; the run's move for them is now stale.
  await ops(h.app.url).patch(`/planners/${ids[1]}`, { tier: 'A' });
  const stale = await ops(h.app.url).post(`/grading/${run.body.id}/apply`, {});
  expect([stale.status, stale.body.error.code]).toEqual([409, 'GRADING_STALE']);
  const history = (await ops(h.app.url).get('/grading')).body.items;
  expect(history[0]).toMatchObject({ id: run.body.id, trigger: 'manual', applied: 1 });
  expect((await ops(h.app.url).post('/grading/999999/apply', {})).status).toBe(404);
});

it('the funnel counts a scripted day; bad ranges name their field', async () => {
  const { place, ids } = await market(['S', 'S']);
  const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10); // today, China time
  const before = (await ops(h.app.url).get(`/stats/funnel?from=${day}&to=${day}`)).body;
  const a = await requirement(place, { plannersWanted: 1 });
  await requirement(place, { plannersWanted: 1 });
  const win = await planner(h.app.url, h.app.ctx, ids[0]).grab(a);
  await planner(h.app.url, h.app.ctx, ids[0]).propose(win.body.workOrderId, {
    itinerary: '京都五日：清水寺、岚山、伏见稻荷',
    priceFen: 2_800_000,
  });
  const f = (await ops(h.app.url).get(`/stats/funnel?from=${day}&to=${day}`)).body;
  expect(f.requirements - before.requirements).toBe(2);
  expect(f.grabbed - before.grabbed).toBe(1);
  expect(f.proposed - before.proposed).toBe(1);
  expect(f.firstGrabSecondsByTier.S.n).toBeGreaterThan(before.firstGrabSecondsByTier.S.n);
  expect(f.days).toHaveLength(1);
  expect(f.wins).toBeGreaterThan(0);
  expect(typeof f.longTailShare).toBe('number');

  const missing = await ops(h.app.url).get('/stats/funnel?from=2026-11-01');
  expect([missing.status, missing.body.error.field]).toEqual([400, 'to']);
  const backwards = await ops(h.app.url).get('/stats/funnel?from=2026-11-10&to=2026-11-01');
  expect([backwards.status, backwards.body.error.field]).toEqual([400, 'to']);
  const t = (await ops(h.app.url).get('/stats/today')).body;
  expect(t.newRequirements).toBeGreaterThanOrEqual(2);
  expect(t.proposalsDue).toEqual(expect.any(Array));
});

it('accounts are for admins: create with a one-time password, suspend (their sessions end); nobody demotes themselves', async () => {
  const admin = await signedIn('admin');
  const plain = await signedIn('ops');
  const email = `new-${phone()}@example.com`;
  expect((await call(h.app.url, 'POST', '/api/ops/accounts', { email }, plain.headers)).body.error.code).toBe('ADMIN_ONLY');
  const bad = await call(h.app.url, 'POST', '/api/ops/accounts', { email: 'nope', role: 'king' }, admin.headers);
  expect(Object.keys(bad.body.error.fields).sort()).toEqual(['email', 'role']);
  const made = await call(h.app.url, 'POST', '/api/ops/accounts', { email, name: '新人' }, admin.headers);
  expect([made.status, made.body.role, made.body.password]).toEqual([201, 'ops', expect.stringMatching(/^\S{16}$/)]);
  const list = (await call(h.app.url, 'GET', '/api/ops/accounts', undefined, admin.headers)).body.items;
  expect(list.some((a: { email: string }) => a.email === email)).toBe(true);
  expect(JSON.stringify(list)).not.toContain('passwordHash');
  const audit = JSON.stringify((await ops(h.app.url).get('/audit?limit=20')).body.items);
  expect(audit).toContain('create account');
  expect(audit).not.toContain(made.body.password);

  const badPatch = await call(h.app.url, 'PATCH', `/api/ops/accounts/${plain.id}`, { status: 'gone', role: 'king' }, admin.headers);
  expect([badPatch.status, Object.keys(badPatch.body.error.fields).sort()]).toEqual([400, ['role', 'status']]);
  expect((await call(h.app.url, 'PATCH', '/api/ops/accounts/999999', { status: 'active' }, admin.headers)).body.error.code).toBe(
    'ACCOUNT_NOT_FOUND',
  );
  const self = await call(h.app.url, 'PATCH', `/api/ops/accounts/${admin.id}`, { status: 'suspended' }, admin.headers);
  expect(self.body.error.code).toBe('NOT_YOURSELF');
  expect((await call(h.app.url, 'PATCH', `/api/ops/accounts/${plain.id}`, { status: 'suspended' }, admin.headers)).status).toBe(200);
  expect((await call(h.app.url, 'GET', '/api/ops/me', undefined, plain.headers)).status).toBe(401);
});

it('metrics and the queue dashboard are for ops; planners and travelers get 403 on every ops route', async () => {
  const { place, ids } = await market(['S']);
  const id = await requirement(place);
  await planner(h.app.url, h.app.ctx, ids[0]).grab(id);
  await planner(h.app.url, h.app.ctx, ids[0]).grab(999_999);
  // A grab the lean route leaves to Koa (not JSON) is timed there; a reply on the lean callback is timed as it is written.
  const notJson = await fetch(`${h.app.url}/api/planner/grabs`, {
    method: 'POST',
    headers: { cookie: plannerCookie(h.app.ctx, ids[0]), 'content-type': 'text/plain' },
    body: 'requirementId=1',
  });
  expect(notJson.status).toBe(400);
  expect(await sendAsWechat(h.app.ctx, h.app.url, 'o-metrics', '帮助')).toContain('可用指令');
  const m = await fetch(`${h.app.url}/metrics`, { headers: { authorization: 'Bearer test-ops-token-0123456789' } });
  const text = await m.text();
  expect(m.headers.get('content-type')).toContain('text/plain');
  // Every line carries the process's pid (web processes may share a port).
  expect(text).toMatch(new RegExp(`grab_attempts_total\\{code="OK",channel="h5",pid="${process.pid}"\\} [1-9]`));
  expect(text).toMatch(/grab_attempts_total\{code="REQUIREMENT_NOT_FOUND",channel="h5",pid="\d+"\} [1-9]/);
  // Latency by outcome: the win and the refusal above each in their own series.
  expect(text).toMatch(/grab_request_duration_seconds_count\{pid="\d+",outcome="won"\} [1-9]/);
  expect(text).toMatch(/grab_request_duration_seconds_count\{pid="\d+",outcome="refused"\} [2-9]/); // the lean refusal and Koa's 400
  expect(text).toMatch(/wechat_reply_duration_seconds_count\{pid="\d+"\} [1-9]/);
  for (const name of [
    'wechat_reply_duration_seconds',
    'release_lateness_seconds',
    'queue_wait_seconds',
    'template_messages_total',
    'nodejs_eventloop_lag_seconds',
  ])
    expect(text).toContain(name);
  expect(text).toMatch(/queue_jobs\{queue="lifecycle",state="delayed",pid="\d+"\} [1-9]/);
  expect(text).toMatch(/live_connections\{pid="\d+"\} 0/);
  expect((await fetch(`${h.app.url}/metrics`)).status).toBe(401);

  const queues = await fetch(`${h.app.url}/ops/queues`, { redirect: 'manual', headers: { accept: 'text/html' } });
  expect([queues.status, queues.headers.get('location')]).toEqual([302, '/ops/login']);
  const me = await signedIn('ops');
  const board = await fetch(`${h.app.url}/ops/queues`, { headers: { cookie: me.headers.cookie, accept: 'text/html' } });
  expect(board.status).toBe(200);
  expect(await board.text()).toContain('static/js/main');
  const api = await fetch(`${h.app.url}/ops/queues/api/queues`, { headers: { cookie: me.headers.cookie } });
  const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
  expect(names).toEqual(['grading', 'lifecycle', 'notify', 'pay', 'simulate']);
  // The page loads no web fonts (the policy would block them: an error on every visit).
  expect(
    await (await fetch(`${h.app.url}/ops/queues`, { headers: { cookie: me.headers.cookie, accept: 'text/html' } })).text(),
  ).not.toContain('fonts.googleapis.com');
  await queueBoardIsReadOnlyForOps(me.headers);

  const travelerCookie = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'traveler', id: 1 })}`;
  for (const cookie of [plannerCookie(h.app.ctx, ids[0]), travelerCookie]) {
    for (const [method, path] of [
      ['GET', '/api/ops/requirements'],
      ['GET', `/api/ops/requirements/${id}/timeline`],
      ['POST', `/api/ops/requirements/${id}/dispatch`],
      ['POST', `/api/ops/requirements/${id}/close`],
      ['POST', `/api/ops/requirements/${id}/reopen`],
      ['GET', '/api/ops/planners'],
      ['PATCH', `/api/ops/planners/${ids[0]}`],
      ['POST', `/api/ops/planners/${ids[0]}/bind-qr`],
      ['GET', '/api/ops/stats/funnel?from=2026-11-01&to=2026-11-02'],
      ['GET', '/api/ops/stats/today'],
      ['POST', '/api/ops/grading'],
      ['GET', '/api/ops/accounts'],
      ['GET', '/metrics'],
    ]) {
      const r = await call(h.app.url, method, path, method === 'GET' ? undefined : {}, { cookie, origin: h.app.url });
      expect([path, r.status]).toEqual([path, 403]);
    }
  }
});

/** The queue board is no back door: an ops account reads it, only an admin acts, and the audit keeps what was sent. */
async function queueBoardIsReadOnlyForOps(opsHeaders: { cookie: string; origin: string }) {
  const seen = (await (await fetch(`${h.app.url}/ops/queues/api/queues`, { headers: opsHeaders })).json()) as {
    queues: { name: string; readOnlyMode: boolean }[];
  };
  expect(seen.queues.every((q) => q.readOnlyMode)).toBe(true);
  const before = await h.app.ctx.queue.getJobCounts('delayed');
  for (const [method, path] of [
    ['PUT', '/ops/queues/api/queues/lifecycle/clean/delayed'],
    ['PUT', '/ops/queues/api/queues/lifecycle/empty'],
    ['PUT', '/ops/queues/api/queues/lifecycle/pause'],
    ['POST', '/ops/queues/api/queues/lifecycle/add'],
  ]) {
    const r = await call(h.app.url, method, path, {}, opsHeaders);
    expect([path, r.status, r.body.error.code]).toEqual([path, 403, 'ADMIN_ONLY']);
  }
  expect(await h.app.ctx.queue.getJobCounts('delayed')).toEqual(before);
  const admin = await signedIn('admin');
  const full = (await (await fetch(`${h.app.url}/ops/queues/api/queues`, { headers: admin.headers })).json()) as {
    queues: { readOnlyMode: boolean }[];
  };
  expect(full.queues.some((q) => !q.readOnlyMode)).toBe(true);
  const paused = await call(h.app.url, 'PUT', '/ops/queues/api/queues/grading/pause', { why: '维护' }, admin.headers);
  expect(paused.status).toBeLessThan(400);
  const audited = await h.app.ctx.db.opsAudit.findFirst({ where: { accountId: admin.id }, orderBy: { id: 'desc' } });
  expect(audited).toMatchObject({ action: 'PUT /ops/queues/api/queues/grading/pause', after: { body: { why: '维护' } } });
  await call(h.app.url, 'PUT', '/ops/queues/api/queues/grading/resume', {}, admin.headers);
}

it('re-opening a requirement no planner serves is refused in words; once a planner serves it, re-opening matches them and they can grab', async () => {
  const place = `无人服务地-${phone().slice(-4)}`;
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 1 }))).body;
  expect(r.candidates).toBe(0);
  expect((await ops(h.app.url).post(`/requirements/${r.id}/close`, { reason: '无人服务' })).status).toBe(200);
  const refused = await ops(h.app.url).post(`/requirements/${r.id}/reopen`, {});
  expect([refused.status, refused.body.error.code]).toEqual([409, 'NO_CANDIDATES']);
  expect(refused.body.error.message).toContain('没有定制师服务这个需求的目的地');
  expect((await ops(h.app.url).get(`/requirements/${r.id}`)).body.status).toBe('closed');
  // A planner who serves it now: re-opening matches them.
  const p = await factories(h.app.ctx).planner({ name: '新来的', destinations: [place], maxActive: 3 });
  expect((await ops(h.app.url).post(`/requirements/${r.id}/reopen`, {})).status).toBe(200);
  expect((await ops(h.app.url).get(`/requirements/${r.id}`)).body.candidates).toBe(1);
  await until(async () => (await planner(h.app.url, h.app.ctx, p.id).grab(r.id)).status === 201);
});
