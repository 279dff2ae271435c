/**
 * The audit trail of grab attempts (wins and every rejection, with its code). Attempts arrive by
 * the thousand per second in a storm, so they are buffered and written in batches; wins are also
 * recorded as work orders, so a crash can lose at most a fraction of a second of rejections.
 */
import type { AuditEntry } from '../context.js';
import type { Db } from '../infra/database.js';
import type { Logger } from '../log.js';

const FLUSH_MS = 250;
const BATCH = 1000;

export function createAudit(db: Db, log: Logger) {
  let buffer: (AuditEntry & { at: Date })[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    while (buffer.length) {
      const batch = buffer.splice(0, BATCH);
      writing = writing.then(() =>
        db.grabEvent.createMany({ data: batch }).then(
          () => {},
          (err) => log.error({ err: (err as Error).message, lost: batch.length }, 'audit batch not written'),
        ),
      );
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
