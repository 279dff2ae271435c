/**
 * The product on a year of data (`npm run seed:year` first): how long boot, the reconciler and the
 * schedule rebuild take at that size, and every console page and report API's latency, each asked
 * ROUNDS times in a row by a signed-in ops account (p50, p95). Also the grab refusal and the reply
 * on the year's tables against a fresh database in the same run (their ratio is what must not move).
 * Usage: npx tsx scripts/bench/year.ts [--database-url URL] [--rounds 20] → bench-results/year.json
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Running, rebuildSchedules, start } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import { reconcile } from '../../src/grab/index.js';
import { migrate } from '../../src/infra/migrate.js';
import { upsertAccount } from '../../src/ops/index.js';
import { signSession } from '../../src/session/index.js';

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

const run = promisify(execFile);
const TOKEN = 'bench-ops-token-0123456789';
const SECRET = 'bench-session-secret-0123456789abcdef';
const configFor = (databaseUrl: string) =>
  loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: REDIS,
    SESSION_SECRET: SECRET,
    OPS_API_TOKEN: TOKEN,
    TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600',
    GRAB_RATE_IP: '100000000',
    GRAB_RATE_PLANNER: '100000000',
    DAILY_GRAB_QUOTA: '100000',
  });

/**
 * The hot paths on this database: 300 wins (100 requirements, three S planners of three suppliers
 * each, grabbing at once) timed one by one, and refusals (a C planner before C's release) driven by
 * wrk for 10 s, with this process's CPU per refusal (the product runs in it; wrk apart).
 */
async function hotPaths(app: Running) {
  const post = (path: string, body: unknown) =>
    fetch(`${app.url}/api/ops${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ id: number }>);
  const tag = `${Date.now() % 1_000_000}`;
  const place = `热路径${tag}`;
  const planners: number[] = [];
  for (const [i, tier] of (['S', 'S', 'S', 'C'] as const).entries()) {
    const s = await post('/suppliers', { name: `热路径社${tag}-${i}` });
    const p = await post('/planners', {
      supplierId: s.id,
      name: `热${i}`,
      phone: `136${tag.padStart(6, '0')}${i}0`.slice(0, 11),
      tier,
      destinations: [place],
      maxActive: 500,
      openid: `o-hot-${tag}-${i}`,
    });
    planners.push(p.id);
  }
  const reqs: number[] = [];
  for (let i = 0; i < 100; i++)
    reqs.push(
      (
        await post('/requirements', {
          traveler: { name: '热路径', phone: '13500000000' },
          subject: 'individual',
          origin: '上海',
          destinations: [place],
          departDate: '2099-05-01',
          returnDate: '2099-05-08',
          adults: 2,
          children: 0,
          budgetFen: 3_000_000,
          plannersWanted: 3,
        })
      ).id,
    );
  await new Promise((ok) => setTimeout(ok, 1_000));
  const cookie = (id: number) => `sid=${signSession(SECRET, { role: 'planner', id })}`;
  const grab = async (plannerId: number, requirementId: number) => {
    const t = performance.now();
    const res = await fetch(`${app.url}/api/planner/grabs`, {
      method: 'POST',
      headers: { cookie: cookie(plannerId), 'content-type': 'application/json' },
      body: JSON.stringify({ requirementId, channel: 'h5' }),
    });
    await res.arrayBuffer();
    return { ms: performance.now() - t, status: res.status };
  };
  const wins: number[] = [];
  const statuses: Record<number, number> = {};
  for (let i = 0; i < reqs.length; i += 10) {
    const batch = reqs.slice(i, i + 10).flatMap((r) => planners.slice(0, 3).map((p) => grab(p, r)));
    for (const g of await Promise.all(batch)) {
      statuses[g.status] = (statuses[g.status] ?? 0) + 1;
      if (g.status === 201) wins.push(g.ms);
    }
  }
  console.log('grabs by status', JSON.stringify(statuses));
  const script = join(OUT, 'year-grab.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '{"requirementId":${reqs[0]},"channel":"h5"}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Cookie"] = "${cookie(planners[3])}"\n`,
  );
  // wrk runs beside this process (the product answers in it): asynchronously, or nothing would answer.
  const c0 = process.cpuUsage();
  const { stdout: out } = await run('wrk', ['-t2', '-c50', '-d10s', '-s', script, `${app.url}/api/planner/grabs`]);
  const used = process.cpuUsage(c0);
  const requests = Number(/(\d+) requests in/.exec(out)![1]);
  return {
    wins: wins.length,
    winP50Ms: pct(wins, 50),
    winP95Ms: pct(wins, 95),
    refusalsPerSecond: Math.round(requests / 10),
    refusalUsCpu: Math.round(((used.user + used.system) / requests) * 10) / 10,
  };
}

async function main() {
  const size = await rows();
  if (!size.requirements) throw new Error(`no year in ${URL_}: run npm run seed:year first`);
  const redis = new Redis(REDIS);
  await redis.flushdb(); // Redis empty: boot rebuilds everything from the year
  redis.disconnect();
  const config = configFor(URL_);
  // The seed leaves its last days' messages queued (thousands; a live marketplace has a handful): as
  // sent, or this process's workers would spend the run sending them to the sandbox.
  {
    const c = new pg.Client({ connectionString: URL_ });
    await c.connect();
    await c.query(`UPDATE messages SET state = 'delivered' WHERE state = 'queued'`);
    await c.end();
  }
  // Migrations first (this build's indexes, built concurrently on the year's tables), timed apart from boot.
  const tm = performance.now();
  const applied = await migrate(URL_);
  const migrateMs = performance.now() - tm;
  console.log(`migrations ${applied.length ? applied.join(', ') : '(none)'}: ${migrateMs.toFixed(0)} ms`);
  const t0 = performance.now();
  const app: Running = await start(config);
  const bootMs = performance.now() - t0;
  const t1 = performance.now();
  await reconcile(app.ctx);
  const reconcileMs = performance.now() - t1;
  // The boot's own rebuild runs in the background holding the lock: wait it out, then time one.
  let rebuilt = null;
  let rebuildMs = 0;
  for (let i = 0; i < 600 && !rebuilt; i++) {
    const t2 = performance.now();
    rebuilt = await rebuildSchedules(app.workerCtx ?? app.ctx);
    rebuildMs = performance.now() - t2;
    if (!rebuilt) await new Promise((ok) => setTimeout(ok, 500));
  }
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
    ['api payments 30d', `/api/ops/payments?from=${day(29 * 86_400_000)}&to=${day(0)}`],
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
  const year = await hotPaths(app);
  await app.stop();
  // The same hot paths on a fresh database, in the same run: the ratio is what must not move.
  const admin = new pg.Client({ connectionString: URL_.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS dz_year_fresh WITH (FORCE)');
  await admin.query('CREATE DATABASE dz_year_fresh');
  const r2 = new Redis(REDIS);
  await r2.flushdb();
  r2.disconnect();
  const fresh = await start(configFor(URL_.replace(/\/[^/]*$/, '/dz_year_fresh')));
  const empty = await hotPaths(fresh);
  await fresh.stop();
  await admin.query('DROP DATABASE IF EXISTS dz_year_fresh WITH (FORCE)');
  await admin.end();
  const hot = {
    year,
    fresh: empty,
    ratios: {
      winP50: Math.round((year.winP50Ms / empty.winP50Ms) * 100) / 100,
      refusalCpu: Math.round((year.refusalUsCpu / empty.refusalUsCpu) * 100) / 100,
      refusalRate: Math.round((year.refusalsPerSecond / empty.refusalsPerSecond) * 100) / 100,
    },
  };
  console.log('hot paths, year against fresh:', JSON.stringify(hot));
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
    migrations: { applied, ms: Math.round(migrateMs) },
    bootMs: Math.round(bootMs),
    reconcileMs: Math.round(reconcileMs),
    rebuildMs: Math.round(rebuildMs),
    rebuilt,
    rounds: ROUNDS,
    pages: results,
    hotPaths: hot,
    over300msP95: results.filter((r) => r.p95 > 300 && !r.page.startsWith('api stats/funnel')).map((r) => r.page),
    chartsOver1s: results.filter((r) => r.page.startsWith('api stats') && r.p95 > 1000).map((r) => r.page),
  };
  writeFileSync(join(OUT, 'year.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('written to bench-results/year.json');
}

await main();
process.exit(0);
