import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { grade, MIN_WON } from '../../src/ops/grading-formula.js';

describe('tier grading formula', () => {
  it('scores a strong planner with exact numbers and moves them up one tier', () => {
    // conversion (4+1)/(6+5) = 0.4545; speed 1 − 6/48 = 0.875; reliability 1 − 1/8 = 0.875; response 9/10 = 0.9
    const g = grade('B', { won: 8, expired: 1, chosen: 4, decided: 6, medianHoursToProposal: 6, releases: 10, answered: 9 });
    expect(g.parts).toEqual({ conversion: 0.4545, speed: 0.875, reliability: 0.875, response: 0.9 });
    // 0.35·0.4545 + 0.25·0.875 + 0.2·0.875 + 0.2·0.9 = 0.159075 + 0.21875 + 0.175 + 0.18 = 0.7328
    expect(g.score).toBe(0.7328);
    expect(g.to).toBe('A');
  });

  it('moves a planner who lets slots lapse and ignores releases down one tier', () => {
    // conversion 1/8 = 0.125; speed 0.5 (never proposed); reliability 1 − 3/3 = 0; response 1/10 = 0.1
    const g = grade('A', { won: 3, expired: 3, chosen: 0, decided: 3, medianHoursToProposal: null, releases: 10, answered: 1 });
    expect(g.score).toBe(0.1888); // 0.04375 + 0.125 + 0 + 0.02
    expect(g.to).toBe('B');
  });

  it('keeps S at the top, C at the bottom, and anyone with too few slots where they are', () => {
    const strong = { won: 10, expired: 0, chosen: 8, decided: 8, medianHoursToProposal: 1, releases: 5, answered: 5 };
    expect(grade('S', strong).to).toBe('S');
    const weak = { won: 5, expired: 5, chosen: 0, decided: 5, medianHoursToProposal: 48, releases: 5, answered: 0 };
    expect(grade('C', weak).to).toBe('C');
    const g = grade('B', { ...strong, won: MIN_WON - 1 });
    expect(g.to).toBe('B');
    expect(g.why).toContain('样本不足');
  });
});

describe('GRADING_CRON', () => {
  it('takes a 5- or 6-field cron pattern and refuses anything else at load, naming the variable', () => {
    expect(loadConfig({ NODE_ENV: 'test', GRADING_CRON: '0 3 * * 1' }).GRADING_CRON).toBe('0 3 * * 1');
    expect(loadConfig({ NODE_ENV: 'test', GRADING_CRON: '*/2 * * * * *' }).GRADING_CRON).toBe('*/2 * * * * *');
    expect(() => loadConfig({ NODE_ENV: 'test', GRADING_CRON: 'every monday' })).toThrow(/GRADING_CRON: must be a cron pattern/);
  });
});
