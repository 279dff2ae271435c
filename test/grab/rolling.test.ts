/**
 * Processes come and go under a grab storm (and so does Redis: killed and restarted, with and
 * without its data; grabs meanwhile answer 503 UNAVAILABLE, "try again", never a 500). A rolling restart (WEB_CONCURRENCY=2, SIGHUP to the
 * primary): each web process is replaced by a new one that listens before the old one drains; a
 * planner's live stream is told to reconnect and comes back with its Last-Event-ID. Kills: of 2 web
 * processes and a worker, a web process and then the worker die by SIGKILL and are replaced.
 * Planners grab all the while over kept-alive connections. Afterwards: no answer was a 5xx, every
 * acknowledged win is in PostgreSQL, no requirement is over-allocated nor has two winners from one
 * supplier, and the watching page holds every release made meanwhile (the replay covered the gap).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../src/boot.js';
import type { Ctx } from '../../src/context.js';
import {
  call,
  child,
  type Env,
  freePort,
  isolatedEnv,
  OPS_TOKEN,
  ops,
  phone,
  plannerCookie,
  requirementBody,
  testConfig,
  until,
} from '../support.js';

let env: Env;
beforeAll(async () => {
  env = await isolatedEnv();
});
afterAll(async () => {
  await env?.release();
});

interface Stream {
  events: { id?: string; type: string; data: Record<string, unknown> }[];
  reconnects: number;
  close(): void;
}

/** A page's live stream, as the browser's client keeps it: on `reconnect`, back after the wait it names, with Last-Event-ID. */
function liveStream(url: string, cookie: string): Stream {
  const s: Stream = { events: [], reconnects: 0, close: () => {} };
  let closed = false;
  let last = '';
  const open = () => {
    if (closed) return;
    const req = http.get(`${url}/api/live/stream`, { headers: { cookie, ...(last ? { 'last-event-id': last } : {}) } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return void setTimeout(open, 200);
      }
      let buf = '';
      let reconnectIn: number | null = null;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const field = (name: string) =>
            block
              .split('\n')
              .find((l) => l.startsWith(`${name}:`))
              ?.slice(name.length + 1)
              .trim();
          const type = field('event');
          const data = field('data');
          if (!type || !data) continue;
          const id = field('id');
          if (id) last = id;
          const e = { ...(id ? { id } : {}), type, data: JSON.parse(data) as Record<string, unknown> };
          s.events.push(e);
          if (type === 'reconnect') reconnectIn = Number(e.data.inMs);
        }
      });
      res.on('close', () => {
        if (reconnectIn !== null) s.reconnects++;
        setTimeout(open, reconnectIn ?? 200); // told: its wait; dropped: a quick retry (the client backs off more)
      });
    });
    req.on('error', () => setTimeout(open, 200));
    s.close = () => {
      closed = true;
      req.destroy();
    };
  };
  open();
  return s;
}

/** Every planner storms from this one address: the per-IP limit (rule 11) would answer most of it. */
const STORM = { GRAB_RATE_IP: '1000000', GRAB_RATE_PLANNER: '1000000' };

interface Answer {
  status: number;
  body: { workOrderId?: string };
  requirementId: number;
  plannerId: number;
}

/**
 * A marketplace to storm: 24 suppliers of 2 planners each on one destination, 10 requirements of 3
 * slots, a watching planner's live stream, and `storm()`: every planner grabs in turn over kept-alive
 * connections until stopped. A request that failed on the network was never acknowledged: it is
 * simply tried again (a grab is idempotent).
 */
async function marketplace(url: string, ctx: Ctx, tierOf: (i: number) => string = () => 'S') {
  const dest = `滚动-${phone()}`;
  const planners: { id: number; supplierId: number; tier: string; cookie: string }[] = [];
  for (let i = 0; i < 24; i++) {
    const s = (await ops(url).post('/suppliers', { name: `滚动社-${phone()}` })).body;
    for (let j = 0; j < 2; j++) {
      const p = (
        await ops(url).post('/planners', {
          supplierId: s.id,
          name: `滚动${i}-${j}`,
          phone: phone(),
          tier: tierOf(planners.length),
          destinations: [dest],
          maxActive: 50,
          openid: `o-roll-${phone()}`,
        })
      ).body;
      planners.push({ id: p.id, supplierId: s.id, tier: tierOf(planners.length), cookie: plannerCookie(ctx, p.id) });
    }
  }
  const stream = liveStream(url, planners[0].cookie);
  const requirements: number[] = [];
  // Ops add requirements while the processes are replaced: each on a connection of its own. A
  // kept-alive one may be closed by its draining process just as the next request goes out on it,
  // which a client sees as "other side closed" (HTTP/1.1's keep-alive race, not a lost request).
  const addRequirement = async () => {
    const headers = { authorization: `Bearer ${OPS_TOKEN}`, connection: 'close' };
    const r = (await call(url, 'POST', '/api/ops/requirements', requirementBody({ destinations: [dest], plannersWanted: 3 }), headers))
      .body;
    requirements.push(r.id);
    return r.id as number;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const answers: Answer[] = [];
  let storming = false;
  const grab = (p: (typeof planners)[number], requirementId: number) =>
    new Promise<{ status: number; body: { workOrderId?: string } } | null>((ok) => {
      const req = http.request(
        `${url}/api/planner/grabs`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', cookie: p.cookie } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => ok({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
          res.on('error', () => ok(null));
        },
      );
      req.on('error', () => ok(null));
      // A connection lost with a killed process may never answer: a client gives up and tries again.
      req.setTimeout(10_000, () => req.destroy());
      req.end(JSON.stringify({ requirementId }));
    });
  let running: Promise<unknown> = Promise.resolve();
  return {
    dest,
    planners,
    stream,
    requirements,
    addRequirement,
    answers,
    start() {
      storming = true;
      running = Promise.all(
        planners.map(async (p, k) => {
          for (let n = k; storming; n++) {
            const requirementId = requirements[n % requirements.length];
            const a = await grab(p, requirementId);
            if (a) answers.push({ ...a, requirementId, plannerId: p.id });
            else await new Promise((r) => setTimeout(r, 20));
          }
        }),
      );
    },
    async stop() {
      storming = false;
      await running;
    },
    close() {
      storming = false;
      stream.close();
      agent.destroy();
    },
    /** No 5xx (but "unavailable" in an outage); every acknowledged win in PostgreSQL (by then); never over-allocated, never two winners of one supplier. */
    async check(opts: { outage?: boolean } = {}) {
      // An outage may answer "unavailable, try again" (503); never anything else from the server's side.
      const down = (a: Answer) => opts.outage && a.status === 503 && (a.body as { error?: { code: string } }).error?.code === 'UNAVAILABLE';
      expect(answers.filter((a) => a.status >= 500 && !down(a))).toEqual([]);
      const acknowledged = answers.filter((a) => a.status === 201 || a.status === 200);
      expect(acknowledged.length).toBeGreaterThan(0);
      const missing = async () => {
        const recorded = await ctx.db.workOrder.findMany({ where: { requirementId: { in: requirements } } });
        const ids = new Set(recorded.map((w) => w.id));
        return { recorded, missing: acknowledged.filter((a) => !ids.has(a.body.workOrderId!)) };
      };
      // A repeat answered by Redis for a win whose process died before recording it is recorded by the reconciler.
      await until(async () => (await missing()).missing.length === 0, 30_000).catch(() => {});
      const { recorded, missing: lost } = await missing();
      expect(lost).toEqual([]);
      for (const id of requirements) {
        const mine = recorded.filter((w) => w.requirementId === id);
        expect(mine.length).toBeLessThanOrEqual(3);
        expect(new Set(mine.map((w) => w.supplierId)).size).toBe(mine.length);
      }
    },
    /** The watching page ends up with a release of each of these requirements. */
    async sawReleases(ids: number[]) {
      await until(() => ids.every((id) => stream.events.some((e) => e.type === 'released' && e.data.requirementId === id)), 60_000);
    },
  };
}

it('SIGHUP replaces the web processes one by one under a grab storm: no 5xx, no acknowledged grab or live event lost', async () => {
  const app = await child(env, { WEB_CONCURRENCY: '2', SHUTDOWN_GRACE_MS: '5000', ...STORM });
  const { ctx, close } = await connect(testConfig(env));
  const m = await marketplace(app.url, ctx);
  try {
    for (let i = 0; i < 10; i++) await m.addRequirement();
    await m.sawReleases(m.requirements);
    m.start();
    await until(() => m.answers.length > 200, 30_000);
    const before = app.stderr().length;
    app.proc.kill('SIGHUP');
    // Releases published while the processes are being replaced: the stream must end up with each.
    const during: number[] = [];
    while (!app.stderr().slice(before).includes('rolling restart done')) {
      during.push(await m.addRequirement());
      await new Promise((r) => setTimeout(r, 300));
      if (during.length > 200) throw new Error('the rolling restart never finished');
    }
    const after = m.answers.length;
    await until(() => m.answers.length > after + 200, 30_000); // the new processes serve the storm
    await m.stop();

    expect(app.stderr().slice(before)).not.toMatch(/exited \(/); // replaced on purpose, none crashed
    await m.check();
    // The stream was told to move, came back, and missed nothing released meanwhile.
    expect(m.stream.reconnects).toBeGreaterThanOrEqual(1);
    await m.sawReleases(during);
  } finally {
    m.close();
    await close();
    app.proc.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  }
}, 180_000);

it('2 web processes and a worker through a storm, a web process and the worker killed (SIGKILL) and replaced: nothing acknowledged lost', async () => {
  const web = await child(env, { WEB_CONCURRENCY: '2', ROLE: 'web', ...STORM });
  const workerEnv = { ROLE: 'worker', RECONCILE_EVERY: '2' };
  let worker = await child(env, workerEnv, { waitHealthy: false });
  const { ctx, close } = await connect(testConfig(env));
  const m = await marketplace(web.url, ctx);
  try {
    for (let i = 0; i < 10; i++) await m.addRequirement();
    await m.sawReleases(m.requirements);
    m.start();
    await until(() => m.answers.length > 200, 30_000);

    // A web process dies mid-storm: the primary starts another; its unanswered grabs are retried.
    // (One scrape shows every process: the primary, ROLE=web, runs none of its own.)
    const pids = await until(async () => {
      const res = await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
      const seen = new Set([...(await res.text()).matchAll(/^process_cpu_seconds_total\{pid="(\d+)"\}/gm)].map((m) => m[1]));
      return seen.size === 2 ? [...seen] : null;
    });
    process.kill(Number(pids[0]), 'SIGKILL');
    await until(() => web.stderr().includes('exited (SIGKILL): starting another'), 10_000);
    let mark = m.answers.length;
    await until(() => m.answers.length > mark + 200, 30_000);

    // The worker dies: releases wait (web processes keep answering); a new worker catches up.
    worker.proc.kill('SIGKILL');
    await worker.exited;
    const whileDown = [await m.addRequirement(), await m.addRequirement()];
    mark = m.answers.length;
    await until(() => m.answers.length > mark + 100, 30_000);
    worker = await child(env, workerEnv, { waitHealthy: false });
    await m.sawReleases(whileDown);
    mark = m.answers.length;
    await until(() => m.answers.length > mark + 200, 30_000);
    await m.stop();
    await m.check();
  } finally {
    m.close();
    await close();
    worker.proc.kill('SIGTERM');
    web.proc.kill('SIGTERM');
    expect(await web.exited).toBe(0);
    await worker.exited;
  }
}, 180_000);

/** A Redis of the test's own (its own port and directory), to kill and restart. */
async function ownRedis(persist: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'redis-restart-'));
  const port = await freePort();
  let proc: ChildProcess;
  const startRedis = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        persist ? 'yes' : 'no',
        '--appendfsync',
        'everysec',
      ],
      { stdio: 'ignore' },
    );
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {}); // refused until it is up
    await until(
      () =>
        probe.connect().then(
          () => probe.ping().then(() => true),
          () => false,
        ),
      10_000,
      100,
    );
    probe.disconnect();
  };
  await startRedis();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    /** Killed (SIGKILL, as a crash), down for a moment, started again on the same directory. */
    async restart() {
      const gone = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGKILL');
      await gone;
      await new Promise((r) => setTimeout(r, 1000));
      await startRedis();
    },
    async stop() {
      const gone = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGKILL');
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

it.each([
  ['with persistence (AOF, every second)', true],
  ['without persistence', false],
])(
  'Redis killed and restarted %s under a grab storm: hot state and schedule rebuilt, releases still due fire, nothing double-awarded or lost',
  async (_, persist) => {
    const redis = await ownRedis(persist);
    // Tier A is released 6 s after a requirement is created: a job that lived only in Redis.
    const app = await child(env, {
      REDIS_URL: redis.url,
      TIER_DELAYS: 'S:0,A:6,B:3600,C:3600',
      RECONCILE_EVERY: '2',
      SCHEDULE_REBUILD_EVERY: '2',
      ...STORM,
    });
    const { ctx, close } = await connect(testConfig(env));
    const m = await marketplace(app.url, ctx, (i) => (i % 4 === 3 ? 'A' : 'S'));
    try {
      for (let i = 0; i < 8; i++) await m.addRequirement();
      m.start();
      await until(() => m.answers.length > 200, 30_000);
      // Not stormed (the S tier would fill it): its tier-A release is still to come when Redis dies.
      const pending = (await ops(app.url).post('/requirements', requirementBody({ destinations: [m.dest], plannersWanted: 3 }))).body
        .id as number;
      await redis.restart();
      const mark = m.answers.length;
      await until(() => m.answers.filter((a) => a.status < 500).length > mark + 200, 60_000); // serving again
      // The release due after the loss fires (rebuilt from PostgreSQL when Redis forgot it), and its tier may grab.
      await until(async () => (await ctx.db.release.count({ where: { requirementId: pending, tier: 'A' } })) === 1, 30_000);
      const tierA = m.planners.find((p) => p.tier === 'A')!;
      const a = await call(app.url, 'POST', '/api/planner/grabs', { requirementId: pending }, { cookie: tierA.cookie });
      expect(a.status).toBe(201);
      await m.stop();
      await m.check({ outage: true });
    } finally {
      m.close();
      await close();
      app.proc.kill('SIGTERM');
      await app.exited;
      await redis.stop();
    }
  },
  120_000,
);

it('SIGTERM with Redis gone: the process still exits, within SHUTDOWN_GRACE_MS and the jobs margin', async () => {
  const redis = await ownRedis(false);
  const app = await child(env, { REDIS_URL: redis.url, SHUTDOWN_GRACE_MS: '1000' });
  try {
    await redis.stop(); // closing its connections can never complete now
    const t0 = Date.now();
    app.proc.kill('SIGTERM');
    const code = await app.exited;
    // Bounded (1 s + 20 s; generous for a loaded machine): a stuck stop would hang until the test's timeout.
    expect(Date.now() - t0).toBeLessThan(45_000);
    expect(code === 0 || app.stderr().includes('still stopping after 21000 ms')).toBe(true);
  } finally {
    app.proc.kill('SIGKILL');
  }
}, 90_000);
