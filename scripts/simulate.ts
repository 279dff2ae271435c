/**
 * npm run simulate -- [--scenario file.json|name] [--seed N] [--days D] [--out dir] [--compare]
 *                     [--sweep] [--ladder] [--replications R] [--parallel P]
 * Simulated days through the real engine (src/sim/): writes <out>/metrics.json and <out>/report.html.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvariantViolation, loadScenario, metricsJson, renderReport, ScenarioError, simServer, simulate } from '../src/sim/simulate.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'default' },
    seed: { type: 'string', default: '1' },
    days: { type: 'string', default: '1' },
    out: { type: 'string', default: 'sim-out' },
    compare: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
    ladder: { type: 'boolean', default: false },
    replications: { type: 'string' },
    parallel: { type: 'string', default: '2' },
    'progress-json': { type: 'boolean', default: false },
  },
});

function int(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: must be a whole number from ${min} to ${max} (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

const started = Date.now();
try {
  const scenario = loadScenario(values.scenario);
  const days = int('days', values.days!, 1, 28);
  const compare = values.compare!;
  const replications = int('replications', values.replications ?? (compare ? '5' : '1'), 1, 30);
  const out = resolve(values.out!);
  const server = await simServer();
  console.log(
    `simulating "${scenario.name}" · seed ${values.seed} · ${days} day(s) · ${server ? 'PostgreSQL server' : 'embedded database'}`,
  );
  const sim = await simulate({
    scenario,
    seed: int('seed', values.seed!, 0, 2 ** 31),
    days,
    compare,
    sweep: values.sweep!,
    ladder: values.ladder!,
    replications,
    parallel: int('parallel', values.parallel!, 1, 8),
    server,
    progress: (line, done, total) =>
      console.log(
        values['progress-json']
          ? JSON.stringify({ done, total, line })
          : `[${done}/${total}] ${line} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      ),
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, 'metrics.json'), metricsJson(sim));
  writeFileSync(resolve(out, 'report.html'), renderReport(sim));
  const secs = (Date.now() - started) / 1000;
  console.log(`done in ${secs.toFixed(1)} s: ${resolve(out, 'report.html')} · ${resolve(out, 'metrics.json')}`);
  for (const p of sim.policies)
    console.log(
      `  ${p.label.padEnd(14)} filled ${p.metrics.filledShare} · first grab p50 ${((p.metrics.timeToFirstGrabP50Ms ?? 0) / 60_000).toFixed(1)} min · chosen ${p.metrics.chosenShare} · long tail ${p.metrics.longTailWinShare}`,
    );
  process.exit(0);
} catch (err) {
  if (err instanceof InvariantViolation) {
    console.error(
      `INVARIANT VIOLATED — ${err.message}\n  replay: npm run simulate -- --scenario ${values.scenario} --seed ${values.seed} --days ${values.days}  (${err.replay})`,
    );
    process.exit(3);
  }
  if (err instanceof ScenarioError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
