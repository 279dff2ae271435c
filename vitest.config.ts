import { defineConfig } from 'vitest/config';

// Files that load the machine (storms, a real browser, forked processes on a clock) run one at a
// time after the rest, so none of them shares the 2 cores with another heavy file: a CPU-bound
// neighbour must not fail a test. (Browser files beside the parallel ones, or two at a time, were
// tried: the machine is CPU-bound there, so the suite took as long or longer, and a forked
// restart missed its 30 s.)
const HEAVY = ['test/grab/storm.test.ts', 'test/wechat/storm.test.ts', 'test/web/*.test.ts', 'test/security/cluster.test.ts'];
// Faults injected under load (processes killed, Redis restarted, PostgreSQL cut off): `npm run
// test:faults`, with the "cluster" project below; .ci/run runs it after `npm test`.
const FAULTS = [
  'test/grab/rolling.test.ts',
  'test/grab/pg-outage.test.ts',
  'test/grab/redis-outage.test.ts',
  'test/grab/outage.test.ts',
  'test/grab/durability.test.ts',
  'test/grab/backup.test.ts', // pg_dump, drop, pg_restore, boot (docs/operations.md, Backups)
  'test/infra/readiness.test.ts', // the Lua scripts flushed from Redis's cache: /readyz loads them
];
// The engine's tests, again on a local three-master Redis Cluster (test/cluster-setup.ts starts it):
// the grab rules and storms, the schedule (BullMQ), the event stream, live streams and replies.
const CLUSTER = [
  'test/grab/rules.test.ts',
  'test/grab/storm.test.ts',
  'test/grab/lifecycle.test.ts',
  'test/grab/matching.test.ts',
  'test/grab/journal.test.ts',
  'test/grab/dispatch.test.ts',
  'test/grab/schedule-rebuild.test.ts',
  'test/events/bus.test.ts',
  'test/live/stream.test.ts',
  'test/wechat/storm.test.ts',
  'test/wechat/callback.test.ts', // the reply path's first step: one script on one server, commands on a cluster
  'test/security/callback.test.ts', // and its replay guard
  'test/notify/notify.test.ts',
  'test/grab/redis-cluster.test.ts', // only here: the keys' slots, and a master restarted empty
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
        // each test file gets its own Redis db and PostgreSQL database, so these run side by side;
        // files share their worker's module cache (isolate: false): each paid ~2 s of imports and a
        // page bundle before, and every file starts its own app, so no state is shared but modules'
        test: {
          ...shared,
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: [...HEAVY, ...FAULTS, 'test/unit/**', 'test/grab/redis-cluster.test.ts'],
          maxWorkers: 3,
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: { ...shared, name: 'heavy', include: HEAVY, maxWorkers: 1, isolate: false, sequence: { groupOrder: 2 } },
      },
      {
        test: { ...shared, name: 'faults', include: FAULTS, maxWorkers: 1, sequence: { groupOrder: 3 } },
      },
      {
        test: {
          ...shared,
          name: 'cluster',
          include: CLUSTER,
          globalSetup: ['test/cluster-setup.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
