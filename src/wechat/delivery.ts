/**
 * A WeChat delivery processed once (callback.ts): its claim, the reply kept for WeChat's retries of
 * it, and the race between the reply and WeChat's 5 s. WeChat waits 5 s, then retries (3 tries in
 * all): answer "success" before that (WECHAT_REPLY_WITHIN_MS) and send the reply as a
 * customer-service message when it is ready.
 */
import type { Ctx } from '../context.js';
import { wechatKeys } from '../infra/keys.js';
import { coarseTimers } from '../infra/within.js';
import { lateReply } from './window.js';
import type { WechatXml } from './xml.js';

// A message is remembered well past both WeChat's retry span (~15 s) and the signature's timestamp
// window (callback.ts), so a captured request replayed while its signature is still accepted is
// never processed twice.
export const DEDUPE_TTL_SEC = 3600;
/** A claimed delivery whose reply is not kept yet. */
export const PENDING = 'pending';
const replyTimers = coarseTimers(10);

/** WeChat retries with the same MsgId (events: sender + CreateTime + event). */
export function dedupeKey(m: WechatXml): string {
  return m.MsgId
    ? wechatKeys.message(m.MsgId)
    : wechatKeys.event(m.FromUserName, m.CreateTime, `${m.Event ?? ''}:${m.EventKey ?? ''}:${m.MsgID ?? ''}`);
}

/** Claims a delivery: true for the first, false for WeChat's retries of it. */
export const claim = (app: Ctx, key: string) => app.redis.set(key, PENDING, 'EX', DEDUPE_TTL_SEC, 'NX').then((r) => r === 'OK');

/** How long replies answered in time wait to be kept together (one script call for all of them). */
const REMEMBER_EVERY_MS = 5;

/**
 * The replies kept for WeChat's retries (remember-n.lua). One in time is answered without waiting
 * for its record, so the records of every reply answered within REMEMBER_EVERY_MS go together, in
 * one call: a retry meanwhile finds "pending" and waits for it, as it would for one call. On a
 * cluster (keys in several slots) each goes alone. `now` keeps one and says when it is kept.
 */
export function replyRecords(app: Ctx) {
  let keys: string[] = [];
  let values: string[] = [];
  let due = false; // a flush is set
  const keep = (k: string[], v: string[]) => app.lua.remember({ 'claim...': k }, { ttlSec: DEDUPE_TTL_SEC, 'value...': v });
  const flush = () => {
    due = false;
    const [k, v] = [keys, values];
    keys = [];
    values = [];
    keep(k, v).catch((err: Error) => app.log.warn({ err: err.message, replies: k.length }, 'replies not remembered'));
  };
  return {
    later(key: string, value: string): void {
      if (app.redis.isCluster)
        return void keep([key], [value]).catch((err: Error) => app.log.warn({ err: err.message }, 'reply not remembered'));
      keys.push(key);
      values.push(value);
      if (!due) {
        due = true;
        setTimeout(flush, REMEMBER_EVERY_MS);
      }
    },
    now: (key: string, value: string) => keep([key], [value]),
  };
}
export type ReplyRecords = ReturnType<typeof replyRecords>;

/**
 * Processes a delivery once; a retry gets the first delivery's reply (or "success" if it is not
 * ready). A reply later than the window (counted from the request's arrival) goes out as a
 * customer-service message instead, or a template message when WeChat's window for those is closed.
 * Not an async function, nor is the path of a reply in time: a storm is all replies, and each async
 * layer is a promise and turns of the microtask queue per reply.
 */
export function once(
  app: Ctx,
  records: ReplyRecords,
  key: string,
  claimed: boolean,
  openid: string,
  elapsedMs: number,
  work: () => Promise<string | null>,
): Promise<string | null> {
  const within = Math.max(0, app.config.WECHAT_REPLY_WITHIN_MS - elapsedMs);
  if (!claimed) return retried(app, key, within);
  // Whichever comes first, decided synchronously: the reply (answered in time) or the deadline
  // (answered "success"; the reply then goes out as a customer-service message). Never both, never neither.
  // The deadline is a coarse timer (one interval for every reply in flight, 10 ms apart: infra/within.ts).
  let decided = false;
  return new Promise<string | null>((ok, fail) => {
    const timer = replyTimers(within, () => {
      if (decided) return;
      decided = true;
      ok(null);
    });
    let working: Promise<string | null>;
    try {
      working = work();
    } catch (err) {
      working = Promise.reject(err);
    }
    working.then(
      (reply) => {
        timer.cancel();
        if (!decided) {
          decided = true;
          records.later(key, JSON.stringify({ reply }));
          return ok(reply);
        }
        // Late: kept as "no reply" (a retry gets "success"), then sent as a message.
        records
          .now(key, JSON.stringify({ reply: null }))
          .then(() =>
            reply ? lateReply(app, openid, reply).catch((err) => app.log.warn({ err, openid }, 'late reply not delivered')) : undefined,
          )
          .then(
            () => ok(null), // the deadline answered already: no effect
            (err: unknown) => fail(err),
          );
      },
      (err: unknown) => {
        timer.cancel();
        // Let WeChat's retry try again (handlers are idempotent).
        app.redis.del(key).then(
          () => fail(err),
          () => fail(err),
        );
      },
    );
  });
}

/** A retry of a delivery claimed already: the first delivery's reply once it is kept, null ("success") if none comes in time. */
async function retried(app: Ctx, key: string, within: number): Promise<string | null> {
  const until = Date.now() + within;
  while (Date.now() < until) {
    const v = await app.redis.get(key);
    if (v && v !== PENDING) return (JSON.parse(v) as { reply: string | null }).reply;
    if (!v) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}
