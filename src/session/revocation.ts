/**
 * Ended sessions. Sessions are stateless signed tokens valid for days, so suspending or unbinding a
 * planner, or signing an ops account out, must refuse the tokens already out there. PostgreSQL is
 * the record (a suspended status refuses every session; `sessions_valid_after` refuses those issued
 * up to it), so a Redis that restarts empty forgets nothing: Redis only carries the news between
 * processes (pub/sub). Every web process keeps the list in memory, read from the record at start,
 * on a Redis reconnect and every 30 s, and kept current by the messages, so checking a session
 * costs no round trip. Listeners (the live hub) end streams at once.
 */

import { channelOf } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';
import type { Logger } from '../log.js';
import { issuedAt, type Session } from './session.js';

const channel = (redis: RedisClient) => channelOf(redis, 'revoked');
const RESYNC_MS = 30_000;

/** '*': every session of the user; a time (ms): the sessions issued up to it. */
export type Revocation = number | '*';

/** Where ended sessions are kept (PostgreSQL; boot.ts wires it). */
export interface RevocationRecord {
  /** Every user with ended sessions: "planner:7" → '*' (suspended) or the time up to which sessions are refused. */
  load(): Promise<Map<string, Revocation>>;
  /** Keeps "sessions issued up to `at` are refused" for the user ('*' is the user's status, which its caller writes). */
  save(user: string, at: number): Promise<void>;
}

export interface Revocations {
  /** True when this session was ended (its user suspended, or it was issued before an unbind or a sign-out). */
  refuses(s: Session): boolean;
  /** True while every session of the user is refused (suspended). */
  suspended(user: string): boolean;
  /** Ends sessions: '*' refuses every session of the user (its status says suspended); a time refuses those issued up to it. */
  revoke(user: string, what: Revocation): Promise<void>;
  /** Lifts a suspension (the caller wrote the status): sessions issued before now stay refused. */
  reinstate(user: string, nowMs: number): Promise<void>;
  /** Called with the user whenever sessions of theirs are ended, on any instance. */
  onRevoke(fn: (user: string) => void): void;
  /** Reads the record again now (a Redis loss is seen, a test wants it). */
  reload(): Promise<void>;
  /** Resolves once the list has been read at start (boot waits: no suspended session slips through). */
  ready: Promise<unknown>;
  close(): void;
}

export function createRevocations(
  redis: RedisClient,
  subscriber: RedisClient,
  record: RevocationRecord,
  log: Logger,
  now: () => number = Date.now,
): Revocations {
  let known = new Map<string, Revocation>();
  const listeners: ((user: string) => void)[] = [];
  // News that arrived while a load was reading the record: kept over what the load read.
  let seq = 0;
  const recent = new Map<string, { what: Revocation; seq: number }>();

  const apply = (user: string, what: Revocation) => {
    known.set(user, what);
    recent.set(user, { what, seq: ++seq });
  };
  const load = async () => {
    const from = seq;
    const next = await record.load();
    for (const [user, r] of recent) if (r.seq > from) next.set(user, r.what);
    recent.clear();
    known = next;
  };
  const reload = () => load().catch((err) => log.warn({ err }, 'revocations not reloaded from PostgreSQL'));
  const ready = load();
  subscriber.on('ready', () => void reload()); // after a reconnect: messages may have been missed
  subscriber.subscribe(channel(redis)).catch((err) => log.error({ err }, 'revocations cannot subscribe'));
  subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== channel(redis)) return;
    const { user, what } = JSON.parse(raw) as { user: string; what: Revocation };
    apply(user, what);
    for (const fn of listeners) fn(user);
  });
  const timer = setInterval(() => void reload(), RESYNC_MS);
  timer.unref();

  async function revoke(user: string, what: Revocation) {
    // The record first: a Redis loss after this forgets nothing. A suspension also ends the sessions
    // issued until now, so lifting it later never revives them, whichever process lifts it.
    await record.save(user, what === '*' ? now() : what);
    apply(user, what); // this instance refuses at once; the others on the message
    await redis.publish(channel(redis), JSON.stringify({ user, what }));
  }

  return {
    ready,
    revoke,
    reload,
    async reinstate(user, nowMs) {
      if (known.get(user) === '*') await revoke(user, nowMs);
    },
    refuses(s) {
      const v = known.get(`${s.role}:${s.id}`);
      return v !== undefined && (v === '*' || issuedAt(s) <= v);
    },
    suspended: (user) => known.get(user) === '*',
    onRevoke: (fn) => void listeners.push(fn),
    close() {
      clearInterval(timer);
      subscriber.disconnect();
    },
  };
}
