/**
 * WEB_CONCURRENCY=2: two web processes share the port (node:cluster) while the primary runs the
 * workers; requests are spread over both; one scrape of /metrics shows every process; the product works through them (a release by the
 * primary's workers, a grab served by a web process); a signal stops them all cleanly. Without
 * DATABASE_URL it refuses to start, saying why.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../src/boot.js';
import { child, type Env, isolatedEnv, OPS_TOKEN, ops, phone, planner, requirementBody, testConfig, until } from '../support.js';

let env: Env;
beforeAll(async () => {
  env = await isolatedEnv();
});
afterAll(async () => {
  await env?.release();
});

it('two web processes on one port and the workers in the primary; a signal stops them all', async () => {
  const app = await child(env, { WEB_CONCURRENCY: '2', TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600' });
  try {
    // Each process labels its metrics with its pid, and one scrape of either web process shows all
    // three: both web processes and the primary (its workers), gathered over IPC.
    await until(async () => {
      const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
      const pids = new Set([...(await res.text()).matchAll(/^process_cpu_seconds_total\{pid="(\d+)"\}/gm)].map((m) => m[1]));
      return pids.size === 3 && pids.has(String(app.proc.pid));
    });
    // The product works through them: a requirement released by the primary's workers, a grab served by a web process.
    const s = (await ops(app.url).post('/suppliers', { name: `集群社-${phone()}` })).body;
    const p = (
      await ops(app.url).post('/planners', {
        supplierId: s.id,
        name: '集群',
        phone: phone(),
        tier: 'S',
        destinations: ['集群地'],
        maxActive: 2,
        openid: `o-cluster-${phone()}`,
      })
    ).body;
    const r = (await ops(app.url).post('/requirements', requirementBody({ destinations: ['集群地'], plannersWanted: 1 }))).body;
    const { ctx, close } = await connect(testConfig(env));
    try {
      await until(async () => (await ctx.db.release.count({ where: { requirementId: r.id, tier: 'S' } })) === 1);
      const won = await planner(app.url, ctx, p.id).grab(r.id);
      expect(won.status).toBe(201);
    } finally {
      await close();
    }
  } finally {
    app.proc.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  }
  expect(app.stderr()).not.toMatch(/exited \(/); // no web process died on the way
}, 90_000);

it('WEB_CONCURRENCY without DATABASE_URL is refused, saying why', async () => {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, WEB_CONCURRENCY: '2', DATABASE_URL: '', REDIS_URL: env.redisUrl, PORT: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((ok) => proc.on('exit', ok));
  expect(code).toBe(2);
  expect(stderr).toContain('WEB_CONCURRENCY: needs DATABASE_URL');
});

it('web processes that cannot start (the port is taken) are not restarted forever: the primary stops, failing', async () => {
  const squatter = createServer(() => {});
  await new Promise<void>((ok) => squatter.listen(0, '127.0.0.1', ok));
  const port = (squatter.address() as { port: number }).port;
  try {
    const app = await child(env, { WEB_CONCURRENCY: '2' }, { waitHealthy: false, port });
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toContain('web processes keep exiting: stopping');
  } finally {
    squatter.close();
  }
}, 120_000);
