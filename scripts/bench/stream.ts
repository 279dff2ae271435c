// The long-connection benchmark: 10,000 idle SSE connections to (a) a bare node:http SSE server and
// (b) the product's stream (GET /api/live/stream, signed sessions, the hub): RSS per connection,
// then one event fanned out to all: p50/p99 delivery latency. Three runs each, medians.
// Run: npx tsx scripts/bench/stream.ts   (part of npm run bench; writes bench-results/stream.json)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { broadcastAll } from '../../src/live/store.js';
import { signSession } from '../../src/session/session.js';

const ROOT = resolve(import.meta.dirname, '../..');
const N = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const RUNS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-session-secret-0123456789abcdef';

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a server and resolves once `ready` is printed or `health` answers. */
function start(args: string[], env: Record<string, string> = {}, health?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${args[0]} did not start in 60 s`)), 60_000);
    const done = () => {
      clearTimeout(timer);
      ok(child);
    };
    child.on('exit', (code) => fail(new Error(`${args[0]} exited ${code}`)));
    child.stdout!.on('data', (d: Buffer) => /ready/.test(d.toString()) && done());
    if (health) {
      const poll = () =>
        fetch(health).then(
          (r) => (r.ok ? done() : setTimeout(poll, 200)),
          () => setTimeout(poll, 200),
        );
      poll();
    }
  });
}

/** Starts the clients, waits until all are connected; resolves the broadcast result later. */
async function clients(port: number, cookieFile: string) {
  const c = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/sse-clients.ts', String(port), String(N), cookieFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, number>[] = [];
  let wake: () => void = () => {};
  c.stdout!.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    wake();
  });
  const deadline = Date.now() + 120_000;
  const waitFor = async (key: string) => {
    while (!lines.some((l) => key in l)) {
      if (Date.now() > deadline) throw new Error(`clients: no "${key}" in 120 s`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    }
    return lines.find((l) => key in l)!;
  };
  await waitFor('connected');
  return { result: () => waitFor('received'), stop: () => c.kill('SIGTERM') };
}

interface Run {
  rssPerConnKb: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(server: ChildProcess, port: number, cookieFile: string, broadcast: () => Promise<void>): Promise<Run> {
  await sleep(1500);
  const before = rssKb(server.pid!);
  const cl = await clients(port, cookieFile);
  // Idle long enough for V8's idle-time collection: after 3 s the product's RSS still held the garbage
  // of 10,000 connections' set-up (15.7 KB per connection, against 8.4 KB after 20 s; bare: ~10 KB either way).
  await sleep(20_000);
  const after = rssKb(server.pid!);
  await broadcast();
  const r = await cl.result();
  cl.stop();
  return { rssPerConnKb: (after - before) / N, p50Ms: r.p50, p99Ms: r.p99 };
}

async function main() {
  const cookieFile = resolve(tmpdir(), 'stream-bench-cookies.txt');
  writeFileSync(
    cookieFile,
    Array.from({ length: N }, (_, i) => `sid=${signSession(SECRET, { role: 'planner', id: i + 1 }, Date.now())}`).join('\n'),
  );
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS stream_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE stream_bench');
  await admin.end();
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = '/stream_bench';
  const redisUrl = `${REDIS}/12`;
  const redis = new Redis(redisUrl);
  await redis.flushdb();

  const runs: { a: Run[]; b: Run[] } = { a: [], b: [] };
  for (let i = 0; i < RUNS; i++) {
    const bare = await start(['scripts/bench/servers/sse-bare.ts', '3201']);
    runs.a.push(await measure(bare, 3201, '-', async () => void (await fetch('http://127.0.0.1:3201/broadcast', { method: 'POST' }))));
    bare.kill('SIGTERM');
    const product = await start(
      ['src/main.ts'],
      {
        PORT: '3202',
        ROLE: 'web',
        REDIS_URL: redisUrl,
        DATABASE_URL: dbUrl.toString(),
        SESSION_SECRET: SECRET,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'test',
        // One client machine holds every connection here: lift the per-address caps meant for strangers.
        MAX_CONNECTIONS: String(N + 2000),
        MAX_CONNECTIONS_PER_IP: String(N + 2000),
        LIVE_MAX_PER_IP: String(N + 2000),
      },
      'http://127.0.0.1:3202/healthz',
    );
    // The product's channels carry its namespace (`dz:<ns>:`): read it off the key every boot writes.
    const planKey = (await redis.keys('dz:*:cfg:release-plan'))[0];
    if (!planKey) throw new Error('no dz:*:cfg:release-plan key: the product did not boot on this Redis database');
    const namespaced = new Redis(redisUrl, { keyPrefix: planKey.slice(0, -'cfg:release-plan'.length) });
    runs.b.push(await measure(product, 3202, cookieFile, () => broadcastAll(namespaced, 'broadcast', { t: Date.now() })));
    namespaced.disconnect();
    product.kill('SIGTERM');
    console.log(`run ${i + 1}:`, { a: runs.a.at(-1), b: runs.b.at(-1) });
    await sleep(2000);
  }
  redis.disconnect();
  const sum = (xs: Run[]) => ({
    rssPerConnKb: median(xs.map((r) => r.rssPerConnKb)),
    p50Ms: median(xs.map((r) => r.p50Ms)),
    p99Ms: median(xs.map((r) => r.p99Ms)),
  });
  const a = sum(runs.a);
  const b = sum(runs.b);
  const report = {
    at: new Date().toISOString(),
    connections: N,
    runs: RUNS,
    a_bare_node_http_sse: { ...a, runs: runs.a },
    b_product_stream: { ...b, runs: runs.b },
    ratios: { memory_b_over_a: b.rssPerConnKb / a.rssPerConnKb, p99_b_over_a: b.p99Ms / a.p99Ms },
    targets: { memory_b_over_a_max: 1.3, p99_b_over_a_max: 1.5 },
  };
  mkdirSync(resolve(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(resolve(ROOT, 'bench-results/stream.json'), JSON.stringify(report, null, 2));
  console.log(`\nbench-results/stream.json (${N} idle connections, median of ${RUNS})`);
  console.table({
    '(a) bare node:http SSE': { 'KB RSS/conn': +a.rssPerConnKb.toFixed(2), 'fan-out p50 ms': a.p50Ms, 'p99 ms': a.p99Ms },
    '(b) product stream': { 'KB RSS/conn': +b.rssPerConnKb.toFixed(2), 'fan-out p50 ms': b.p50Ms, 'p99 ms': b.p99Ms },
    'b / a': {
      'KB RSS/conn': +report.ratios.memory_b_over_a.toFixed(2),
      'fan-out p50 ms': +(b.p50Ms / a.p50Ms).toFixed(2),
      'p99 ms': +report.ratios.p99_b_over_a.toFixed(2),
    },
  });
}

await main();
process.exit(0);
