/**
 * Template messages through the real client against the sandbox: a release reaches exactly its
 * tier's bound candidates, once; delivery is recorded; an expired token mid-send is refreshed once
 * for all; 45009 (the day's quota) pauses sending until midnight, or until ops resume it; 43004 marks
 * the planner unreachable without retrying; values fitted to their template types.
 */

import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { chinaDayStart } from '../../src/format.js';
import { releaseTier } from '../../src/grab/lifecycle.js';
import { queuePrefix } from '../../src/infra/keys.js';
import { NOTIFY_QUEUE, NOTIFY_RESUME_QUEUE, notifyPause, recordDelivery, recordSent } from '../../src/notify/index.js';
import { createWechatApi } from '../../src/wechat/client.js';
import { type Env, isolatedEnv, ops, phone, planner, requirementBody, startApp, until } from '../support.js';

let env: Env;
let app: Running;
let n = 0;

beforeAll(async () => {
  env = await isolatedEnv();
  app = await startApp(env, { TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600', NOTIFY_RATE: '50' });
});
afterAll(async () => {
  await app?.stop();
  await env?.release();
});

const sandbox = (path: string, body?: unknown) =>
  fetch(
    `${app.url}/sandbox${path}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  ).then((r) => r.json());
const inbox = async (openid: string) =>
  (await sandbox(`/users/${openid}/inbox`)).items as {
    kind: string;
    templateId: string;
    url: string;
    data: Record<string, { value: string }>;
  }[];

async function market(place: string, spec: { tier: string; openid?: string }[]) {
  const out = [];
  for (const s of spec) {
    const sup = (await ops(app.url).post('/suppliers', { name: `${place}-${++n}` })).body;
    out.push(
      (
        await ops(app.url).post('/planners', {
          supplierId: sup.id,
          name: `${place}${n}`,
          phone: phone(),
          tier: s.tier,
          destinations: [place],
          maxActive: 3,
          ...(s.openid ? { openid: s.openid } : {}),
        })
      ).body,
    );
  }
  return out as { id: number; openid: string | null }[];
}

it('a release reaches exactly its tier’s bound candidates, once, and delivery is recorded', async () => {
  const [s1, s2, a1, unbound] = await market('大理', [
    { tier: 'S', openid: 'o-rel-s1' },
    { tier: 'S', openid: 'o-rel-s2' },
    { tier: 'A', openid: 'o-rel-a1' },
    { tier: 'S' },
  ]);
  const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: ['大理'], plannersWanted: 3 }))).body;
  await until(async () => (await inbox('o-rel-s1')).length === 1 && (await inbox('o-rel-s2')).length === 1, 10_000);
  await releaseTier(app.ctx, r.id, 'S'); // the release job delivered twice
  await new Promise((ok) => setTimeout(ok, 500));
  expect(await inbox('o-rel-s1')).toHaveLength(1);
  expect(await inbox('o-rel-s2')).toHaveLength(1);
  expect(await inbox('o-rel-a1')).toHaveLength(0); // A is not released yet
  const [m] = await inbox('o-rel-s1');
  expect(m).toMatchObject({ kind: 'template', templateId: 'sandbox-released' });
  // A category template: typed keys only (WeChat shows no first/remark since 2023).
  expect(Object.keys(m.data).sort()).toEqual(['character_string1', 'thing2', 'thing3', 'thing4', 'thing5']);
  expect(m.data.character_string1.value).toBe(r.code);
  expect(m.data.thing2.value).toBe('大理');
  expect(m.data.thing5.value).toBe(`回复「抢 ${r.code}」或点详情`);
  expect(m.url).toMatch(new RegExp(`/h5/requirements/${r.id}$`));
  const rows = await app.ctx.db.message.findMany({ where: { kind: 'released', id: { startsWith: `released-r${r.id}-` } } });
  expect(rows.map((x) => x.plannerId).sort()).toEqual([s1.id, s2.id].sort());
  expect(unbound.openid).toBeNull();
  await until(
    async () => (await app.ctx.db.message.count({ where: { id: { in: rows.map((x) => x.id) }, state: 'delivered' } })) === 2,
    10_000,
  );
  void a1;
});

it('a win tells the planner the traveler’s contact, and the traveler who took the trip', async () => {
  const [p] = await market('苏州', [{ tier: 'S', openid: 'o-win-p' }]);
  const body = requirementBody({
    destinations: ['苏州'],
    plannersWanted: 1,
    traveler: { name: '林小姐', phone: '13822223333', openid: 'o-win-traveler' },
  }) as { departDate: string; returnDate: string };
  const r = (await ops(app.url).post('/requirements', body)).body;
  await until(async () => (await inbox('o-win-p')).length === 1, 10_000);
  const g = await planner(app.url, app.ctx, p.id).grab(r.id);
  expect(g.status).toBe(201);
  await until(async () => (await inbox('o-win-p')).length === 2 && (await inbox('o-win-traveler')).length === 1, 10_000);
  const [won] = await inbox('o-win-p');
  expect(won.templateId).toBe('sandbox-won');
  expect([won.data.character_string1.value, won.data.thing2.value, won.data.phone_number3.value]).toEqual([
    r.code,
    '林小姐',
    '13822223333',
  ]);
  // The trip's dates as entered, with their year, and the deadline the work order was recorded with, in China time.
  const [d, back] = [body.departDate.replaceAll('-', '.'), body.returnDate.replaceAll('-', '.')];
  expect(won.data.thing4.value).toBe(`苏州 ${d}~${back.slice(0, 4) === d.slice(0, 4) ? back.slice(5) : back}`);
  const cst = new Date(Date.parse(g.body.deadlineAt) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  expect(won.data.time5.value).toBe(cst);
  expect((await inbox('o-win-traveler'))[0].data.thing2.value).toContain('苏州');
});

it('an access token expired mid-send is refreshed once for all senders, and the sends go through', async () => {
  const apis = [1, 2, 3, 4, 5].map(() => createWechatApi(app.ctx, () => `${app.url}/sandbox`));
  await apis[0].sendTemplate('o-token', 'sandbox-released', 'http://x', { thing1: { value: 'warm-up' } });
  const before = await app.ctx.redis.get('wx:access_token');
  await sandbox('/faults', { expireTokens: true });
  // Five "processes" hit 42001 at once; one refreshes, the others wait for its token.
  const tokensBefore = Number(await app.ctx.redis.get('sandbox:tokens-issued'));
  const ids = await Promise.all(
    apis.map((a, i) => a.sendTemplate('o-token', 'sandbox-released', 'http://x', { thing1: { value: `after ${i}` } })),
  );
  expect(new Set(ids).size).toBe(5);
  const tokensAfter = Number(await app.ctx.redis.get('sandbox:tokens-issued'));
  expect(tokensAfter - tokensBefore).toBe(1);
  expect(await app.ctx.redis.get('wx:access_token')).not.toBe(before);
  expect((await inbox('o-token')).length).toBe(6);
});

it('the token comes from stable_token: every process gets the same one and nobody is revoked; only force_refresh ends it', async () => {
  const ask = async (force = false) =>
    (await (
      await fetch(`${app.url}/sandbox/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: app.ctx.config.wechat.appid, secret: 'x', force_refresh: force }),
      })
    ).json()) as { access_token: string; expires_in: number };
  const held = await app.ctx.wechat.accessToken();
  const [a, b] = await Promise.all([ask(), ask()]);
  expect([a.access_token, b.access_token]).toEqual([held, held]);
  // Another process asking (normal mode) leaves this process's token working.
  await app.ctx.wechat.sendTemplate('o-stable', 'sandbox-released', 'http://x', { thing1: { value: 'still valid' } });
  const forced = await ask(true);
  expect(forced.access_token).not.toBe(held);
  // Forced elsewhere: our held token is refused once (42001), the client asks again and gets the new one.
  await app.ctx.wechat.sendTemplate('o-stable', 'sandbox-released', 'http://x', { thing1: { value: 'after force' } });
  expect(await app.ctx.wechat.accessToken()).toBe(forced.access_token);
  expect((await inbox('o-stable')).length).toBe(2);
});

it('43004 (unsubscribed) fails at once and marks the planner unreachable', async () => {
  await sandbox('/users', { openid: 'o-gone', subscribed: false });
  const [p] = await market('厦门', [{ tier: 'S', openid: 'o-gone' }]);
  await ops(app.url).post('/requirements', requirementBody({ destinations: ['厦门'], plannersWanted: 1 }));
  const msg = await until(async () => app.ctx.db.message.findFirst({ where: { plannerId: p.id, state: 'failed' } }), 10_000, 100);
  expect(msg.attempts).toBe(1);
  expect(msg.error).toMatch(/^43004/);
  expect((await app.ctx.db.planner.findUnique({ where: { id: p.id } }))!.unreachableAt).toBeInstanceOf(Date);
  expect(await inbox('o-gone')).toHaveLength(0);
});

it('the winner is reminded before the deadline, then expired at it; a proposal cancels the reminder and tells the traveler', async () => {
  const remindApp = await startApp(env, { PROPOSAL_DEADLINE: '6', PROPOSAL_REMINDER: '3', TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600' });
  try {
    const [slow, quick] = await market('桂林', [
      { tier: 'S', openid: 'o-due-slow' },
      { tier: 'S', openid: 'o-due-quick' },
    ]);
    const r = (
      await ops(remindApp.url).post(
        '/requirements',
        requirementBody({
          destinations: ['桂林'],
          plannersWanted: 2,
          traveler: { name: '周先生', phone: phone(), openid: 'o-due-traveler' },
        }),
      )
    ).body;
    await until(async () => (await inbox('o-due-slow')).length >= 1 && (await inbox('o-due-quick')).length >= 1, 10_000);
    const ws = (await planner(remindApp.url, remindApp.ctx, slow.id).grab(r.id)).body;
    const wq = (await planner(remindApp.url, remindApp.ctx, quick.id).grab(r.id)).body;
    expect(
      (
        await planner(remindApp.url, remindApp.ctx, quick.id).propose(wq.workOrderId, {
          itinerary: '第一天 漓江 第二天 阳朔 第三天 龙脊',
          priceFen: 1_880_000,
        })
      ).status,
    ).toBe(201);
    const due = await until(async () => (await inbox('o-due-slow')).find((m) => m.templateId === 'sandbox-proposal-due'), 8000, 100);
    expect(due.data.character_string1.value).toBe(r.code);
    const told = await until(
      async () => (await inbox('o-due-traveler')).find((m) => m.templateId === 'sandbox-traveler-proposal'),
      8000,
      100,
    );
    expect(told.data.amount3.value).toBe('18800元'); // an amount value: digits and 元, no separators (WeChat's rule)
    await new Promise((ok) => setTimeout(ok, 1500));
    expect((await inbox('o-due-quick')).some((m) => m.templateId === 'sandbox-proposal-due')).toBe(false);
    // Until the reminder a win has one delayed job, the reminder; its run schedules the deadline, which expires the slow one.
    const slowOrder = () => remindApp.ctx.db.workOrder.findUniqueOrThrow({ where: { id: ws.workOrderId } });
    await until(async () => (await slowOrder()).status === 'expired', 10_000, 100);
    expect((await remindApp.ctx.db.workOrder.findUniqueOrThrow({ where: { id: wq.workOrderId } })).status).not.toBe('expired');
  } finally {
    await remindApp.stop();
  }
});

it('sandbox tags and mass send reach the tagged followers only', async () => {
  await sandbox('/users', { openid: 'o-mass-gone', subscribed: false });
  const token = await app.ctx.wechat.accessToken();
  const api = (path: string, body: unknown) =>
    fetch(`${app.url}/sandbox/cgi-bin/${path}?access_token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json());
  const { tag } = await api('tags/create', { tag: { name: 'S级定制师' } });
  expect(tag.id).toBeGreaterThan(0);
  expect(await api('tags/members/batchtagging', { openid_list: ['o-mass-1', 'o-mass-2', 'o-mass-gone'], tagid: tag.id })).toMatchObject({
    errcode: 0,
  });
  const sent = await api('message/mass/sendall', {
    filter: { is_to_all: false, tag_id: tag.id },
    msgtype: 'text',
    text: { content: '本周末平台维护' },
  });
  expect(sent).toMatchObject({ errcode: 0 });
  expect((await inbox('o-mass-1'))[0]).toMatchObject({ kind: 'mass', text: '本周末平台维护' });
  expect(await inbox('o-mass-2')).toHaveLength(1);
  expect(await inbox('o-mass-gone')).toHaveLength(0);
  expect(await api('message/mass/sendall', { filter: { tag_id: 99999 }, msgtype: 'text', text: { content: 'x' } })).toMatchObject({
    errcode: 40050,
  });
  expect((await api('message/mass/send', { touser: ['o-mass-1'], msgtype: 'text', text: { content: 'x' } })).errcode).toBe(40130);
});

it('slow answers from WeChat (sandbox fault) are waited for, and the message still goes out', async () => {
  await sandbox('/faults', { slowMs: 400 });
  try {
    const api = createWechatApi(app.ctx, () => `${app.url}/sandbox`);
    const t0 = Date.now();
    await api.sendTemplate('o-slow', 'sandbox-released', 'http://x', { thing1: { value: 'slow' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(await inbox('o-slow')).toHaveLength(1);
  } finally {
    await sandbox('/faults', { slowMs: 0 });
  }
});

it('a value too long for its type is shortened by rule; one of the wrong type is refused before sending', async () => {
  const long = '京都、大阪、奈良、神户、名古屋、富士山、箱根、东京';
  await app.ctx.notify.enqueue([
    {
      id: `typed-long-${phone()}`,
      kind: 'chosen',
      openid: 'o-typed',
      vars: { requirementId: 1, code: 'ABC234', destinations: long, workOrderId: 'wo-x' },
    },
    {
      id: `typed-wrong-${phone()}`,
      kind: 'chosen',
      openid: 'o-typed',
      vars: { requirementId: 1, code: '编号ABC', destinations: '京都', workOrderId: 'wo-y' },
    },
  ]);
  const [m] = await until(async () => {
    const got = await inbox('o-typed');
    return got.length ? got : null;
  });
  expect(m.data.thing2.value).toBe(`${[...long].slice(0, 19).join('')}…`);
  expect(m.data.character_string1.value).toBe('ABC234');
  const refused = await app.ctx.db.message.findFirstOrThrow({ where: { openid: 'o-typed', id: { startsWith: 'typed-wrong-' } } });
  expect([refused.state, refused.error]).toEqual([
    'failed',
    expect.stringContaining('character_string1: "编号ABC" is not letters, digits and symbols only'),
  ]);
  await new Promise((ok) => setTimeout(ok, 500));
  expect(await inbox('o-typed')).toHaveLength(1); // the refused one never went to WeChat
  // And WeChat (the sandbox) refuses such a value with 47003 if one is sent anyway.
  await expect(
    app.ctx.wechat.sendTemplate('o-typed', 'sandbox-chosen', 'http://x', { character_string1: { value: '编号' } }),
  ).rejects.toMatchObject({
    code: 47003,
  });
});

it('45009 (the day’s quota spent) pauses sending until midnight and tells ops; resumed, the waiting message goes out', async () => {
  await sandbox('/faults', { frequencyLimit: 1 });
  const id = `quota-${phone()}`;
  await app.ctx.notify.enqueue([
    { id, kind: 'chosen', openid: 'o-quota', vars: { requirementId: 1, code: 'QUO234', destinations: '京都', workOrderId: 'wo-q' } },
  ]);
  const paused = await until(() => notifyPause(app.ctx));
  expect(paused.until).toBe(chinaDayStart(Date.now()).getTime() + 86_400_000);
  const row = await app.ctx.db.message.findUniqueOrThrow({ where: { id } });
  expect([row.state, row.attempts, row.error]).toEqual(['queued', 0, expect.stringContaining('45009')]);
  const q = new Queue(NOTIFY_QUEUE, { connection: app.ctx.queue.opts.connection as never, prefix: queuePrefix(app.ctx.ns, NOTIFY_QUEUE) });
  const resumeQ = new Queue(NOTIFY_RESUME_QUEUE, {
    connection: app.ctx.queue.opts.connection as never,
    prefix: queuePrefix(app.ctx.ns, NOTIFY_QUEUE),
  });
  try {
    expect(await q.isPaused()).toBe(true);
    const [midnight] = await resumeQ.getDelayed();
    expect(midnight.timestamp + (midnight.opts.delay ?? 0)).toBeGreaterThanOrEqual(paused.until - 1000);
    await new Promise((ok) => setTimeout(ok, 1500));
    expect(await inbox('o-quota')).toHaveLength(0); // not retried into the refusal
    const today = (await ops(app.url).get('/stats/today')).body;
    expect(today.notify).toMatchObject({ paused: true });

    expect((await ops(app.url).post('/notify/resume', {})).status).toBe(200); // ops, after clearing the quota
    await until(async () => (await inbox('o-quota')).length === 1);
    expect(await notifyPause(app.ctx)).toBeNull();
    expect(await q.isPaused()).toBe(false);
  } finally {
    await q.close();
    await resumeQ.close();
  }
});

it('"failed:user block" in TEMPLATESENDJOBFINISH is recorded as refusing messages, distinct from unsubscribed', async () => {
  const [p] = await market('丽江', [{ tier: 'S', openid: 'o-blocks' }]);
  await ops(app.url).post('/requirements', requirementBody({ destinations: ['丽江'], plannersWanted: 1 }));
  const sent = await until(async () => app.ctx.db.message.findFirst({ where: { plannerId: p.id, msgid: { not: null } } }));
  await recordDelivery(app.ctx, sent.msgid!, 'failed: user block');
  const m = await app.ctx.db.message.findUniqueOrThrow({ where: { id: sent.id } });
  expect([m.state, m.error]).toEqual(['failed', 'delivery: refuses messages (failed:user block)']);
  const planner = await app.ctx.db.planner.findUniqueOrThrow({ where: { id: p.id } });
  expect([planner.unreachableAt instanceof Date, planner.unreachableReason]).toEqual([true, 'refuses']);
});

it('a delivery report that comes before the send is recorded is kept, and applied when it is', async () => {
  const id = `early-${phone()}`;
  const msgid = `9${Date.now()}`;
  await app.ctx.db.message.create({
    data: { id, kind: 'chosen', openid: 'o-early', templateId: 'sandbox-chosen', url: 'http://x/h5/pool', data: {}, state: 'failed' },
  });
  await recordDelivery(app.ctx, msgid, 'success'); // WeChat's report, before the send's answer is recorded
  expect((await app.ctx.db.message.findUniqueOrThrow({ where: { id } })).state).toBe('failed');
  await recordSent(app.ctx, id, msgid);
  const m = await app.ctx.db.message.findUniqueOrThrow({ where: { id } });
  expect(m).toMatchObject({ state: 'delivered', msgid });
  expect(m.deliveredAt).toBeInstanceOf(Date);
});
