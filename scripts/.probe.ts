import { connect } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { funnel, listRequirements, today } from '../src/ops/index.js';

const c = await connect(
  loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/dz_year',
    REDIS_URL: 'redis://127.0.0.1:6379/13',
  }),
);
const t = async (name: string, f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  console.log(name, Math.round(performance.now() - t0));
};
await t('list', () => listRequirements(c.ctx, { page: 1, perPage: 20 }));
await t('list closed', () => listRequirements(c.ctx, { page: 1, perPage: 20, status: 'closed' }));
await t('list q', () => listRequirements(c.ctx, { page: 1, perPage: 20, q: 'Y87654' }));
await t('today', () => today(c.ctx));
await t('funnel', () => funnel(c.ctx, '2026-11-24', '2026-12-07'));
await c.close();
process.exit(0);
