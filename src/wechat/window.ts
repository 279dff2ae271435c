/**
 * WeChat's customer-service window: an account may write to a user (custom/send) up to 5 times
 * within 48 hours of the user's own message, and up to 3 times within a minute of a menu click,
 * a follow or a QR scan; outside it WeChat answers 45015 (closed) or 45047 (too many). The window
 * is recorded when the user writes or taps, and spent by the late-reply path, which falls back to
 * a template message (`late-reply`) when the window is closed or WeChat refuses.
 */
import { createHash } from 'node:crypto';
import type { Ctx } from '../context.js';
import { wechatKeys } from '../infra/keys.js';
import type { WechatXml } from './xml.js';

const USER_WINDOW_MS = 48 * 3_600_000;
const USER_MESSAGES = 5;
const EVENT_WINDOW_MS = 60_000;
const EVENT_MESSAGES = 3;
const OPENING_EVENTS = new Set(['CLICK', 'subscribe', 'SCAN']);

/** How long a window's record is kept (the longer of the two). */
export const WINDOW_TTL_MS = USER_WINDOW_MS;

/** Which window a message opens: a user's own message, a tap or follow (`evt`), or none. */
export function opensWindow(m: WechatXml): 'user' | 'evt' | null {
  if (m.MsgType !== 'event') return 'user';
  return OPENING_EVENTS.has(m.Event ?? '') ? 'evt' : null;
}

/** A user's message or tap opens (renews) their window (`<kind>At`, `<kind>Used`; arrive-5.lua does the same). */
export async function openWindow(app: Ctx, m: WechatXml): Promise<void> {
  const kind = opensWindow(m);
  if (!kind) return;
  const key = wechatKeys.csWindow(m.FromUserName);
  await app.redis
    .multi()
    .hset(key, { [`${kind}At`]: app.now(), [`${kind}Used`]: 0 })
    .pexpire(key, WINDOW_TTL_MS)
    .exec();
}

/** Takes one customer-service message from the open window, if any (an over-count only closes it early). */
export async function takeWindow(app: Ctx, openid: string): Promise<boolean> {
  const key = wechatKeys.csWindow(openid);
  const now = app.now();
  const [userAt, evtAt] = (await app.redis.hmget(key, 'userAt', 'evtAt')).map(Number);
  if (userAt && now - userAt < USER_WINDOW_MS && (await app.redis.hincrby(key, 'userUsed', 1)) <= USER_MESSAGES) return true;
  if (evtAt && now - evtAt < EVENT_WINDOW_MS && (await app.redis.hincrby(key, 'evtUsed', 1)) <= EVENT_MESSAGES) return true;
  return false;
}

/** A reply that missed WeChat's 5 s: a customer-service message while the window is open, else a template message. */
export async function lateReply(app: Ctx, openid: string, text: string): Promise<'custom' | 'template'> {
  if (await takeWindow(app, openid)) {
    try {
      await app.wechat.sendText(openid, text);
      return 'custom';
    } catch (err) {
      const code = (err as { code?: number }).code;
      app.log.warn({ err: (err as Error).message, code }, 'late reply refused as a customer-service message: sent as a template message');
    }
  }
  const planner = await app.db.planner.findUnique({ where: { openid }, select: { id: true } });
  await app.notify.enqueue([
    {
      id: `late-${createHash('sha1').update(`${openid}\n${text}\n${app.now()}`).digest('hex').slice(0, 16)}`,
      kind: 'late-reply',
      openid,
      plannerId: planner?.id,
      vars: { text: text.replace(/\s+/g, ' ') },
    },
  ]);
  return 'template';
}
