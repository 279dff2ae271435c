/**
 * The event seam: one Redis stream per database (`events`), one consumer group per listener.
 * Why a stream: it is a durable log every process can append to in one round trip, each listener
 * reads it at its own pace, and an entry stays pending until that listener acknowledges it, so a
 * process that dies mid-work leaves the entry to be claimed by another (XAUTOCLAIM after
 * `retryMs`). Delivery is at least once; `done` marks per listener and event id make a redelivered
 * or republished event do nothing twice. BullMQ would need one job per (event, listener); the
 * journal records wins only. What the engine decides inside a PostgreSQL transaction goes through
 * the outbox (events/outbox.ts) first, so a crash between the commit and the append loses nothing.
 */

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { eventsStream, listenerDone, listenerFailures } from '../infra/keys.js';
import { duplicate, type RedisClient } from '../infra/redis.js';
import { within } from '../infra/within.js';
import type { Logger } from '../log.js';
import { type DomainEvent, type Listener, type NewEvent, withId } from './types.js';

const MAX_LEN = 100_000; // entries kept (approximately); far more than a day's events
const DONE_TTL_SEC = 7 * 86_400;

export interface EventBus {
  publish(e: NewEvent): Promise<DomainEvent>;
  /** Appends events that already carry their ids (the outbox). */
  append(events: DomainEvent[]): Promise<void>;
}

export function createEventBus(redis: RedisClient): EventBus {
  // Plain commands, not an ioredis pipeline (an object with a method per command, built per call:
  // in a burst of wins it cost more than the rest of a win's follow-up). Sent in order on one
  // connection, batched into one write by its auto-pipelining.
  const append = async (events: DomainEvent[]) => {
    await Promise.all(events.map((e) => redis.xadd(eventsStream, 'MAXLEN', '~', MAX_LEN, '*', 'e', JSON.stringify(e))));
  };
  return {
    async publish(e) {
      const event = withId(e);
      await append([event]);
      return event;
    },
    append,
  };
}

export interface ListenOptions {
  log: Logger;
  /** A pending entry idle this long is taken over (its consumer died, or its handling failed). */
  retryMs?: number;
  blockMs?: number;
  /** A listener's hold on one event while it works on it: another consumer waits this long before taking it over. */
  holdMs?: number;
  /** close() waits this long at most for the events in hand (default 10 s); one still unfinished stays pending for another consumer. */
  closeWithinMs?: number;
  /**
   * Poison events: one a listener failed on `attempts` times over at least `afterMs` is handed to
   * `keep` (PostgreSQL: events/dead-letters.ts) and acknowledged. Both bounds, so that an outage of
   * minutes (every event failing) does not bury good events. Without it an event is retried forever.
   */
  deadLetter?: { attempts: number; afterMs: number; keep(d: DeadLetterEntry): Promise<void> };
}

export interface DeadLetterEntry {
  listener: string;
  event: DomainEvent;
  error: string;
  attempts: number;
  firstFailedAt: Date;
}

/** A dead-lettered event appended again for one listener only (the others did theirs). */
export async function appendFor(redis: RedisClient, listener: string, event: DomainEvent): Promise<void> {
  await redis.del(listenerDone(listener, event.id));
  await redis.xadd(eventsStream, 'MAXLEN', '~', MAX_LEN, '*', 'e', JSON.stringify(event), 'only', listener);
}

export interface Listening {
  /** Resolves once every listener's consumer group exists (events appended from then on reach it). */
  ready: Promise<void>;
  close(): Promise<void>;
}

type Entry = [id: string, fields: string[]];

/** Runs each listener on its own consumer group, on its own blocking connection (duplicated from `redis`). */
export function listen(redis: RedisClient, listeners: Listener[], opts: ListenOptions): Listening {
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const retryMs = opts.retryMs ?? 15_000;
  const blockMs = opts.blockMs ?? 2_000;
  const holdMs = opts.holdMs ?? 60_000;
  let stopped = false;
  const conns: RedisClient[] = [];

  const poison = opts.deadLetter;

  /**
   * A failure counted; true when the event is given up on (N attempts and at least `afterMs` since
   * the first): kept in PostgreSQL by `poison.keep` first, so nothing is dropped if that fails.
   */
  async function failed(l: Listener, event: DomainEvent, err: unknown): Promise<boolean> {
    if (!poison) return false;
    const key = listenerFailures(l.name);
    const [n, first] = ((await redis.hget(key, event.id)) ?? '0:0').split(':').map(Number);
    const attempts = n + 1;
    const firstMs = first || Date.now();
    await redis.hset(key, event.id, `${attempts}:${firstMs}`);
    await redis.expire(key, DONE_TTL_SEC); // an entry of an event that later succeeded as a new entry goes with it
    if (attempts < poison.attempts || Date.now() - firstMs < poison.afterMs) return false;
    await poison.keep({
      listener: l.name,
      event,
      error: String((err as Error)?.message ?? err).slice(0, 2000),
      attempts,
      firstFailedAt: new Date(firstMs),
    });
    await redis.hdel(key, event.id);
    return true;
  }

  async function run(l: Listener, conn: RedisClient, created: () => void) {
    const group = l.name;
    // An existing group keeps its place across restarts. A new one starts from now when others
    // already read the stream (a listener added to a running product must not redo months of
    // history), and from the start when none does (a new or emptied Redis: everything in the
    // stream was appended since, e.g. the events the boot's reconciler republished).
    const others = (await redis.xinfo('GROUPS', eventsStream).catch(() => [])) as unknown[];
    await redis.xgroup('CREATE', eventsStream, group, others.length ? '$' : '0', 'MKSTREAM').catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
    created();
    const applicable = new Set<string>(l.applicableEvents);
    let lastClaim = 0;
    // Where the next take-over pass starts: passes walk the whole pending list, so entries that keep
    // failing (a poison event) cannot hide the ones behind them from every pass.
    let claimFrom = '0';

    /** `redelivered`: taken over from the pending list (a failed or abandoned try), so it may have failures on record. */
    async function one(entryId: string, event: DomainEvent, redelivered: boolean, only?: string) {
      // Not this listener's event, or a retry from the dead letters meant for another listener.
      if (!applicable.has(event.type) || (only && only !== l.name)) return void (await redis.xack(eventsStream, group, entryId));
      const mark = listenerDone(l.name, event.id);
      const claimed = await redis.set(mark, 'doing', 'PX', holdMs, 'NX');
      if (claimed !== 'OK') {
        // Done before (a republished event): acknowledge. Another consumer is on it: leave it pending.
        if ((await redis.get(mark)) === 'done') await redis.xack(eventsStream, group, entryId);
        return;
      }
      try {
        await l.handle(event);
      } catch (err) {
        const dead = await failed(l, event, err).catch((e) => {
          opts.log.error({ err: e, listener: l.name, event: event.id }, 'dead letter not kept; the event stays pending');
          return false;
        });
        if (dead) {
          opts.log.error({ err, listener: l.name, event: event.id }, 'listener gave up on the event: kept in dead_letters for the console');
          await redis.set(mark, 'done', 'EX', DONE_TTL_SEC);
          await redis.xack(eventsStream, group, entryId);
          return;
        }
        await redis.del(mark);
        opts.log.error({ err, listener: l.name, event: event.id }, 'listener failed; the event will be retried');
        return;
      }
      // A first delivery has no failure on record: no round trip for it on every event.
      if (poison && redelivered) await redis.hdel(listenerFailures(l.name), event.id);
      await redis.set(mark, 'done', 'EX', DONE_TTL_SEC);
      await redis.xack(eventsStream, group, entryId);
    }

    /**
     * A batch: lanes of events that must keep their order (same `orderBy` key; everything, without
     * one), run side by side up to `concurrency`. The commands of parallel lanes share round trips
     * (the connection auto-pipelines).
     */
    async function handle(entries: Entry[], redelivered: boolean) {
      const lanes = new Map<string | number, [string, DomainEvent, string | undefined][]>();
      for (const [entryId, fields] of entries) {
        if (!fields) continue; // trimmed away while pending
        const event = JSON.parse(fields[1]) as DomainEvent;
        const only = fields[2] === 'only' ? fields[3] : undefined;
        const key = l.orderBy ? l.orderBy(event) : (l.concurrency ?? 1) > 1 ? entryId : 0;
        const lane = lanes.get(key);
        if (lane) lane.push([entryId, event, only]);
        else lanes.set(key, [[entryId, event, only]]);
      }
      const queue = [...lanes.values()];
      const width = Math.max(1, Math.min(l.concurrency ?? 1, queue.length));
      await Promise.all(
        Array.from({ length: width }, async () => {
          // Stopping: the event in hand is finished, the rest of the batch stays pending in the stream
          // (not acknowledged) for the next consumer, so a shutdown waits for one event, not a hundred.
          for (let lane = queue.shift(); lane && !stopped; lane = queue.shift())
            for (const [id, e, only] of lane) {
              if (stopped) return;
              await one(id, e, redelivered, only);
            }
        }),
      );
    }

    while (!stopped) {
      try {
        if (Date.now() - lastClaim >= Math.min(retryMs, 5_000)) {
          lastClaim = Date.now();
          const [next, claimed] = (await redis.xautoclaim(eventsStream, group, consumer, retryMs, claimFrom, 'COUNT', 100)) as [
            string,
            Entry[],
          ];
          claimFrom = next; // '0-0' once the end is reached: the next pass starts over
          if (claimed.length) await handle(claimed, true);
        }
        const got = (await conn.xreadgroup('GROUP', group, consumer, 'COUNT', 100, 'BLOCK', blockMs, 'STREAMS', eventsStream, '>')) as
          | [string, Entry[]][]
          | null;
        if (got) await handle(got[0][1], false);
      } catch (err) {
        if (stopped) return;
        if ((err as Error).message?.includes('NOGROUP')) {
          // The stream was deleted under us (a wiped Redis): make the group again, from the start of
          // the new stream (what is in it was appended since the wipe).
          await redis.xgroup('CREATE', eventsStream, group, '0', 'MKSTREAM').catch(() => {});
          continue;
        }
        opts.log.warn({ err, listener: l.name }, 'event stream read failed; retrying');
        await new Promise((ok) => setTimeout(ok, 500));
      }
    }
  }

  const groups: Promise<void>[] = [];
  const runs = listeners.map((l) => {
    const conn = duplicate(redis);
    conn.on('error', () => {}); // reconnects by itself; reads report failures
    conns.push(conn);
    let created!: () => void;
    groups.push(new Promise<void>((ok) => (created = ok)));
    return run(l, conn, created).catch((err) => opts.log.error({ err, listener: l.name }, 'listener stopped'));
  });

  return {
    ready: Promise.all(groups).then(() => {}),
    async close() {
      stopped = true;
      for (const c of conns) c.disconnect(); // interrupts a blocked read
      // A handler stuck on a service that is down (a Redis Cluster without a master) must not hold
      // the process's shutdown forever: its event is not acknowledged, so another consumer redoes it.
      await within(Promise.all(runs), opts.closeWithinMs ?? 10_000, undefined);
    },
  };
}
