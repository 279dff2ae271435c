/**
 * The long-connection hub of one instance: Server-Sent Events to the browsers connected here.
 * One Redis subscriber per instance (not per connection) receives every live envelope; a
 * connection is a few closures and a socket, so idle connections cost little memory. Heartbeats
 * keep proxies from closing idle streams. One browser holds one connection per user: a newer
 * connection with the same browser id (`cid` cookie) and user replaces the older, on any instance.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Ctx } from '../context.js';
import { candidatesOf } from '../grab/index.js';
import { liveKeys } from '../infra/keys.js';
import type { RedisClient } from '../infra/redis.js';
import { type Envelope, eventsSince, type LiveEvent, liveChannel } from './store.js';

const HEARTBEAT_MS = 25_000;
const RETRY_MS = 2_000;
/** A draining process's streams come back spread over this long (hub.drain). */
export const RECONNECT_SPREAD_MS = 3_000;

interface Conn {
  id: string;
  user: string;
  cid: string;
  ip: string;
  openedAt: number;
  res: ServerResponse;
  replaying: LiveEvent[] | null; // live events held back while the replay is written
  /** The newest stored event written to this stream: an event is stored (XADD) before it is
   *  published, so a replay can already hold what pub/sub brings a moment later. */
  last: string;
}

/** A connection replaces only older ones: a notice that arrives late must not close a newer stream. */
type Control = { control: 'replaced'; user: string; cid: string; keep: string; openedAt: number };

/** "1700000000000-3" ids compare by time, then sequence. */
function after(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am > bm || (am === bm && as > bs);
}

function frame(e: LiveEvent): string {
  return `${e.id ? `id: ${e.id}\n` : ''}event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

const browserKey = liveKeys.browser;

export function createHub(ctx: Ctx, subscriber: RedisClient) {
  const byUser = new Map<string, Set<Conn>>();
  const byIp = new Map<string, Set<Conn>>(); // Sets keep insertion order: the first is the oldest
  const channel = liveChannel(ctx.redis);

  subscriber.subscribe(channel).catch((err) => ctx.log.error({ err }, 'live hub cannot subscribe'));
  subscriber.on('message', (_ch: string, raw: string) => {
    const msg = JSON.parse(raw) as Envelope | Control;
    if ('control' in msg) return replaced(msg);
    void deliver(msg).catch((err) => ctx.log.warn({ err }, 'live delivery failed'));
  });

  const beat = setInterval(() => {
    for (const set of byUser.values()) for (const c of set) c.res.write(': ping\n\n');
  }, HEARTBEAT_MS);
  beat.unref();

  function send(c: Conn, e: LiveEvent) {
    if (c.replaying) return void c.replaying.push(e);
    if (e.id) {
      if (c.last && !after(e.id, c.last)) return; // already written (by the replay)
      c.last = e.id;
    }
    c.res.write(frame(e));
  }

  async function deliver(m: Envelope) {
    if ('user' in m.to) {
      for (const c of byUser.get(m.to.user) ?? []) send(c, m.event);
      return;
    }
    if ('all' in m.to) {
      const f = frame(m.event); // one string for every stream
      for (const set of byUser.values()) for (const c of set) c.replaying ? c.replaying.push(m.event) : c.res.write(f);
      return;
    }
    // Requirement-wide: to the connected planners who are its candidates.
    if (byUser.size === 0) return;
    const candidates = await candidatesOf(ctx, m.to.requirement);
    for (const p of candidates) for (const c of byUser.get(`planner:${p}`) ?? []) send(c, m.event);
  }

  function replaced(m: Control) {
    for (const c of byUser.get(m.user) ?? []) {
      if (c.cid === m.cid && c.id !== m.keep && (c.openedAt < m.openedAt || (c.openedAt === m.openedAt && c.id < m.keep))) {
        c.res.write(frame({ type: 'replaced', data: { by: m.keep } }));
        c.res.end();
      }
    }
  }

  function remove(c: Conn) {
    for (const [index, key] of [
      [byUser, c.user],
      [byIp, c.ip],
    ] as const) {
      const set = index.get(key);
      set?.delete(c);
      if (set?.size === 0) index.delete(key);
    }
    // The browser's record outlives a stream only while it names a newer one.
    void ctx.redis
      .hget(browserKey(c.cid), c.user)
      .then((v) => (v === c.id ? ctx.redis.hdel(browserKey(c.cid), c.user) : 0))
      .catch(() => {});
  }

  /** Tells a stream why it ends, ends it, forgets it. */
  function endWith(c: Conn, e: LiveEvent) {
    c.res.write(frame(e));
    c.res.end();
    remove(c);
  }

  /** Keeps at most `max` streams in `set` once one more is added: the oldest are told and closed. */
  function makeRoom(set: Set<Conn> | undefined, max: number, reason: string) {
    if (!set) return;
    for (const old of set) {
      if (set.size < max) break;
      endWith(old, { type: 'replaced', data: { by: reason } });
    }
  }

  let draining = false;
  /** "Come back after a random wait within RECONNECT_SPREAD_MS": the browser's retry and our event say the same. */
  const reconnectFrames = () => {
    const inMs = Math.round(Math.random() * RECONNECT_SPREAD_MS);
    return `retry: ${inMs}\n${frame({ type: 'reconnect', data: { inMs } })}`;
  };

  return {
    /** Opens a stream: registers, replays what was missed after lastId, then flushes live events held back. */
    async open(res: ServerResponse, user: string, cid: string, ip: string, lastId: string | undefined): Promise<void> {
      if (draining) {
        // Going away, and a stream still arrived (over a kept-alive connection): sent elsewhere at
        // once, as the open ones were, on a connection that closes (so the next try finds another process).
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
        res.end(reconnectFrames());
        return;
      }
      // Caps: one session opening stream after stream (new browser ids each time) must not hold
      // thousands of sockets; the newest stream wins, as a reloaded page expects.
      makeRoom(byUser.get(user), ctx.config.LIVE_MAX_PER_USER, 'too-many-for-user');
      makeRoom(byIp.get(ip), ctx.config.LIVE_MAX_PER_IP, 'too-many-for-address');
      const c: Conn = { id: randomBytes(8).toString('hex'), user, cid, ip, openedAt: Date.now(), res, replaying: [], last: lastId ?? '' };
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        'x-content-type-options': 'nosniff',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx: do not buffer the stream
      });
      res.write(`retry: ${RETRY_MS}\n: connected ${c.id}\n\n`);
      if (!byUser.has(user)) byUser.set(user, new Set());
      byUser.get(user)!.add(c);
      if (!byIp.has(ip)) byIp.set(ip, new Set());
      byIp.get(ip)!.add(c);
      res.on('close', () => remove(c));
      // Seed: one long connection per browser and user. The record says which one it is; the others go.
      await ctx.redis.multi().hset(browserKey(cid), user, c.id).expire(browserKey(cid), 86_400).exec();
      await ctx.redis.publish(
        channel,
        JSON.stringify({ control: 'replaced', user, cid, keep: c.id, openedAt: c.openedAt } satisfies Control),
      );

      if (lastId) {
        for (const e of await eventsSince(ctx.redis, user, lastId)) {
          res.write(frame(e));
          c.last = e.id!;
        }
      }
      // What came before this line was missed while away: the page pops up only what is still actionable.
      res.write('event: caught-up\ndata: {}\n\n');
      const held = c.replaying!;
      c.replaying = null;
      for (const e of held) send(c, e);
    },
    /** Ends every stream of a user on this instance (their sessions were revoked). */
    end(user: string): void {
      for (const c of [...(byUser.get(user) ?? [])]) endWith(c, { type: 'revoked', data: {} });
    },
    connections(): number {
      let n = 0;
      for (const s of byUser.values()) n += s.size;
      return n;
    },
    /**
     * This process is going away (a deploy, a rolling restart): every stream is told to reconnect
     * (elsewhere: the port's other processes, the load balancer's other machines) after a random
     * wait within RECONNECT_SPREAD_MS, so thousands of pages do not arrive at the same instant.
     * What is published meanwhile is replayed from the history when they are back (Last-Event-ID).
     * A stream opened after this is told the same at once.
     */
    drain(): number {
      draining = true;
      let n = 0;
      for (const set of [...byUser.values()])
        for (const c of [...set]) {
          c.res.end(reconnectFrames());
          remove(c);
          n++;
        }
      return n;
    },
    async close(): Promise<void> {
      clearInterval(beat);
      for (const set of byUser.values()) for (const c of set) c.res.end();
      byUser.clear();
      subscriber.disconnect();
    },
  };
}

export type Hub = ReturnType<typeof createHub>;
