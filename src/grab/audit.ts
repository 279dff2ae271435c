/**
 * The audit trail of grab attempts (wins and every rejection, with its code). Attempts arrive by
 * the thousand per second in a storm, so they are buffered and written in batches; wins are also
 * recorded as work orders, so a crash can lose at most a fraction of a second of rejections.
 *
 * A batch is one INSERT … SELECT FROM unnest(arrays) on the pg pool: Prisma's createMany compiles
 * a statement per row count in WebAssembly, which cost a third of the grab endpoint's CPU.
 */
import { sqlUtc } from '../format.js';
import type { Pool } from 'pg';
import type { AuditEntry } from '../context.js';
import type { Logger } from '../log.js';

const FLUSH_MS = 250;
const BATCH = 2000;

const INSERT = `INSERT INTO grab_events (requirement_id, planner_id, channel, code, ip, at)
  SELECT * FROM unnest($1::int[], $2::int[], $3::"Channel"[], $4::text[], $5::text[], $6::timestamp(3)[])`;

export function createAudit(pool: Pool, log: Logger) {
  const buffer: (AuditEntry & { at: Date })[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  function write(batch: (AuditEntry & { at: Date })[]): Promise<void> {
    const params = [
      batch.map((e) => e.requirementId),
      batch.map((e) => e.plannerId),
      batch.map((e) => e.channel),
      batch.map((e) => e.code),
      batch.map((e) => e.ip ?? null),
      batch.map((e) => sqlUtc(e.at.getTime())),
    ];
    return pool.query(INSERT, params).then(
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
      buffer.push({ ...e, at: new Date() });
      if (buffer.length >= BATCH) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
    },
    flush,
  };
}
