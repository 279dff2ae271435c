/**
 * `npm run seed` beside a running server: idempotent, prints the bind codes, the requirement codes
 * and where to click next, and schedules tier releases as the server does (docs/trying-it.md:
 * `TIER_DELAYS=S:0,A:0,B:0,C:0 npm start`, then a plain `npm run seed`).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { until, withApp } from '../support.js';

const h = withApp({ TIER_DELAYS: 'S:0,A:0,B:0,C:0' });
const run = promisify(execFile);

async function seed() {
  const env: Record<string, string | undefined> = {
    ...process.env,
    REDIS_URL: h.env.redisUrl,
    DATABASE_URL: h.env.databaseUrl,
    LOG_LEVEL: 'warn',
  };
  delete env.TIER_DELAYS; // a plain `npm run seed`: its own default would be S:0,A:120,B:300,C:600
  return (await run(process.execPath, ['--import', 'tsx', 'scripts/seed.ts'], { env, timeout: 60_000 })).stdout;
}

it('seeds once, prints what to type and where to click, and releases every tier as the running server would', async () => {
  const out = await seed();
  expect(out).toContain('tier releases as the running server schedules them: S:0,A:0,B:0,C:0');
  expect(out).toMatch(/bind code for .+: [2-9A-HJ-NP-Z]{8}/);
  expect(out).toMatch(/requirement [2-9A-Z]{6} .+: reply 抢 [2-9A-Z]{6}/);
  expect(out).toContain('/sandbox/phone');
  const reqs = await h.app.ctx.db.requirement.findMany({ select: { id: true } });
  expect(reqs).toHaveLength(3);
  // All four tiers released at once, not in 2, 5 and 10 minutes.
  await until(async () => (await h.app.ctx.db.release.count()) === reqs.length * 4);
  expect((await seed()).includes('seeded (0 new requirements)')).toBe(true); // idempotent
  expect(await h.app.ctx.db.requirement.count()).toBe(3);
}, 120_000);
