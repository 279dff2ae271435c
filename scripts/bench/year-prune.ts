/**
 * The attempts table's retention, caught up on a year (`npm run seed:year` first): every attempt
 * older than GRAB_EVENTS_KEEP_DAYS folded into per-requirement counts and deleted, as the hourly run
 * does it (pruneGrabEvents, 20,000 rows a statement), timed; then one more run, as an hour later.
 * Usage: npx tsx scripts/bench/year-prune.ts [--database-url URL] → bench-results/year-prune.json
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { pruneGrabEvents } from '../../src/grab/index.js';

const i = process.argv.indexOf('--database-url');
const url = i > 0 ? process.argv[i + 1] : 'postgresql://postgres@127.0.0.1:5432/dz_year';
const pool = new pg.Pool({ connectionString: url, max: 1 });
const rows = async () => Number((await pool.query('SELECT count(*) AS n FROM grab_events')).rows[0].n);
const before = await rows();
const t0 = performance.now();
const folded = await pruneGrabEvents(pool, 90, Date.now());
const catchUpS = (performance.now() - t0) / 1000;
const t1 = performance.now();
const again = await pruneGrabEvents(pool, 90, Date.now());
const againMs = performance.now() - t1;
const after = await rows();
const rollups = Number((await pool.query('SELECT count(*) AS n FROM grab_attempt_rollups')).rows[0].n);
const report = {
  keepDays: 90,
  rowsBefore: before,
  folded,
  rowsAfter: after,
  rollups,
  catchUpSeconds: Math.round(catchUpS),
  rowsPerSecond: Math.round(folded / catchUpS),
  nextRunMs: Math.round(againMs),
  nextRunFolded: again,
};
console.log(report);
writeFileSync(join(import.meta.dirname, '../../bench-results/year-prune.json'), `${JSON.stringify(report, null, 2)}\n`);
await pool.end();
