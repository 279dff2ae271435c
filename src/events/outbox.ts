/**
 * Events decided inside a PostgreSQL transaction (a proposal, a choice) are written to the outbox
 * table in that same transaction, then appended to the event stream after the commit. A crash in
 * between leaves the row unpublished, and the reconciler appends it later: the event is never lost,
 * and appended twice it is the same event (same id), which listeners skip.
 */
import type { Pool } from 'pg';
import type { Prisma } from '../generated/prisma/client.js';
import type { EventBus } from './bus.js';
import { type DomainEvent, type NewEvent, withId } from './types.js';

/** Inside the transaction: remember the event. Returns it with its id (for `flushOutbox`). */
export async function toOutbox(tx: Prisma.TransactionClient, e: NewEvent): Promise<DomainEvent> {
  const event = withId(e);
  await tx.$executeRaw`INSERT INTO outbox (id, event) VALUES (${event.id}, ${JSON.stringify(event)}::jsonb) ON CONFLICT (id) DO NOTHING`;
  return event;
}

/** After the commit: append the events and mark them published. */
export async function flushOutbox(pool: Pool, bus: EventBus, events: DomainEvent[]): Promise<void> {
  if (!events.length) return;
  await bus.append(events);
  await pool.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::text[])', [events.map((e) => e.id)]);
}

/**
 * The reconciler: anything left unpublished for a few seconds (its process died) is appended now.
 * `before` runs first on those events: the steps the dead process was to take after its commit
 * (an unpublished event means they may not have happened; each is idempotent).
 */
export async function republishOutbox(
  pool: Pool,
  bus: EventBus,
  olderThanMs = 5_000,
  before: (events: DomainEvent[]) => Promise<void> = async () => {},
): Promise<number> {
  const { rows } = await pool.query<{ event: DomainEvent }>(
    `SELECT event FROM outbox WHERE published_at IS NULL AND created_at < now() - make_interval(secs => $1::float8 / 1000)
      ORDER BY created_at LIMIT 500`,
    [olderThanMs],
  );
  if (rows.length) await before(rows.map((r) => r.event));
  await flushOutbox(
    pool,
    bus,
    rows.map((r) => r.event),
  );
  await pool.query(`DELETE FROM outbox WHERE published_at < now() - interval '7 days'`);
  return rows.length;
}
