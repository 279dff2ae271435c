/** The simulator's pure parts: seeded streams, the demand they draw, statistics, the Pareto front, scenario checks. */
import { describe, expect, it } from 'vitest';
import { gini, meanInterval, quantile } from '../../src/sim/metrics.js';
import { stream } from '../../src/sim/random.js';
import { loadScenario, ScenarioError, scenarioFrom, scenarioHash } from '../../src/sim/scenario.js';
import { paretoFront } from '../../src/sim/simulate.js';
import { beijingMidnight, drawDemand } from '../../src/sim/world.js';

describe('seeded streams', () => {
  it('give the same numbers for the same seed and purpose, different ones otherwise', () => {
    const a = Array.from({ length: 5 }, stream(7, 'planner', 3).next);
    const b = Array.from({ length: 5 }, stream(7, 'planner', 3).next);
    const c = Array.from({ length: 5 }, stream(7, 'planner', 4).next);
    const d = Array.from({ length: 5 }, stream(8, 'planner', 3).next);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(d);
    for (const x of a) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draw distributions with the asked mean (10,000 draws)', () => {
    const r = stream(1, 'test');
    const mean = (f: () => number) => Array.from({ length: 10_000 }, f).reduce((s, x) => s + x, 0) / 10_000;
    expect(mean(() => r.poisson(4))).toBeCloseTo(4, 0);
    expect(mean(() => r.exponential(2))).toBeCloseTo(2, 0);
    expect(mean(() => r.gamma(3, 2))).toBeCloseTo(6, 0);
    expect(
      quantile(
        Array.from({ length: 10_000 }, () => r.lognormal(50, 0.8)),
        0.5,
      ),
    ).toBeGreaterThan(45);
  });
});

describe('demand', () => {
  const s = loadScenario('default');
  const start = beijingMidnight(s.start);

  it('is the same for the same seed (every policy meets the same travelers), and follows the day’s curve', () => {
    const a = drawDemand(s, 3, 1, start);
    const b = drawDemand(s, 3, 1, start);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(150);
    expect(a.length).toBeLessThan(600);
    const night = a.filter((t) => (t.at - start) / 3_600_000 < 6).length;
    const day = a.filter((t) => (t.at - start) / 3_600_000 >= 9 && (t.at - start) / 3_600_000 < 15).length;
    expect(day).toBeGreaterThan(night * 5);
    expect(drawDemand(s, 4, 1, start)).not.toEqual(a);
  });
});

describe('statistics', () => {
  it('Gini: 0 when equal, near 1 when one takes all', () => {
    expect(gini([5, 5, 5, 5])).toBeCloseTo(0);
    expect(gini([0, 0, 0, 100])).toBeCloseTo(0.75);
  });

  it('a mean with its 95% interval (Student t) over replications', () => {
    const m = meanInterval([1, 2, 3, 4, 5]);
    expect(m.mean).toBe(3);
    expect(m.interval![0]).toBeCloseTo(3 - 2.776 * Math.sqrt(2.5 / 5), 3);
    expect(meanInterval([null, null]).mean).toBeNull();
  });
});

describe('the Pareto front', () => {
  it('keeps exactly the points nothing beats on every objective', () => {
    // (time to first grab, long-tail share): lower time is better, higher share is better.
    const grid = [
      { id: 'a', t: 10, share: 0.2 },
      { id: 'b', t: 20, share: 0.4 },
      { id: 'c', t: 30, share: 0.3 }, // beaten by b (slower and less spread)
      { id: 'd', t: 40, share: 0.6 },
      { id: 'e', t: 10, share: 0.1 }, // beaten by a (as fast, less spread)
      { id: 'f', t: 40, share: 0.6 }, // equal to d: neither beats the other
    ];
    const front = paretoFront(grid, [(p) => p.t, (p) => -p.share]);
    expect(grid.filter((_, i) => front[i]).map((p) => p.id)).toEqual(['a', 'b', 'd', 'f']);
  });
});

describe('scenarios', () => {
  it('a partial file is laid over the default; a bad field is named', () => {
    const s = scenarioFrom({ name: 'x', demand: { perDay: 10 } });
    expect(s.demand.perDay).toBe(10);
    expect(s.supply.planners).toBe(loadScenario('default').supply.planners);
    expect(() => scenarioFrom({ settings: { tierDelays: 'A:5' } })).toThrow(/settings\.tierDelays: must read like/);
    expect(() => scenarioFrom({ supply: { online: [1, 2] } })).toThrow(/supply\.online: must have 24 values/);
    expect(() => loadScenario('no-such-scenario')).toThrow(ScenarioError);
    expect(scenarioHash(s)).toBe(scenarioHash(scenarioFrom({ name: 'x', demand: { perDay: 10 } })));
    expect(scenarioHash(s)).not.toBe(scenarioHash(loadScenario('default')));
  });
});
