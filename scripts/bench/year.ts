/**
 * The product on a year of data (`npm run seed:year` first): how long boot, the reconciler and the
 * schedule rebuild take at that size, and every console page and report API's latency, each asked
 * ROUNDS times in a row by a signed-in ops account (p50, p95). Also the grab refusal and the reply
 * on the year's tables against a fresh database in the same run (their ratio is what must not move).
 * Usage: npx tsx scripts/bench/year.ts [--database-url URL] [--rounds 20] → bench-results/year.json
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Running, rebuildSchedules, start } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import { reconcile } from '../../src/grab/index.js';
import { upsertAccount } from '../../src/ops/index.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const URL_ = arg('database-url') ?? 'postgresql://postgres@127.0.0.1:5432/dz_year';
const ROUNDS = Number(arg('rounds') ?? 20);
const REDIS = 'redis://127.0.0.1:6379/13';
const OUT = join(import.meta.dirname, '../../bench-results');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10;
};

async function rows(): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: URL_ });
  await c.connect();
  const out: Record<string, number> = {};
  for (const t of ['requirements', 'work_orders', 'grab_events', 'messages', 'deposits', 'planners', 'suppliers', 'ops_audit']) {
    out[t] = Number((await c.query(`SELECT reltuples::bigint AS n FROM pg_class WHERE relname = $1`, [t])).rows[0].n);
  }
  await c.end();
  return out;
}

async function main() {
  const size = await rows();
  if (!size.requirements) throw new Error(`no year in ${URL_}: run npm run seed:year first`);
  const redis = new Redis(REDIS);
  await redis.flushdb(); // Redis empty: boot rebuilds everything from the year
  redis.disconnect();
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: URL_,
    REDIS_URL: REDIS,
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
    OPS_API_TOKEN: 'bench-ops-token-0123456789',
  });
  const t0 = performance.now();
  const app: Running = await start(config);
  const bootMs = performance.now() - t0;
  const t1 = performance.now();
  await reconcile(app.ctx);
  const reconcileMs = performance.now() - t1;
  const t2 = performance.now();
  const rebuilt = await rebuildSchedules(app.workerCtx ?? app.ctx);
  const rebuildMs = performance.now() - t2;
  console.log(
    `boot ${bootMs.toFixed(0)} ms · reconciler ${reconcileMs.toFixed(0)} ms · schedule rebuild ${rebuildMs.toFixed(0)} ms`,
    rebuilt,
  );

  const { email, password } = await upsertAccount(app.ctx, { email: `bench-${Date.now()}@example.com`, role: 'admin', name: '压测' });
  const login = await fetch(`${app.url}/api/ops/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ email, password }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const mid = Math.round(size.requirements / 2);
  const liveReq = (await app.ctx.db.requirement.findFirst({ where: { status: 'open' }, orderBy: { id: 'desc' } }))!.id;
  const busy = (await app.ctx.pool.query(`SELECT planner_id FROM work_orders GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows[0]
    .planner_id;
  const day = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);
  const grading = await fetch(`${app.url}/api/ops/grading`, {
    method: 'POST',
    headers: { cookie, origin: app.url, 'content-type': 'application/json' },
    body: '{}',
  });
  const gradingRun = ((await grading.json()) as { id: number }).id;

  const pages: [string, string][] = [
    ['dashboard', '/ops'],
    ['requirements', '/ops/requirements'],
    ['requirements status=open', '/ops/requirements?status=open'],
    ['requirements status=closed', '/ops/requirements?status=closed'],
    ['requirements destination', `/ops/requirements?destination=${encodeURIComponent('京都')}`],
    ['requirements from/to', `/ops/requirements?from=${day(200 * 86_400_000)}&to=${day(190 * 86_400_000)}`],
    ['requirements tier=A', '/ops/requirements?tier=A'],
    ['requirements flagged', '/ops/requirements?flagged=true'],
    ['requirements q=code', `/ops/requirements?q=Y${(mid + 1_048_576).toString(16).toUpperCase()}`],
    ['requirements page 500', '/ops/requirements?page=500'],
    ['requirement (a year ago)', `/ops/requirements/${Math.max(1, Math.round(size.requirements / 50))}`],
    ['requirement (mid-year)', `/ops/requirements/${mid}`],
    ['requirement (live)', `/ops/requirements/${liveReq}`],
    ['planners', '/ops/planners'],
    ['planner (busiest)', `/ops/planners/${busy}`],
    ['suppliers', '/ops/suppliers'],
    ['payments (30 days)', '/ops/payments'],
    ['audit', '/ops/audit'],
    ['grading preview', `/ops/grading/${gradingRun}`],
    ['api stats/today', '/api/ops/stats/today'],
    ['api stats/funnel 14d', `/api/ops/stats/funnel?from=${day(13 * 86_400_000)}&to=${day(0)}`],
    ['api stats/funnel 30d', `/api/ops/stats/funnel?from=${day(29 * 86_400_000)}&to=${day(0)}`],
    ['api payments', '/api/ops/payments'],
    ['api requirement timeline', `/api/ops/requirements/${mid}/timeline`],
  ];
  const results: { page: string; path: string; status: number; p50: number; p95: number; max: number }[] = [];
  for (const [name, path] of pages) {
    const ms: number[] = [];
    let status = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const res = await fetch(`${app.url}${path}`, { headers: { cookie } });
      await res.arrayBuffer();
      ms.push(performance.now() - t);
      status = res.status;
    }
    const r = { page: name, path, status, p50: pct(ms, 50), p95: pct(ms, 95), max: pct(ms, 100) };
    results.push(r);
    console.log(`${name.padEnd(28)} ${String(status).padEnd(4)} p50 ${String(r.p50).padStart(7)} ms  p95 ${String(r.p95).padStart(7)} ms`);
  }
  await app.stop();
  const seed = (() => {
    try {
      return JSON.parse(readFileSync(join(OUT, 'year-seed.json'), 'utf8'));
    } catch {
      return null;
    }
  })();
  mkdirSync(OUT, { recursive: true });
  const report = {
    machine: '2 shared cores, PostgreSQL 15 on the same machine',
    rows: size,
    seed: seed && { scale: seed.scale, seconds: seed.seconds, size: seed.size },
    bootMs: Math.round(bootMs),
    reconcileMs: Math.round(reconcileMs),
    rebuildMs: Math.round(rebuildMs),
    rebuilt,
    rounds: ROUNDS,
    pages: results,
    over300msP95: results.filter((r) => r.p95 > 300 && !r.page.startsWith('api stats/funnel')).map((r) => r.page),
    chartsOver1s: results.filter((r) => r.page.startsWith('api stats') && r.p95 > 1000).map((r) => r.page),
  };
  writeFileSync(join(OUT, 'year.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('written to bench-results/year.json');
}

await main();
process.exit(0);
