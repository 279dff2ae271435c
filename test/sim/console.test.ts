/**
 * The console's side of the simulator, on the engine without HTTP: "from our data" fits only when
 * there are records enough and then says what it fitted; a request is recorded and queued, one at a
 * time; a queued run whose job Redis lost is queued again from PostgreSQL.
 */
import { Queue } from 'bullmq';
import { expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { queuePrefix } from '../../src/infra/keys.js';
import { previewFit, requestSimulation, requeueSimulations, SIM_QUEUE, simulationInput } from '../../src/sim/index.js';
import { withEngine } from '../factories.js';

const h = withEngine({}, { workers: false });
const request = simulationInput.parse({ scenario: 'ours', fitDays: 30, delays: { S: 0, A: 2, B: 5, C: 10 }, cap: 2, deadlineHours: 12 });

it('from our data: refused with why on a new marketplace; fitted and said in words once there are records', async () => {
  const empty = await previewFit(h.ctx, 30);
  expect(empty.ok).toBe(false);
  expect(empty.summary[0]).toMatch(/^近 30 天只有 0 个需求，不够拟合/);
  await expect(requestSimulation(h.ctx, request, 'test')).rejects.toMatchObject({ code: 'VALIDATION', field: 'scenario' });

  const s = await h.make.supplier();
  for (let i = 0; i < 3; i++) await h.make.planner({ supplierId: s.id, tier: i === 0 ? 'S' : 'B', destinations: ['京都', '巴黎'] });
  for (let i = 0; i < 32; i++) await h.make.requirement({ destinations: [i % 4 === 0 ? '巴黎' : '京都'], plannersWanted: 1 + (i % 3) });
  const fit = await previewFit(h.ctx, 30);
  expect(fit.ok).toBe(true);
  expect(fit.summary[0]).toMatch(/^近 30 天 32 个需求（每天约 1.1 个）/);
  expect(fit.summary[1]).toContain('京都（24）');
  expect(fit.summary.join('')).toContain('在岗定制师 3 位，分属 1 家供应商');
});

it('a run is recorded with the scenario it will use and queued; a second is refused while it waits; Redis losing the job loses nothing', async () => {
  const { id } = await requestSimulation(h.ctx, request, '运营小林');
  const run = await h.ctx.db.simulationRun.findUniqueOrThrow({ where: { id } });
  expect(run.status).toBe('queued');
  const scenario = run.scenario as { settings: { tierDelays: string; cap: number; proposalDeadline: number }; demand: { perDay: number } };
  expect(scenario.settings).toMatchObject({ tierDelays: 'S:0,A:120,B:300,C:600', cap: 2, proposalDeadline: 43_200 });
  expect(scenario.demand.perDay).toBeCloseTo(32 / 30, 1); // fitted from the records above

  const second = await requestSimulation(h.ctx, { ...request, scenario: 'tiny' }, '运营小林').catch((e) => e);
  expect(second).toBeInstanceOf(DomainError);
  expect(second.code).toBe('CONFLICT');
  expect(second.message).toContain(`#${id}`);

  const queue = new Queue(SIM_QUEUE, { connection: h.engine.queueConn, prefix: queuePrefix(h.ctx.ns, SIM_QUEUE) });
  try {
    expect(await queue.getJob(`sim-${id}`)).toBeDefined();
    await queue.obliterate({ force: true }); // what a Redis loss does to it
    expect(await queue.getJob(`sim-${id}`)).toBeUndefined();
    expect(await requeueSimulations(h.ctx)).toBe(1);
    expect((await queue.getJob(`sim-${id}`))?.data).toEqual({ id });
  } finally {
    await queue.close();
  }
});
