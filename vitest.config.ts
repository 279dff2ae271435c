import { defineConfig } from 'vitest/config';

// Files that load the machine (storms, a real browser) run one at a time after the rest, so none
// of them shares the 2 cores with another heavy file: a CPU-bound neighbour must not fail a test.
const HEAVY = [
  'test/grab/storm.test.ts',
  'test/wechat/storm.test.ts',
  'test/web/*.test.ts',
  'test/security/cluster.test.ts',
  'test/grab/rolling.test.ts',
];
const shared = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    projects: [
      {
        // pure logic by direct calls, no app booted: seconds (npm run test:unit)
        test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        // each test file gets its own Redis db and PostgreSQL database, so these run side by side
        test: {
          ...shared,
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: [...HEAVY, 'test/unit/**'],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: { ...shared, name: 'heavy', include: HEAVY, maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
