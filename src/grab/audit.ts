/**
 * The audit trail of grab attempts (wins and every rejection, with its code). Attempts arrive by
 * the thousand per second in a storm, so they are buffered and written in batches; wins are also
 * recorded as work orders, so a crash can lose at most a fraction of a second of rejections. For
 * the same reason its commits do not wait for the disk (boot.ts gives it a relaxed connection).
 *
 * A batch is one INSERT … SELECT FROM json_to_recordset on the pg pool: Prisma's createMany compiles
 * a statement per row count in WebAssembly, which cost a third of the grab endpoint's CPU.
 */
import type { Pool } from 'pg';
import type { AuditEntry } from '../context.js';
import { named } from '../infra/database.js';
import type { Logger } from '../log.js';

const FLUSH_MS = 250;
const BATCH = 2000;

// One JSON text per batch, turned into rows by PostgreSQL: JSON.stringify is native, where six
// arrays of thousands of elements were each escaped element by element by the pg driver in the web
// process. The times go as epoch ms and become UTC timestamps in PostgreSQL (formatting a string per
// attempt in JavaScript was a visible share of a storm's CPU).
const INSERT = `INSERT INTO grab_events (requirement_id, planner_id, channel, code, ip, at)
  SELECT r, p, c, code, ip, (to_timestamp(t / 1000.0) AT TIME ZONE 'UTC')::timestamp(3)
    FROM json_to_recordset($1::json) AS x(r int, p int, c "Channel", code text, ip text, t float8)`;

/** An attempt as the batch's JSON carries it (short names: thousands of them per batch). */
interface Row {
  r: number;
  p: number;
  c: string;
  code: string;
  ip: string | null;
  t: number;
}

export function createAudit(pool: Pool, log: Logger) {
  const buffer: Row[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  function write(batch: Row[]): Promise<void> {
    return pool.query(named(pool, 'dz-audit', INSERT, [JSON.stringify(batch)])).then(
      () => {},
      (err: Error) => log.error({ err: err.message, lost: batch.length }, 'audit batch not written'),
    );
  }

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    while (buffer.length) {
      const batch = buffer.splice(0, BATCH);
      writing = writing.then(() => write(batch));
    }
    await writing;
  }

  return {
    record(e: AuditEntry) {
      buffer.push({ r: e.requirementId, p: e.plannerId, c: e.channel, code: e.code, ip: e.ip ?? null, t: e.at });
      if (buffer.length >= BATCH) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    flush,
  };
}

const PRUNE_BATCH = 20_000;

/**
 * Retention of the attempts table (GRAB_EVENTS_KEEP_DAYS): rows older than the window are folded into
 * grab_attempt_rollups (per requirement and code: how many, the first) and deleted, in one statement
 * per batch, oldest first: each batch reads the oldest 20,000 rows by id (ids follow time) and
 * folds those past the window; a batch that finds fewer is the last. So a run with nothing to fold
 * reads 20,000 rows, not the table (a scan for `at` alone would walk millions: no index on `at` is
 * kept for it, the hot path would pay for it on every insert).
 * Returns how many rows were folded.
 */
export async function pruneGrabEvents(pool: Pool, keepDays: number, nowMs: number): Promise<number> {
  const cutoff = new Date(nowMs - keepDays * 86_400_000);
  let folded = 0;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `WITH old AS (
         DELETE FROM grab_events WHERE id IN (
           SELECT id FROM (SELECT id, at FROM grab_events ORDER BY id LIMIT ${PRUNE_BATCH}) oldest
            WHERE at < ($1::timestamptz AT TIME ZONE 'UTC'))
         RETURNING requirement_id, code, at),
       folded AS (
         INSERT INTO grab_attempt_rollups (requirement_id, code, attempts, first_at)
         SELECT requirement_id, code, count(*), min(at) FROM old GROUP BY 1, 2
         ON CONFLICT (requirement_id, code) DO UPDATE
           SET attempts = grab_attempt_rollups.attempts + excluded.attempts, first_at = least(grab_attempt_rollups.first_at, excluded.first_at)
         RETURNING 1)
       SELECT (SELECT count(*) FROM old)::int AS n`,
      [cutoff.toISOString()],
    );
    folded += rows[0].n;
    if (rows[0].n < PRUNE_BATCH) return folded;
  }
}
