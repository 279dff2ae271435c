/**
 * Test support: every test file gets its own Redis database (claimed with a lock on db 0) and its
 * own freshly migrated PostgreSQL database, starts the real app on a free port, and talks HTTP.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { type Running, start } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import type { Ctx } from '../src/context.js';
import { reconcile } from '../src/grab/index.js';
import { signSession } from '../src/session/session.js';

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** In the "cluster" project: the local Redis Cluster (test/cluster-setup.ts) every app of the file uses. */
const CLUSTER = inject('redisClusterNodes') as string | undefined;
const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const OPS_TOKEN = 'test-ops-token-0123456789';

export interface Env {
  /** A Redis db of its own (empty on a cluster, which has no numbered databases). */
  redisUrl: string;
  /** REDIS_CLUSTER_NODES, in the "cluster" project: the file's fresh database gives it a namespace of its own there. */
  clusterNodes?: string;
  databaseUrl: string;
  release(): Promise<void>;
}

/** A Redis db index (1..15) nobody else holds, emptied, and a new PostgreSQL database. */
export async function isolatedEnv(): Promise<Env> {
  if (CLUSTER) {
    const database = await createDatabase();
    return { redisUrl: '', clusterNodes: CLUSTER, databaseUrl: database.url, release: database.drop };
  }
  const admin = new Redis(REDIS);
  const token = randomBytes(8).toString('hex');
  let db = 0;
  for (let tries = 0; !db && tries < 600; tries++) {
    for (let i = 1; i <= 15 && !db; i++) if ((await admin.set(`test:db:${i}`, token, 'PX', 900_000, 'NX')) === 'OK') db = i;
    if (!db) await new Promise((r) => setTimeout(r, 500));
  }
  if (!db) throw new Error('no free Redis test db');
  const redisUrl = `${REDIS}/${db}`;
  const r = new Redis(redisUrl);
  await r.flushdb();
  r.disconnect();

  const database = await createDatabase();
  return {
    redisUrl,
    databaseUrl: database.url,
    async release() {
      await database.drop();
      if ((await admin.get(`test:db:${db}`)) === token) await admin.del(`test:db:${db}`);
      admin.disconnect();
    },
  };
}

/** A new, empty PostgreSQL database (the app migrates it). */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `grab_test_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c2 = new pg.Client({ connectionString: PG_ADMIN });
      await c2.connect();
      await c2.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c2.end();
    },
  };
}

/** REDIS_URL, or REDIS_CLUSTER_NODES in the "cluster" project. */
const redisOf = (env: Env): Record<string, string> =>
  env.clusterNodes ? { REDIS_CLUSTER_NODES: env.clusterNodes } : { REDIS_URL: env.redisUrl };

export function testConfig(env: Env, extra: Record<string, string> = {}) {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...redisOf(env),
    DATABASE_URL: env.databaseUrl,
    OPS_API_TOKEN: OPS_TOKEN,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef',
    TIER_DELAYS: 'S:0,A:0,B:0,C:0',
    GRAB_RATE_IP: '1000000',
    ...extra,
  });
}

/** The app on a port of its own, PUBLIC_URL naming it as the tests reach it (one host, as a browser would). */
export async function startApp(env: Env, extra: Record<string, string> = {}, now?: () => number): Promise<Running> {
  const port = extra.PORT ?? String(await freePort());
  return start(testConfig(env, { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, ...extra }), { now });
}

export interface Reply<T = any> {
  status: number;
  body: T;
}

export async function call<T = any>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(url + path, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const ops = (url: string) => ({
  post: <T = any>(path: string, body: unknown) => call<T>(url, 'POST', `/api/ops${path}`, body, { authorization: `Bearer ${OPS_TOKEN}` }),
  patch: <T = any>(path: string, body: unknown) => call<T>(url, 'PATCH', `/api/ops${path}`, body, { authorization: `Bearer ${OPS_TOKEN}` }),
  get: <T = any>(path: string) => call<T>(url, 'GET', `/api/ops${path}`, undefined, { authorization: `Bearer ${OPS_TOKEN}` }),
});

export function plannerCookie(ctx: Ctx, plannerId: number): string {
  return `sid=${signSession(ctx.sessionSecret, { role: 'planner', id: plannerId })}`;
}

export const planner = (url: string, ctx: Ctx, plannerId: number) => {
  const cookie = plannerCookie(ctx, plannerId);
  return {
    grab: (requirementId: number, channel = 'h5') => call(url, 'POST', '/api/planner/grabs', { requirementId, channel }, { cookie }),
    pool: () => call(url, 'GET', '/api/planner/pool', undefined, { cookie }),
    workOrders: () => call(url, 'GET', '/api/planner/work-orders', undefined, { cookie }),
    propose: (woId: string, body: unknown) => call(url, 'POST', `/api/planner/work-orders/${woId}/proposal`, body, { cookie }),
  };
};

let phoneSeq = 0;
/** A unique mainland mobile number per call within a process. */
export function phone(): string {
  phoneSeq++;
  return `13${String(process.pid % 1000).padStart(3, '0')}${String(phoneSeq).padStart(6, '0')}`;
}

export function future(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function requirementBody(over: Record<string, unknown> = {}) {
  return {
    traveler: { name: '王小明', phone: phone() },
    subject: 'individual',
    origin: '上海',
    destinations: ['京都'],
    departDate: future(30),
    returnDate: future(36),
    adults: 2,
    children: 1,
    budgetFen: 3_000_000,
    plannersWanted: 3,
    notes: '想看红叶',
    ...over,
  };
}

/**
 * Waits until fn returns a truthy value (or throws after ms, never less than 20 s: the limit only
 * matters when the test fails anyway, and a busy 2-core CI must not turn a slow pass into a failure).
 */
export async function until<T>(fn: () => Promise<T> | T, ms = 10_000, step = 50): Promise<NonNullable<T>> {
  const end = Date.now() + Math.max(ms, 20_000);
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, step));
  }
}

/**
 * One reconciler pass of our own. The app's timer may hold the lock (then `reconcile` does nothing
 * and returns null, and its own pass may have read the state before ours changed it): wait it out.
 */
export async function reconciled(ctx: Ctx): Promise<number> {
  return until(async () => {
    const n = await reconcile(ctx);
    return n === null ? null : { n };
  }).then((r) => r.n);
}

export async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** Runs `npm start`'s entry point as a child process against this test's Redis and database. */
export async function child(env: Env, extra: Record<string, string>, opts: { waitHealthy?: boolean; port?: number } = {}) {
  const port = opts.port ?? (await freePort());
  const cfg = testConfig(env);
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`, // the address tests and their browsers use
      ...redisOf(env),
      DATABASE_URL: env.databaseUrl,
      OPS_API_TOKEN: OPS_TOKEN,
      SESSION_SECRET: cfg.SESSION_SECRET!,
      TIER_DELAYS: 'S:0,A:0,B:0,C:0',
      LOG_LEVEL: 'warn',
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((ok) => proc.on('exit', (code) => ok(code)));
  const url = `http://127.0.0.1:${port}`;
  if (opts.waitHealthy !== false)
    await until(
      () =>
        fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
      100,
    );
  return { url, proc, exited, stderr: () => stderr };
}

/** One app per test file on its own Redis db and database, started before and stopped after the file. */
export function withApp(extra: Record<string, string> = {}): { env: Env; app: Running } {
  const h = {} as { env: Env; app: Running };
  beforeAll(async () => {
    h.env = await isolatedEnv();
    h.app = await startApp(h.env, extra);
  });
  afterAll(async () => {
    await h.app?.stop();
    await h.env?.release();
  });
  return h;
}

/**
 * A TCP proxy in front of a service (PostgreSQL, Redis) that a test can cut and restore: cut
 * destroys every open connection and refuses new ones until restored. `url` is `target` through it.
 */
export async function cuttableProxy(target: string) {
  const { createServer, Socket } = await import('node:net');
  const to = new URL(target);
  const open = new Set<import('node:net').Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) return void client.destroy();
    const upstream = new Socket().connect(Number(to.port), to.hostname);
    open.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop).pipe(upstream);
    upstream.on('error', drop).on('close', drop).pipe(client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const via = new URL(target);
  via.hostname = '127.0.0.1';
  via.port = String((server.address() as { port: number }).port);
  return {
    url: via.toString(),
    get down() {
      return down;
    },
    cut() {
      down = true;
      for (const s of open) s.destroy();
    },
    restore() {
      down = false;
    },
    // Closing ends the connections still through it too (server.close alone waits for each of them).
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of open) s.destroy();
      }),
  };
}
