/**
 * The world a test needs, built through the capabilities on a connected context (no HTTP, no port):
 * suppliers, planners, requirements and wins exactly as ops and planners make them, with defaults a
 * test overrides where it is about them. HTTP stays for tests about HTTP (test/support.ts withApp).
 */
import { afterAll, beforeAll } from 'vitest';
import { type Connected, connect } from '../src/boot.js';
import type { Ctx, Workers } from '../src/context.js';
import { grab, startEngineWorkers } from '../src/grab/index.js';
import { parse } from '../src/http/body.js';
import { createPlanner, createSupplier, type PlannerInput, updateSupplier } from '../src/ops/index.js';
import { createRequirement, requirementInput } from '../src/requirements/index.js';
import { type Env, isolatedEnv, phone, requirementBody, testConfig, until } from './support.js';

let n = 0;
const unique = () => `${++n}-${Date.now().toString(36)}`;

export function factories(ctx: Ctx) {
  const f = {
    async supplier(over: { name?: string; status?: 'suspended' } = {}) {
      const s = await createSupplier(ctx, { name: over.name ?? `供应商-${unique()}` });
      if (over.status) await updateSupplier(ctx, s.id, { status: over.status, statusReason: '测试' });
      return s;
    },
    async planner(over: Partial<PlannerInput> = {}) {
      const id = unique();
      return createPlanner(ctx, {
        supplierId: over.supplierId ?? (await f.supplier()).id,
        name: `定制师${id}`,
        phone: phone(),
        tier: 'S',
        destinations: ['京都', '大阪'],
        maxActive: 5,
        openid: `openid-${id}`,
        ...over,
      });
    },
    /** A requirement as ops enter it (requirementBody's defaults, checked by the same input schema). */
    async requirement(over: Record<string, unknown> = {}) {
      return createRequirement(ctx, parse(requirementInput, requirementBody(over)));
    },
    /** Every tier due by now released (the lifecycle worker runs them). */
    async released(requirementId: number, tiers = 1) {
      await until(async () => (await ctx.db.release.count({ where: { requirementId } })) >= tiers);
    },
    grab: (plannerId: number, requirementId: number) => grab(ctx, { plannerId, requirementId, channel: 'h5' }),
  };
  return f;
}

/**
 * One connected engine per test file, on its own Redis db and database: the context, its factories
 * and (unless `workers: false`) the lifecycle worker that runs releases, deadlines and offers.
 */
export function withEngine(extra: Record<string, string> = {}, opts: { workers?: boolean } = {}) {
  const h = {} as { env: Env; engine: Connected; ctx: Ctx; make: ReturnType<typeof factories>; workers?: Workers };
  beforeAll(async () => {
    h.env = await isolatedEnv();
    h.engine = await connect(testConfig(h.env, extra));
    h.ctx = h.engine.ctx;
    if (opts.workers !== false) h.workers = startEngineWorkers(h.ctx, h.engine.queueConn);
    h.make = factories(h.ctx);
  });
  afterAll(async () => {
    await h.workers?.close();
    await h.engine?.close();
    await h.env?.release();
  });
  return h;
}
