/**
 * Every Redis key and channel the product uses, named here and nowhere else. They live under one
 * namespace per database (`dz:<database id>:`, applied by the command connection's keyPrefix and
 * BullMQ's prefix): two checkouts sharing one local Redis never see, or wipe, each other's state,
 * and a database that is replaced starts from an empty namespace. A requirement's keys share the
 * hash tag {r<id>} and a planner's share {p<id>}, so each Lua script touches one Cluster slot.
 */
import type { RedisClient } from './redis.js';

/** The namespace of a database, from its identity (the first migration record's random id). */
export const namespaceOf = (identity: string) => `dz:${identity.replaceAll('-', '').slice(0, 12)}:`;
/** Unprefixed, shared by every namespace: checkout (data dir + database URL) → the namespace it used last. */
export const checkoutsHash = 'dz:checkouts';

/** Pub/sub is shared by every database of a Redis server: channels carry the namespace themselves. */
export const channelOf = (redis: RedisClient, name: 'live' | 'revoked') => `${redis.options.keyPrefix ?? ''}ch:${name}`;
/**
 * Keys matching a pattern, under the connection's namespace (SCAN's MATCH is not prefixed by
 * ioredis, and the keys it returns are full names): yields them as the connection names them. On a
 * cluster, every master is scanned (SCAN sees one node's keys).
 */
export async function* scanKeys(redis: RedisClient, pattern: string): AsyncGenerator<string[]> {
  const prefix = redis.options.keyPrefix ?? '';
  const nodes = redis.isCluster ? (redis as Extract<RedisClient, { nodes: unknown }>).nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}${pattern}`, 'COUNT', 500);
      if (keys.length) yield keys.map((k) => k.slice(prefix.length));
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * BullMQ's prefix for a queue (its keys are `<prefix>:<queue>:…`). The hash tag keeps each queue's
 * keys in one Cluster slot, as BullMQ's scripts need, and puts different queues on different slots.
 */
export const queuePrefix = (ns: string, queue: string) => `${ns}bull{${queue}}`;

// The engine's hot state (requirements, planners, its locks and its day buckets) is the engine's
// own: grab/keys.ts, importable only from grab/ (scripts/lint/layers.ts).

/** Held by the process deriving every schedule from PostgreSQL (boot.ts rebuildSchedules; one at a time). */
export const scheduleLock = 'lock:schedule';

// ── events (events/bus.ts) ──
export const eventsStream = 'events';
/** A listener's mark on one event: "doing" while it works, "done" after. */
export const listenerDone = (listener: string, eventId: string) => `events:done:${listener}:${eventId}`;
/** A listener's failures per event (hash: event id → `attempts:firstFailedMs`), until it succeeds or is dead-lettered. */
export const listenerFailures = (listener: string) => `events:failed:${listener}`;

// ── live streams (live/) ──
export const liveKeys = {
  /** A user's replayable live events ("planner:7"). */
  user: (user: string) => `live:{${user}}`,
  /** One browser's current stream per user (the newest wins). */
  browser: (cid: string) => `live:browser:{${cid}}`,
};

// ── Redis's own memory (infra/redis-loss.ts) ──
/** Set at start: gone means Redis lost its data, and what lives only there is derived again at once. */
export const redisMarker = 'marker:alive';

// ── the deposit (pay/deposit.ts) ──
/** A traveler back from the pay sheet asked WeChat Pay about this order: one query per order per 2 s. */
export const payReturnKey = (outTradeNo: string) => `pay:return:${outTradeNo}`;

// ── ops sign-in (ops/accounts.ts) ──
export const opsKeys = {
  /** Sign-in tries per account (by e-mail) and client address: a growing delay (throttle-1.lua). */
  loginThrottle: (email: string, ip: string) => `ops:login:a:${email}:${ip}`,
  /** Failed sign-ins per client address, whatever the account (a fixed window). */
  loginByIp: (ip: string) => `ops:login:ip:${ip}`,
};

// ── SMS proof of a phone (traveler/phone.ts) ──
export const smsKeys = {
  code: (openid: string, phone: string) => `sms:code:${openid}:${phone}`,
  perPhoneMinute: (phone: string) => `sms:rl:phone:${phone}:m`,
  perPhoneHour: (phone: string) => `sms:rl:phone:${phone}:h`,
  perUser: (openid: string) => `sms:rl:user:${openid}`,
};

// ── WeChat (wechat/) ──
export const wechatKeys = {
  /** A shared credential (access token, JS-SDK ticket) and the lock of whoever refreshes it. */
  credential: (name: 'access_token' | 'jsapi_ticket') => `wx:${name}`,
  credentialLock: (name: 'access_token' | 'jsapi_ticket') => `wx:${name}:lock`,
  /** A signed (timestamp, nonce) seen recently → sha1 of the body it came with (replay guard). */
  nonce: (timestamp: string, nonce: string) => `wx:nonce:${timestamp}:${nonce}`,
  /** A delivered message, by WeChat's MsgId → the reply given (WeChat's retries are answered the same). */
  message: (msgId: string) => `wx:msg:${msgId}`,
  /** Events have no MsgId: sender + CreateTime + event name, key and job MsgID identify WeChat's retries (two scans, or two job reports, in one second are two). */
  event: (openid: string, createTime: string, event: string) => `wx:evt:${openid}:${createTime}:${event}`,
  /** Bind attempts counted per WeChat user and per client IP (fixed windows). */
  bindByUser: (openid: string) => `wx:bind:u:${openid}`,
  bindByIp: (ip: string) => `wx:bind:ip:${ip}`,
  /** A bind QR code's scene → the planner it binds (single use: taken with GETDEL; expires with the code). */
  bindScene: (scene: string) => `wx:bind:scene:${scene}`,
  /** A user's customer-service window: when they last wrote (userAt, userUsed) or tapped (evtAt, evtUsed). */
  csWindow: (openid: string) => `wx:cs:${openid}`,
  /** WeChat user-tag ids of the planner tiers (tier → tag id), for mass sends by tier. */
  tierTags: 'wx:tier-tags',
  /** A planner's current bind QR scene (a new code or a revocation ends the old one). */
  bindSceneOf: (plannerId: number) => `wx:bind:planner:${plannerId}`,
};

// ── template messages (notify/) ──
export const notifyKeys = {
  /** Set while sending is paused (45009: the day's quota spent): {since, until, reason}. */
  paused: 'notify:paused',
  /** A delivery report that came before its message's msgid was recorded (the send's answer): its status. */
  earlyDelivery: (msgid: string) => `notify:delivery:${msgid}`,
};

// ── the local WeChat (sandbox/) ──
export const sandboxKeys = {
  token: (t: string) => `sandbox:token:${t}`,
  /** The stable token of the moment (stable_token hands it out again until it expires or is forced). */
  stableToken: 'sandbox:stable-token',
  ticket: (t: string) => `sandbox:ticket:${t}`,
  tokensIssued: 'sandbox:tokens-issued',
  inbox: (openid: string) => `sandbox:inbox:${openid}`,
  chat: (openid: string) => `sandbox:chat:${openid}`,
  users: 'sandbox:users',
  faults: 'sandbox:faults',
  msgid: 'sandbox:msgid',
  tagId: 'sandbox:tag-id',
  tags: 'sandbox:tags',
  tag: (id: string | number) => `sandbox:tag:${id}`,
  mass: 'sandbox:mass',
  oauth: (code: string) => `sandbox:oauth:${code}`,
  /** A temporary QR code's ticket → {scene, expiresAt}. */
  qr: (ticket: string) => `sandbox:qr:${ticket}`,
  /** WeChat Pay's sandbox: the key material (merchant pair, WeChat Pay pair, APIv3 key), orders, prepay ids. */
  payKeys: 'sandbox:pay:keys',
  payOrder: (outTradeNo: string) => `sandbox:pay:order:${outTradeNo}`,
  payPrepay: (prepayId: string) => `sandbox:pay:prepay:${prepayId}`,
  /** How the sandbox's next refund ends (SUCCESS by default): ABNORMAL or CLOSED, for trying those paths. */
  payNextRefund: 'sandbox:pay:next-refund',
  /** The custom menu as published (menu/create's JSON). */
  menu: 'sandbox:menu',
  /** A template send's client_msg_id per user → the msgid it got (10 minutes, as WeChat keeps them). */
  clientMsg: (openid: string, id: string) => `sandbox:cmid:${openid}:${id}`,
  /** Mass messages a follower received in a month (WeChat lets 4 through). */
  massMonth: (openid: string, month: string) => `sandbox:mass:${month}:${openid}`,
};
