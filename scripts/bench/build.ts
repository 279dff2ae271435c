/**
 * The compiled build against tsx (issue 29 §1): the same product started both ways, interleaved,
 * three rounds each — time from spawn to the first 200 of /readyz, the process's RSS once ready and
 * after the load, and the web process's CPU per request on a refused grab (NOT_RELEASED: node:http,
 * the body, the signed cookie, the grab script; no database) driven by wrk for 10 s.
 * Usage: npx tsx scripts/bench/build.ts [--rounds 3] → bench-results/build.json
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { signSession } from '../../src/session/index.js';

const ROOT = join(import.meta.dirname, '../..');
const ROUNDS = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 3);
const PORT = 3411;
const DB = 'dz_bench_build';
const DATABASE_URL = `postgresql://postgres@127.0.0.1:5432/${DB}`;
const REDIS_URL = 'redis://127.0.0.1:6379/12';
const SECRET = 'bench-session-secret-0123456789abcdef';
const TOKEN = 'bench-ops-token-0123456789';
const env = {
  ...process.env,
  NODE_ENV: 'development',
  PORT: String(PORT),
  LOG_LEVEL: 'warn',
  DATABASE_URL,
  REDIS_URL,
  SESSION_SECRET: SECRET,
  OPS_API_TOKEN: TOKEN,
  TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600',
  GRAB_RATE_IP: '100000000',
  GRAB_RATE_PLANNER: '100000000',
};
const modes = {
  tsx: [process.execPath, ['--import', 'tsx', 'src/main.ts']],
  compiled: [process.execPath, ['--enable-source-maps', 'build/main.js']],
} as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 1/100 s
};
const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function boot(mode: keyof typeof modes): Promise<{ proc: ChildProcess; ms: number }> {
  const [bin, args] = modes[mode];
  const t0 = performance.now();
  const proc = spawn(bin, [...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, ms: performance.now() - t0 };
    if (performance.now() - t0 > 60_000) throw new Error(`${mode} never became ready`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function stop(proc: ChildProcess) {
  const gone = new Promise((ok) => proc.once('exit', ok));
  proc.kill('SIGTERM');
  await gone;
}
const api = (path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${PORT}/api/ops${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<{ id: number }>);

async function main() {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  // The market: one C-tier planner, a requirement released to S only (C waits an hour): every grab is refused NOT_RELEASED.
  const first = await boot('compiled');
  const s = await api('/suppliers', { name: '压测供应商' });
  const p = await api('/planners', {
    supplierId: s.id,
    name: '压测',
    phone: '13900009999',
    tier: 'C',
    destinations: ['京都'],
    maxActive: 5,
    openid: 'o-bench',
  });
  const r = await api('/requirements', {
    traveler: { name: '压测', phone: '13800009999' },
    subject: 'individual',
    origin: '上海',
    destinations: ['京都'],
    departDate: '2099-05-01',
    returnDate: '2099-05-08',
    adults: 2,
    children: 0,
    budgetFen: 3_000_000,
    plannersWanted: 3,
  });
  await stop(first.proc);
  const cookie = `sid=${signSession(SECRET, { role: 'planner', id: p.id })}`;
  const script = join(ROOT, 'bench-results/build-grab.lua');
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '{"requirementId":${r.id},"channel":"h5"}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Cookie"] = "${cookie}"\n`,
  );

  const runs: Record<string, { startMs: number[]; rssReadyMb: number[]; rssAfterMb: number[]; usPerRequest: number[]; rps: number[] }> = {
    tsx: { startMs: [], rssReadyMb: [], rssAfterMb: [], usPerRequest: [], rps: [] },
    compiled: { startMs: [], rssReadyMb: [], rssAfterMb: [], usPerRequest: [], rps: [] },
  };
  for (let round = 0; round < ROUNDS; round++)
    for (const mode of ['tsx', 'compiled'] as const) {
      const { proc, ms } = await boot(mode);
      await new Promise((ok) => setTimeout(ok, 2_000)); // the page bundle and the first rebuild settle
      const ready = rss(proc.pid!);
      // A short warm-up, then the measured run.
      execFileSync('wrk', ['-t2', '-c50', '-d3s', '-s', script, `http://127.0.0.1:${PORT}/api/planner/grabs`]);
      const before = cpu(proc.pid!);
      const out = execFileSync('wrk', ['-t2', '-c50', '-d10s', '-s', script, `http://127.0.0.1:${PORT}/api/planner/grabs`], {
        encoding: 'utf8',
      });
      const used = cpu(proc.pid!) - before;
      const requests = Number(/(\d+) requests in/.exec(out)![1]);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      if (non2xx !== requests) throw new Error(`expected every grab refused (409), got ${requests - non2xx} others`);
      const o = runs[mode];
      o.startMs.push(Math.round(ms));
      o.rssReadyMb.push(Math.round(ready));
      o.rssAfterMb.push(Math.round(rss(proc.pid!)));
      o.usPerRequest.push(Math.round((used / requests) * 1e6 * 10) / 10);
      o.rps.push(Math.round(requests / 10));
      console.log(
        `${mode.padEnd(9)} round ${round + 1}: start ${Math.round(ms)} ms, RSS ${Math.round(ready)} MB, ${o.usPerRequest.at(-1)} µs CPU/request, ${o.rps.at(-1)} req/s`,
      );
      await stop(proc);
    }
  const summary = Object.fromEntries(
    Object.entries(runs).map(([mode, o]) => [
      mode,
      {
        startMs: median(o.startMs),
        rssReadyMb: median(o.rssReadyMb),
        rssAfterMb: median(o.rssAfterMb),
        usPerRequest: median(o.usPerRequest),
        rps: median(o.rps),
        samples: o,
      },
    ]),
  ) as unknown as Record<'tsx' | 'compiled', { startMs: number; rssReadyMb: number; usPerRequest: number; rps: number }>;
  const ratios = {
    start: Math.round((summary.compiled.startMs / summary.tsx.startMs) * 100) / 100,
    rssReady: Math.round((summary.compiled.rssReadyMb / summary.tsx.rssReadyMb) * 100) / 100,
    cpuPerRequest: Math.round((summary.compiled.usPerRequest / summary.tsx.usPerRequest) * 100) / 100,
  };
  writeFileSync(
    join(ROOT, 'bench-results/build.json'),
    `${JSON.stringify({ what: 'compiled (npm start) against tsx (npm run dev): medians of interleaved rounds; ratios compiled/tsx', route: 'refused grab (NOT_RELEASED), wrk -c50 10 s', rounds: ROUNDS, ...summary, ratios }, null, 2)}\n`,
  );
  console.log('compiled/tsx:', ratios);
  redis.disconnect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
}

await main();
