// The benchmarks. Run: npm run bench   (needs wrk: installed with apt-get when missing and root)
// Grab: (a) Koa hello world, (b) bare Koa + ioredis + trivial Lua, (c) the product's grab endpoint
// (session, every rule, journal to PostgreSQL) on a mix of winning and rejected grabs; (a2) is (a)
// driven by the same wrk Lua script as (c), a control for the client's own cost.
// 100 connections, 10 s a run, 3 rounds interleaved a/b/c; medians go to bench-results/grab.json.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { Redis } from 'ioredis';
import { signSession } from '../../src/session/session.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 100;
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'bench-session-secret-0123456789abcdef';
const OPS = 'bench-ops-token-0123456789';
const GROUPS = 10; // destinations; planners serve one each, so every requirement has ~200 candidates
const PLANNERS = 2000;
const SUPPLIERS = 300;
const REQS_PER_ROUND = 300;

function ensureWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') return; // wrk --version exits 1 but exists
    console.log('installing wrk (Debian package)');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'], { stdio: 'inherit' });
  }
}

function serve(args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    child.on('exit', (code) => fail(new Error(`${args[0]} exited ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (/ready|listening/.test(d.toString())) ok(child);
    });
  });
}

async function waitHealthy(url: string) {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  requests: number;
}

function ms(v: string, unit: string): number {
  return Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit];
}

function wrk(url: string, script?: string): Run {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const lat = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out);
    return m ? ms(m[1], m[2]) : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: lat('50'),
    p99: lat('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)![1]),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function post(url: string, path: string, body: unknown) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ id: number }>;
}

async function main() {
  ensureWrk();
  const dbName = 'grab_bench';
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${dbName}`;
  const redisUrl = `${REDIS}/14`;
  const flush = new Redis(redisUrl);
  await flush.flushdb();
  flush.disconnect();

  const [pa, pb, pc] = [3101, 3102, 3103];
  const children = [
    await serve(['scripts/bench/servers/koa-hello.ts', String(pa)]),
    await serve(['scripts/bench/servers/koa-redis.ts', String(pb), `${REDIS}/15`]),
  ];
  const product = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(pc),
      REDIS_URL: redisUrl,
      DATABASE_URL: dbUrl.toString(),
      OPS_API_TOKEN: OPS,
      SESSION_SECRET: SECRET,
      TIER_DELAYS: 'S:0,A:0,B:0,C:0',
      GRAB_RATE_IP: '1000000000',
      GRAB_RATE_PLANNER: '1000000',
      DAILY_GRAB_QUOTA: '1000000',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test', // production needs real WeChat credentials
    },
  });
  children.push(product);
  const cUrl = `http://127.0.0.1:${pc}`;
  await waitHealthy(`${cUrl}/healthz`);

  try {
    console.log(`setting up ${SUPPLIERS} suppliers and ${PLANNERS} planners`);
    const suppliers = [];
    for (let i = 0; i < SUPPLIERS; i++) suppliers.push((await post(cUrl, '/api/ops/suppliers', { name: `bench-${i}` })).id);
    const groups: string[][] = Array.from({ length: GROUPS }, () => []);
    const tiers = ['S', 'A', 'B', 'C'];
    for (let i = 0; i < PLANNERS; i++) {
      const g = i % GROUPS;
      const p = await post(cUrl, '/api/ops/planners', {
        supplierId: suppliers[i % SUPPLIERS],
        name: `bench-${i}`,
        phone: `166${String(i).padStart(8, '0')}`,
        tier: tiers[i % 4],
        destinations: [`D${g}`],
        maxActive: 1 + (i % 40),
        openid: `bench-${i}`,
      });
      groups[g].push(`sid=${signSession(SECRET, { role: 'planner', id: p.id })}`);
    }

    const results: Record<'a' | 'a2' | 'b' | 'c', Run[]> = { a: [], a2: [], b: [], c: [] };
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    for (let round = 1; round <= ROUNDS; round++) {
      // A fresh batch of requirements per round keeps a mix of wins and rejections in every run.
      const batch: { id: number; g: number }[] = [];
      for (let i = 0; i < REQS_PER_ROUND; i++) {
        const g = i % GROUPS;
        const r = await post(cUrl, '/api/ops/requirements', {
          traveler: { name: '压测', phone: `155${String(round * 10_000 + i).padStart(8, '0')}` },
          subject: 'individual',
          origin: '上海',
          destinations: [`D${g}`],
          departDate: day,
          returnDate: day,
          adults: 2,
          children: 0,
          budgetFen: 1_000_000,
          plannersWanted: 3,
        });
        batch.push({ id: r.id, g });
      }
      await new Promise((r) => setTimeout(r, 2000)); // releases (all tiers at 0 s) run on the worker
      const lua = resolve(tmpdir(), `grab-bench-${round}.lua`);
      writeFileSync(
        lua,
        `
local groups = { ${groups.map((g) => `{ ${g.map((c) => `"${c}"`).join(',')} }`).join(',\n')} }
local reqs = { ${batch.map((b) => `{${b.id},${b.g + 1}}`).join(',')} }
request = function()
  local r = reqs[math.random(#reqs)]
  local g = groups[r[2]]
  return wrk.format("POST", "/api/planner/grabs", { ["Content-Type"] = "application/json", ["Cookie"] = g[math.random(#g)] }, '{"requirementId":' .. r[1] .. '}')
end
`,
      );
      results.a.push(wrk(`http://127.0.0.1:${pa}/`));
      results.a2.push(wrk(`http://127.0.0.1:${pa}/`, lua));
      results.b.push(wrk(`http://127.0.0.1:${pb}/`));
      results.c.push(wrk(`${cUrl}/api/planner/grabs`, lua));
      console.log(`round ${round}:`, Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.at(-1)])));
    }

    const summary = Object.fromEntries(
      Object.entries(results).map(([k, runs]) => [
        k,
        { rps: median(runs.map((r) => r.rps)), p50Ms: median(runs.map((r) => r.p50)), p99Ms: median(runs.map((r) => r.p99)), runs },
      ]),
    ) as Record<'a' | 'a2' | 'b' | 'c', { rps: number; p50Ms: number; p99Ms: number; runs: Run[] }>;
    const wins = results.c.reduce((s, r) => s + r.requests - r.non2xx, 0);
    const report = {
      at: new Date().toISOString(),
      machine: { cores: (await import('node:os')).cpus().length, node: process.version },
      settings: {
        connections: CONNECTIONS,
        seconds: SECONDS,
        rounds: ROUNDS,
        planners: PLANNERS,
        suppliers: SUPPLIERS,
        requirementsPerRound: REQS_PER_ROUND,
      },
      a_koa_hello: summary.a,
      a2_koa_hello_same_client_script: summary.a2,
      b_koa_ioredis_lua: summary.b,
      c_grab_endpoint: { ...summary.c, grabs: results.c.reduce((s, r) => s + r.requests, 0), wins2xx: wins },
      ratios: {
        b_over_a: summary.b.rps / summary.a.rps,
        c_over_a: summary.c.rps / summary.a.rps,
        c_over_a2: summary.c.rps / summary.a2.rps,
        c_p99_over_a_p99: summary.c.p99Ms / summary.a.p99Ms,
      },
      targets: { c_over_a_min: 0.5, c_p99_max_ms: 25 },
    };
    mkdirSync(resolve(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(resolve(ROOT, 'bench-results/grab.json'), JSON.stringify(report, null, 2));
    console.log('\nbench-results/grab.json (medians of %d rounds, %d connections, %d s each)', ROUNDS, CONNECTIONS, SECONDS);
    console.table({
      '(a) Koa hello': { 'req/s': Math.round(summary.a.rps), 'p50 ms': summary.a.p50Ms, 'p99 ms': summary.a.p99Ms, 'vs (a)': 1 },
      "(a2) Koa hello, (c)'s wrk script": {
        'req/s': Math.round(summary.a2.rps),
        'p50 ms': summary.a2.p50Ms,
        'p99 ms': summary.a2.p99Ms,
        'vs (a)': +(summary.a2.rps / summary.a.rps).toFixed(3),
      },
      '(b) Koa+ioredis Lua': {
        'req/s': Math.round(summary.b.rps),
        'p50 ms': summary.b.p50Ms,
        'p99 ms': summary.b.p99Ms,
        'vs (a)': +report.ratios.b_over_a.toFixed(3),
      },
      '(c) grab endpoint': {
        'req/s': Math.round(summary.c.rps),
        'p50 ms': summary.c.p50Ms,
        'p99 ms': summary.c.p99Ms,
        'vs (a)': +report.ratios.c_over_a.toFixed(3),
      },
    });
    console.log(`grab mix: ${report.c_grab_endpoint.grabs} grabs, ${wins} won (2xx), the rest rejected`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
  }
}

await main();
process.exit(0);
