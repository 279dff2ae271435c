/**
 * The live stream (SSE) over real HTTP: events as they happen, replay of what a reconnect missed,
 * fan-out across two instances, one connection per browser and user, sign-in required.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Running } from '../../src/boot.js';
import { listenerDone } from '../../src/infra/keys.js';
import { RECONNECT_SPREAD_MS } from '../../src/live/hub.js';
import { appendForUser, broadcastAll, liveChannel } from '../../src/live/store.js';
import { type Env, isolatedEnv, ops, phone, plannerCookie, requirementBody, startApp, until } from '../support.js';

let env: Env;
let a: Running;
let b: Running; // a second instance on the same Redis and database

beforeAll(async () => {
  env = await isolatedEnv();
  a = await startApp(env, { TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600' });
  b = await startApp(env, { ROLE: 'web' });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await env?.release();
});

interface Sse {
  events: { id?: string; type: string; data: any }[];
  closed: boolean;
  cookies: string[];
  close(): void;
}

async function connect(url: string, cookie: string, lastId?: string): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${url}/api/live/stream`, {
    headers: { cookie, ...(lastId ? { 'last-event-id': lastId } : {}) },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const s: Sse = { events: [], closed: false, cookies: res.headers.getSetCookie().map((c) => c.split(';')[0]), close: () => ac.abort() };
  void (async () => {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const f: Record<string, string> = {};
        for (const line of block.split('\n')) {
          const m = /^(\w+): ?(.*)$/.exec(line);
          if (m) f[m[1]] = m[2];
        }
        // (caught-up only marks where the replay of what was missed ends: not an event of the user's.)
        if (f.event && f.event !== 'caught-up') s.events.push({ id: f.id, type: f.event, data: JSON.parse(f.data) });
      }
    }
    s.closed = true;
  })();
  return s;
}

async function market(place: string, n: number) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = (await ops(a.url).post('/suppliers', { name: `${place}-${i}` })).body;
    ids.push(
      (
        await ops(a.url).post('/planners', {
          supplierId: s.id,
          name: `${place}${i}`,
          phone: phone(),
          tier: 'S',
          destinations: [place],
          maxActive: 3,
          openid: `o-live-${place}-${i}`,
        })
      ).body.id,
    );
  }
  return ids;
}

it('a release reaches the planner live; a reconnect with Last-Event-ID replays exactly what it missed', async () => {
  const [p] = await market('敦煌', 1);
  const cookie = plannerCookie(a.ctx, p);
  const s1 = await connect(a.url, cookie);
  const r1 = (await ops(a.url).post('/requirements', requirementBody({ destinations: ['敦煌'] }))).body;
  await until(() => s1.events.some((e) => e.type === 'released' && e.data.requirementId === r1.id), 5000, 20);
  const lastSeen = s1.events.find((e) => e.type === 'released' && e.data.requirementId === r1.id)!.id!;
  s1.close();

  const r2 = (await ops(a.url).post('/requirements', requirementBody({ destinations: ['敦煌'] }))).body;
  const r3 = (await ops(a.url).post('/requirements', requirementBody({ destinations: ['敦煌'] }))).body;
  await until(async () => (await a.ctx.db.release.count({ where: { requirementId: r3.id } })) === 1, 5000);
  const s2 = await connect(b.url, cookie, lastSeen); // another instance, even
  await until(() => s2.events.filter((e) => e.type === 'released').length === 2, 5000, 20).catch((err: Error) => {
    throw new Error(
      `${err.message}: after ${lastSeen} the reconnect saw ${JSON.stringify(s2.events)} (first stream: ${JSON.stringify(s1.events)})`,
    );
  });
  expect(s2.events.filter((e) => e.type === 'released').map((e) => e.data.requirementId)).toEqual([r2.id, r3.id]);
  const ids = s2.events.map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);
  s2.close();
});

it('an event stored before a reconnect but published after its replay is written once', async () => {
  // appendForUser stores (XADD) before it publishes: a replay can already hold what pub/sub brings next.
  const [p] = await market('伊宁', 1);
  const user = `planner:${p}`;
  const first = await appendForUser(a.ctx.redis, user, 'released', { requirementId: 901 });
  const second = await appendForUser(a.ctx.redis, user, 'released', { requirementId: 902 });
  const s = await connect(b.url, plannerCookie(b.ctx, p), first);
  await until(() => s.events.some((e) => e.id === second));
  // The same stored event arrives late by pub/sub, then a new one.
  await a.ctx.redis.publish(
    liveChannel(a.ctx.redis),
    JSON.stringify({ to: { user }, event: { id: second, type: 'released', data: { requirementId: 902 } } }),
  );
  const third = await appendForUser(a.ctx.redis, user, 'released', { requirementId: 903 });
  await until(() => s.events.some((e) => e.id === third));
  expect(s.events.map((e) => e.id)).toEqual([second, third]);
  s.close();
});

it('a grab on one instance updates planners connected to another; a full requirement is gone everywhere', async () => {
  const [winner, other, watcher] = await market('喀什', 3);
  const r = (await ops(a.url).post('/requirements', requirementBody({ destinations: ['喀什'], plannersWanted: 2 }))).body;
  await until(async () => (await a.ctx.db.release.count({ where: { requirementId: r.id } })) === 1, 5000);
  const watch = await connect(b.url, plannerCookie(b.ctx, watcher));
  await fetch(`${a.url}/api/planner/grabs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: plannerCookie(a.ctx, winner) },
    body: JSON.stringify({ requirementId: r.id }),
  });
  await until(() => watch.events.some((e) => e.type === 'slots' && e.data.requirementId === r.id && e.data.slotsLeft === 1), 2000, 10);
  await fetch(`${a.url}/api/planner/grabs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: plannerCookie(a.ctx, other) },
    body: JSON.stringify({ requirementId: r.id }),
  });
  await until(() => watch.events.some((e) => e.type === 'gone' && e.data.requirementId === r.id && e.data.reason === 'full'), 2000, 10);
  watch.close();
});

it('a full event handled after its requirement re-opened (a retry) does not tell its candidates it is gone', async () => {
  const [winner, watcher] = await market('和田', 2);
  const r = (await ops(a.url).post('/requirements', requirementBody({ destinations: ['和田'], plannersWanted: 2 }))).body;
  await until(async () => (await a.ctx.db.release.count({ where: { requirementId: r.id } })) === 1, 5000);
  const watch = await connect(b.url, plannerCookie(b.ctx, watcher));
  // As if it had been full, a slot had come back, and the live listener got to the event only now.
  const stale = await a.ctx.events.publish({ type: 'full', requirementId: r.id, plannerIds: [], at: Date.now() - 1000 });
  await until(async () => (await a.ctx.redis.get(listenerDone('live', stale.id))) === 'done');
  // The requirement's next event comes after it (one lane per requirement, one channel): a "gone" would be here first.
  await fetch(`${a.url}/api/planner/grabs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: plannerCookie(a.ctx, winner) },
    body: JSON.stringify({ requirementId: r.id }),
  });
  await until(() => watch.events.some((e) => e.type === 'slots' && e.data.requirementId === r.id && e.data.slotsLeft === 1), 5000, 10);
  expect(watch.events.filter((e) => e.type === 'gone' && e.data.requirementId === r.id)).toEqual([]);
  watch.close();
});

it('one browser holds one connection per user: a newer one replaces the older, across instances', async () => {
  const [p] = await market('伊犁', 1);
  const first = await connect(a.url, plannerCookie(a.ctx, p));
  const cid = first.cookies.find((c) => c.startsWith('cid='))!;
  expect(cid).toBeTruthy();
  const second = await connect(b.url, `${plannerCookie(b.ctx, p)}; ${cid}`);
  await until(() => first.closed, 3000, 20);
  expect(first.events.at(-1)).toMatchObject({ type: 'replaced' });
  expect(second.closed).toBe(false);
  // Another browser (no cid cookie) is its own connection and replaces nobody.
  const elsewhere = await connect(a.url, plannerCookie(a.ctx, p));
  await new Promise((ok) => setTimeout(ok, 300));
  expect(second.closed).toBe(false);
  second.close();
  elsewhere.close();
});

it('a draining instance tells its open streams to come back within the spread, and a stream opened after at once, on a connection that closes', async () => {
  const c = await startApp(env, { ROLE: 'web' }); // a third instance, to drain
  try {
    const [p] = await market('排空', 1);
    const cookie = plannerCookie(c.ctx, p);
    const open = await connect(c.url, cookie);
    await until(() => c.hub!.connections() === 1, 5000, 20);
    expect(c.hub!.drain()).toBe(1);
    await until(() => open.closed, 5000, 20);
    const told = open.events.filter((e) => e.type === 'reconnect');
    expect(told).toHaveLength(1);
    expect(told[0].data.inMs).toBeGreaterThanOrEqual(0);
    expect(told[0].data.inMs).toBeLessThanOrEqual(RECONNECT_SPREAD_MS);

    // A page's reconnect that still reaches this process (over a kept-alive connection) is sent on at
    // once, and the connection closes, so the next try finds another process.
    const late = await fetch(`${c.url}/api/live/stream`, { headers: { cookie } });
    expect(late.status).toBe(200);
    expect(late.headers.get('connection')).toBe('close');
    const text = await late.text(); // it ends: nothing is held open
    expect(text).toMatch(/^event: reconnect$/m);
    expect(Number(/^retry: (\d+)$/m.exec(text)?.[1])).toBeLessThanOrEqual(RECONNECT_SPREAD_MS);
    expect(c.hub!.connections()).toBe(0);

    // Another instance serves it as usual.
    const elsewhere = await connect(b.url, cookie);
    const r = (await ops(a.url).post('/requirements', requirementBody({ destinations: ['排空'] }))).body;
    await until(() => elsewhere.events.some((e) => e.type === 'released' && e.data.requirementId === r.id), 5000, 20);
    elsewhere.close();
  } finally {
    await c.stop();
  }
});

it('refuses a stream without a session', async () => {
  expect((await fetch(`${a.url}/api/live/stream`)).status).toBe(401);
});

it('an ops broadcast reaches every open stream on every instance', async () => {
  const [p1, p2] = await market('阿勒泰', 2);
  const s1 = await connect(a.url, plannerCookie(a.ctx, p1));
  const s2 = await connect(b.url, plannerCookie(b.ctx, p2));
  await new Promise((ok) => setTimeout(ok, 100));
  await broadcastAll(a.ctx.redis, 'broadcast', { text: '平台通知：今晚维护' });
  await until(() => [s1, s2].every((s) => s.events.some((e) => e.type === 'broadcast' && e.data.text === '平台通知：今晚维护')), 2000, 10);
  s1.close();
  s2.close();
});
