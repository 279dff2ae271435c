/**
 * The simulator's speed: simulated hours per wall second for the default scenario, one day and (with
 * --week) seven, today's policy, one replication each, median of --rounds rounds; the baseline in
 * the same run is the wall time of one empty simulated day (world built, the clock advanced hour by
 * hour, no requirements): what a day costs beyond the engine's work. Writes bench-results/simulate.json.
 *   npx tsx scripts/bench/simulate.ts [--rounds 3] [--week]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runOnce } from '../../src/sim/run.js';
import { loadScenario, scenarioFrom } from '../../src/sim/scenario.js';
import { simServer } from '../../src/sim/simulate.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, week: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const server = await simServer();
const base = loadScenario('default');
const empty = scenarioFrom({ name: 'empty', demand: { perDay: 0 } });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(scenario: typeof base, days: number) {
  const t0 = performance.now();
  const r = await runOnce({
    scenario,
    settings: scenario.settings,
    policy: 'grab-tiers',
    rung: scenario.behaviour.ladder,
    seed: 1,
    days,
    server,
  });
  const wallS = (performance.now() - t0) / 1000;
  const simulatedHours = (r.end - r.start) / 3_600_000;
  return {
    wallS,
    simulatedHours,
    hoursPerSecond: simulatedHours / wallS,
    requirements: r.requirements.length,
    steps: r.steps,
    jobs: r.jobs.run,
  };
}

const result: Record<string, unknown> = { when: new Date().toISOString(), rounds, server: server ? 'postgresql' : 'embedded' };
const samples: Record<string, Awaited<ReturnType<typeof timed>>[]> = { emptyDay: [], day: [] };
if (values.week) samples.week = [];
for (let i = 0; i < rounds; i++) {
  samples.emptyDay.push(await timed(empty, 1));
  samples.day.push(await timed(base, 1));
  if (values.week && i === 0) samples.week.push(await timed(base, 7)); // once: minutes
  console.log(`round ${i + 1}/${rounds}: day ${samples.day.at(-1)!.wallS.toFixed(1)} s`);
}
for (const [k, xs] of Object.entries(samples)) {
  result[k] = {
    wallS: Number(median(xs.map((x) => x.wallS)).toFixed(2)),
    simulatedHours: xs[0].simulatedHours,
    hoursPerWallSecond: Number(median(xs.map((x) => x.hoursPerSecond)).toFixed(3)),
    requirements: xs[0].requirements,
    steps: xs[0].steps,
    jobs: xs[0].jobs,
    samplesWallS: xs.map((x) => Number(x.wallS.toFixed(2))),
  };
}
const day = result.day as { wallS: number };
const emptyDay = result.emptyDay as { wallS: number };
result.dayOverEmptyDay = Number((day.wallS / emptyDay.wallS).toFixed(2));
writeFileSync('bench-results/simulate.json', `${JSON.stringify(result, null, 2)}\n`);
console.table(Object.fromEntries(Object.entries(samples).map(([k]) => [k, result[k] as Record<string, unknown>])), [
  'wallS',
  'simulatedHours',
  'hoursPerWallSecond',
  'requirements',
  'steps',
]);
process.exit(0);
