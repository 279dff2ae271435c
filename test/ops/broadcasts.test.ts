/**
 * Broadcasts through the sandbox's WeChat, over real HTTP: a broadcast to one tier reaches exactly
 * that tier's reachable planners once per channel (live, template, mass by tag), an unsubscribed
 * planner counts as failed and is marked so, an unbound one is skipped; a second send is refused;
 * cancel stops what has not gone; a fifth mass send in a month is refused; preview reaches one
 * user; a tier change moves the planner's WeChat tag; bad input names its field.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { sandboxKeys, wechatKeys } from '../../src/infra/keys.js';
import { recordMassJob, recordMassResult } from '../../src/wechat/mass.js';
import type { WechatXml } from '../../src/wechat/xml.js';
import { call, ops, phone, plannerCookie, testConfig, until, withApp } from '../support.js';

// Two template messages a second: a cancel has something left to stop.
const h = withApp({ NOTIFY_RATE: '2' });
const ROOT = resolve(import.meta.dirname, '../..');
let n = 0;

async function planners(tier: 'S' | 'A' | 'B' | 'C', count: number, opts: { bound?: boolean; unsubscribed?: boolean } = {}) {
  const s = (await ops(h.app.url).post('/suppliers', { name: `群发社-${++n}-${phone()}` })).body;
  const out: { id: number; openid: string | null }[] = [];
  for (let i = 0; i < count; i++) {
    const openid = opts.bound === false ? null : `o-bc-${tier}-${phone()}`;
    if (openid && opts.unsubscribed) await call(h.app.url, 'POST', '/sandbox/users', { openid, subscribed: false });
    const p = await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: `群发${tier}${i}`,
      phone: phone(),
      tier,
      destinations: ['群发地'],
      maxActive: 3,
      ...(openid ? { openid } : {}),
    });
    expect(p.status).toBe(201);
    out.push({ id: p.body.id, openid });
  }
  return out;
}

const inbox = async (openid: string) =>
  (await call(h.app.url, 'GET', `/sandbox/users/${openid}/inbox`)).body.items as { kind: string; templateId?: string; text?: string }[];

it('a broadcast to one tier reaches exactly its reachable planners once per channel; unsubscribed fails, unbound is skipped; a second send is refused', async () => {
  const a = await planners('A', 2);
  const [gone] = await planners('A', 1, { unsubscribed: true });
  const [unbound] = await planners('A', 1, { bound: false });
  const others = await planners('B', 2);
  const draft = await ops(h.app.url).post('/broadcasts', {
    audience: { tiers: ['A'] },
    channels: ['live', 'template', 'mass'],
    title: '国庆接单提醒',
    body: '国庆期间需求量大，请及时查看抢单池。',
  });
  expect(draft.status).toBe(201);
  expect(draft.body).toMatchObject({ status: 'draft', audienceCount: 4 });
  expect(draft.body.reach).toMatchObject({ audience: 4, reachable: 3, unbound: 1 });

  const sent = await ops(h.app.url).post(`/broadcasts/${draft.body.id}/send`, {});
  expect(sent.status).toBe(200);
  const again = await ops(h.app.url).post(`/broadcasts/${draft.body.id}/send`, {});
  expect([again.status, again.body.error.code]).toEqual([409, 'BROADCAST_SENT']);

  const done = await until(async () => {
    const v = (await ops(h.app.url).get(`/broadcasts/${draft.body.id}`)).body;
    return v.status === 'done' && v.mass[0]?.finishedAt ? v : null;
  });
  expect(done.byChannel.live).toMatchObject({ sent: 4, delivered: 4 });
  expect(done.byChannel.template).toMatchObject({ sent: 2, failed: 1, skipped: 1, queued: 0 });
  expect(done.byChannel.mass).toMatchObject({ sent: 3, delivered: 2 }); // WeChat's count: the unsubscribed one got none
  expect(done.counts.audience).toBe(4);
  expect(done.failures).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ plannerId: gone.id, channel: 'template', reason: expect.stringContaining('43004') }),
      expect.objectContaining({ plannerId: unbound.id, channel: 'template', reason: '未绑定微信' }),
    ]),
  );
  for (const p of a) {
    await until(async () => (await inbox(p.openid!)).length >= 2);
    const got = await inbox(p.openid!);
    expect(got.filter((m) => m.templateId === 'sandbox-broadcast')).toHaveLength(1);
    expect(got.filter((m) => m.kind === 'mass')).toHaveLength(1);
  }
  expect(await inbox(gone.openid!)).toHaveLength(0);
  for (const p of others) expect(await inbox(p.openid!)).toHaveLength(0);
  const marked = await h.app.ctx.db.planner.findUniqueOrThrow({ where: { id: gone.id } });
  expect([marked.unreachableAt !== null, marked.unreachableReason]).toEqual([true, 'unsubscribed']);

  // Live: a page opened later today still shows it; the other tier's planners do not get it.
  const later = await call(h.app.url, 'GET', '/api/planner/broadcasts', undefined, { cookie: plannerCookie(h.app.ctx, a[0].id) });
  expect(later.body.items.map((b: { title: string }) => b.title)).toEqual(['国庆接单提醒']);
  const notMine = await call(h.app.url, 'GET', '/api/planner/broadcasts', undefined, { cookie: plannerCookie(h.app.ctx, others[0].id) });
  expect(notMine.body.items).toEqual([]);
});

it('cancel stops what has not gone yet; what went is counted, the rest skipped', async () => {
  const many = await planners('S', 8);
  const draft = await ops(h.app.url).post('/broadcasts', {
    audience: { plannerIds: many.map((p) => p.id) },
    channels: ['template'],
    title: '系统维护',
    body: '今晚 23 点维护 10 分钟。',
  });
  await ops(h.app.url).post(`/broadcasts/${draft.body.id}/send`, {});
  const cancelled = await ops(h.app.url).post(`/broadcasts/${draft.body.id}/cancel`, {});
  expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
  expect((await ops(h.app.url).post(`/broadcasts/${draft.body.id}/cancel`, {})).body.error.code).toBe('BROADCAST_ENDED');
  expect((await ops(h.app.url).post(`/broadcasts/${draft.body.id}/send`, {})).body.error.code).toBe('BROADCAST_SENT');
  // Whatever a worker had already taken finishes; nothing is queued any more.
  const v = await until(async () => {
    const b = (await ops(h.app.url).get(`/broadcasts/${draft.body.id}`)).body;
    return b.byChannel.template.queued === 0 ? b : null;
  });
  // A message a worker had in hand when the cancel came may still land: wait until the phones and the
  // record agree (no clock: a busy machine only makes this wait longer).
  const { received, after } = await until(async () => {
    let n = 0;
    for (const p of many) n += (await inbox(p.openid!)).length;
    const t = (await ops(h.app.url).get(`/broadcasts/${draft.body.id}`)).body.byChannel.template;
    return n === t.sent ? { received: n, after: t } : null;
  });
  expect(after.skipped).toBeGreaterThan(0);
  expect(after.sent + after.failed + after.skipped).toBe(8);
  expect(received).toBe(after.sent);
  expect(received).toBeLessThan(8);
  expect(v.status).toBe('cancelled');
});

it('WeChat lets a follower have 4 mass messages a month: the fifth send is refused before anything goes', async () => {
  const c = await planners('C', 2);
  for (let i = 1; i <= 4; i++) {
    const d = await ops(h.app.url).post('/broadcasts', {
      audience: { tiers: ['C'] },
      channels: ['mass'],
      title: `第${i}条`,
      body: '月度群发',
    });
    expect((await ops(h.app.url).post(`/broadcasts/${d.body.id}/send`, {})).status).toBe(200);
  }
  const fifth = await ops(h.app.url).post('/broadcasts', {
    audience: { tiers: ['C'] },
    channels: ['mass'],
    title: '第5条',
    body: '月度群发',
  });
  expect(fifth.body.reach).toMatchObject({ massUsedThisMonth: 4, massAtLimit: 2 });
  const refused = await ops(h.app.url).post(`/broadcasts/${fifth.body.id}/send`, {});
  expect([refused.status, refused.body.error.code, refused.body.error.field]).toEqual([409, 'MASS_MONTHLY_LIMIT', 'channels']);
  expect((await ops(h.app.url).get(`/broadcasts/${fifth.body.id}`)).body.status).toBe('draft');
  for (const p of c) expect((await inbox(p.openid!)).filter((m) => m.kind === 'mass')).toHaveLength(4);
});

it('preview reaches one WeChat user; tags follow tiers; bad input names its field', async () => {
  const [p] = await planners('B', 1);
  const d = await ops(h.app.url).post('/broadcasts', {
    audience: { tiers: ['B'] },
    channels: ['template', 'mass'],
    title: '预览看看',
    body: '这是预览。',
  });
  const pv = await ops(h.app.url).post(`/broadcasts/${d.body.id}/preview`, { plannerId: p.id });
  expect([pv.status, pv.body.sent]).toEqual([200, ['template', 'mass']]);
  const mine = await inbox(p.openid!);
  expect(mine.map((m) => m.kind).sort()).toEqual(['mass', 'template']);
  expect((await ops(h.app.url).get(`/broadcasts/${d.body.id}`)).body.status).toBe('draft'); // a preview sends nothing else
  // Any string is not a WeChat user: refused in words, nothing sent.
  const nobody = `o-ops-me-${phone()}`;
  const unknown = await ops(h.app.url).post(`/broadcasts/${d.body.id}/preview`, { openid: nobody });
  expect([unknown.status, unknown.body.error.field]).toEqual([400, 'openid']);
  expect(unknown.body.error.message).toContain('不是已绑定的定制师或用户');
  expect(await inbox(nobody)).toEqual([]);
  const [q] = await planners('B', 1);
  await call(h.app.url, 'POST', '/sandbox/users', { openid: q.openid, subscribed: false });
  const refused = await ops(h.app.url).post(`/broadcasts/${d.body.id}/preview`, { openid: q.openid });
  expect([refused.body.error.field, refused.body.error.message]).toEqual(['openid', '这个微信号没有关注公众号，收不到预览。']);

  // A tier change moves the planner's WeChat tag (mass sends target tiers by tag).
  await ops(h.app.url).post(`/broadcasts/${d.body.id}/send`, {}); // tags tier B
  await ops(h.app.url).patch(`/planners/${p.id}`, { tier: 'A' });
  const tagOf = async (tier: string) => Number(await h.app.ctx.redis.hget(wechatKeys.tierTags, tier));
  await until(async () => (await tagOf('A')) > 0 && (await h.app.ctx.redis.sismember(sandboxKeys.tag(await tagOf('A')), p.openid!)) === 1);
  expect(await h.app.ctx.redis.sismember(sandboxKeys.tag(await tagOf('B')), p.openid!)).toBe(0);

  const bad = await ops(h.app.url).post('/broadcasts', {
    audience: { tiers: ['X'] },
    channels: [],
    title: '一二三四五六七八九十一二三四五六七八九十一',
    body: '',
    url: 'https://evil.example/',
  });
  expect([bad.status, Object.keys(bad.body.error.fields).sort()]).toEqual([400, ['audience.tiers.0', 'body', 'channels', 'title', 'url']]);
  const massByPlace = await ops(h.app.url).post('/broadcasts', {
    audience: { destinations: ['京都'] },
    channels: ['mass'],
    title: '按地区',
    body: '不行',
  });
  expect([massByPlace.status, massByPlace.body.error.code, massByPlace.body.error.field]).toEqual([400, 'VALIDATION_MASS', 'channels']);
  expect((await ops(h.app.url).post('/broadcasts/999999/send', {})).status).toBe(404);
  const noOpenid = await ops(h.app.url).post(`/broadcasts/${d.body.id}/preview`, { openid: 'has space' });
  expect(noOpenid.body.error.field).toBe('openid');
});

it('the custom menu is published from code (npm run wechat:menu, or the console); the sandbox phone shows it and a tap sends the event', async () => {
  const env = {
    ...process.env,
    REDIS_URL: h.env.redisUrl,
    DATABASE_URL: h.env.databaseUrl,
    PUBLIC_URL: h.app.url, // the running server's sandbox
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    LOG_LEVEL: 'silent',
    DATA_DIR: testConfig(h.env).DATA_DIR,
  };
  // Asynchronously: the sandbox it publishes to is this very process.
  const { stdout: out } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/wechat-menu.ts'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  expect(out).toContain('menu published: 抢单池 → ');
  const r = await ops(h.app.url).post('/wechat/menu', {});
  expect(r.body.button.map((b: { name: string }) => b.name)).toEqual(['抢单池', '我的工单', '帮助']);

  const who = `o-menu-${phone()}`;
  const html = await (await fetch(`${h.app.url}/sandbox/phone/${who}`)).text();
  expect(html).toContain('<button name="i" value="2">帮助</button>');
  const tap = (i: number) =>
    fetch(`${h.app.url}/sandbox/phone/${who}/menu`, {
      method: 'POST',
      body: `i=${i}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
  expect((await tap(2)).status).toBe(302);
  const after = await (await fetch(`${h.app.url}/sandbox/phone/${who}`)).text();
  expect(after).toContain('[菜单] 帮助');
  expect(after).toContain('可用指令：'); // the help text answers in the chat
  const view = await tap(0);
  expect(view.headers.get('location')).toBe('/auth/wechat?next=%2Fh5%2Fpool'); // opened as WeChat would, through OAuth
});

it("a mass job's finish that overtakes the send's record of the job is kept, and linked to its broadcast when that comes", async () => {
  const b = (await ops(h.app.url).post('/broadcasts', { audience: { tiers: ['C'] }, channels: ['mass'], title: '抢先', body: '结果先到' }))
    .body;
  const msgId = `9${Date.now()}`;
  const finish = { MsgID: msgId, Status: 'send success', TotalCount: '3', FilterCount: '0', SentCount: '3', ErrorCount: '0' };
  await recordMassResult(h.app.ctx, finish as unknown as WechatXml); // WeChat's MASSSENDJOBFINISH first
  await recordMassJob(h.app.ctx, msgId, b.id, 'tier:C'); // then the send's own record
  const job = await h.app.ctx.db.massJob.findUniqueOrThrow({ where: { msgId } });
  expect(job).toMatchObject({ broadcastId: b.id, target: 'tier:C', status: 'send success', total: 3, sent: 3, errors: 0 });
  expect(job.finishedAt).toBeInstanceOf(Date);
});
