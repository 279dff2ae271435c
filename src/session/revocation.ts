/**
 * Ended sessions. Sessions are stateless signed tokens valid for days, so suspending or unbinding
 * a planner must be able to refuse the tokens already out there: a Redis hash says, per user,
 * "every session" (suspended) or "sessions issued up to t" (unbound, reactivated); every web
 * instance keeps a copy in memory, kept current by pub/sub and re-read on reconnect and every
 * 30 s, so checking a session costs no round trip. Listeners (the live hub) end streams at once.
 */
import type { RedisClient } from '../infra/redis.js';
import { channelOf, revokedHash } from '../infra/keys.js';
import type { Logger } from '../log.js';
import { issuedAt, type Session } from './session.js';

const HASH = revokedHash; // user ("planner:7") → "*" | ms since the epoch
const channel = (redis: RedisClient) => channelOf(redis, 'revoked');
const RESYNC_MS = 30_000;

export type Revocation = number | '*';

export interface Revocations {
  /** True when this session was ended (its user suspended, or it was issued before an unbind). */
  refuses(s: Session): boolean;
  /** True while every session of the user is refused (suspended). */
  suspended(user: string): boolean;
  /** Ends sessions: '*' refuses every session of the user from now on; a time refuses those issued up to it. */
  revoke(user: string, what: Revocation): Promise<void>;
  /** Lifts a suspension: sessions issued before now stay refused. */
  reinstate(user: string, nowMs: number): Promise<void>;
  /** Called with the user whenever sessions of theirs are ended, on any instance. */
  onRevoke(fn: (user: string) => void): void;
  /** Resolves once the list has been read at start (boot waits: no suspended session slips through). */
  ready: Promise<unknown>;
  close(): void;
}

function decode(v: string): Revocation {
  return v === '*' ? '*' : Number(v);
}

export function createRevocations(redis: RedisClient, subscriber: RedisClient, log: Logger): Revocations {
  let known = new Map<string, Revocation>();
  const listeners: ((user: string) => void)[] = [];

  const load = () =>
    redis.hgetall(HASH).then(
      (all) => (known = new Map(Object.entries(all).map(([u, v]) => [u, decode(v)]))),
      (err) => log.warn({ err }, 'revocations not reloaded'),
    );
  const ready = load();
  subscriber.on('ready', () => void load()); // after a reconnect: messages may have been missed
  subscriber.subscribe(channel(redis)).catch((err) => log.error({ err }, 'revocations cannot subscribe'));
  subscriber.on('message', (ch: string, raw: string) => {
    if (ch !== channel(redis)) return;
    const { user, what } = JSON.parse(raw) as { user: string; what: Revocation };
    known.set(user, what);
    for (const fn of listeners) fn(user);
  });
  const timer = setInterval(() => void load(), RESYNC_MS);
  timer.unref();

  async function revoke(user: string, what: Revocation) {
    known.set(user, what); // this instance refuses at once; the others on the message
    await redis.hset(HASH, user, String(what));
    await redis.publish(channel(redis), JSON.stringify({ user, what }));
  }

  return {
    ready,
    revoke,
    async reinstate(user, nowMs) {
      if ((await redis.hget(HASH, user)) === '*') await revoke(user, nowMs);
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
