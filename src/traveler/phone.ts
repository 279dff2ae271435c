/**
 * Proving a phone number by SMS before it links anything: a 6-digit code, sent to the number,
 * good for 5 minutes and 5 tries, bound to the WeChat user who asked. Requests are limited per
 * number (1 a minute, 5 an hour: nobody's phone is flooded) and per WeChat user (10 an hour).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Ctx } from '../context.js';
import type { SmsSender } from '../sms/sender.js';
import { Prisma } from '../generated/prisma/client.js';
import { refreshTravelerOf } from '../grab/hot-state.js';
import { claimVerifiedPhone, verifiedOwner } from './identity.js';
import { CodedError } from '../errors.js';

export const CODE_TTL_SEC = 300;
export const MAX_TRIES = 5;
const MINUTE = 60_000;
const HOUR = 3_600_000;

const keys = {
  code: (openid: string, phone: string) => `sms:code:${openid}:${phone}`,
  perPhoneMinute: (phone: string) => `sms:rl:phone:${phone}:m`,
  perPhoneHour: (phone: string) => `sms:rl:phone:${phone}:h`,
  perUser: (openid: string) => `sms:rl:user:${openid}`,
};

/** A refusal about one field of the phone form (`fields` names it, so the form marks it). */
export class PhoneError extends CodedError {
  constructor(status: number, code: string, message: string, field: 'phone' | 'code') {
    super(status, code, message, field, { [field]: message });
  }
}

const TAKEN_WORDS = '这个手机号已由另一位微信用户验证。';

const digest = (code: string) => createHash('sha256').update(code).digest();

/** Sends a code to `phone` for `openid`; refuses when a limit is reached or another user verified the number. */
export async function sendPhoneCode(
  app: Ctx,
  sms: SmsSender,
  openid: string,
  phone: string,
): Promise<{ expiresInSec: number; resendAfterSec: number }> {
  const limits: [string, number, number, string][] = [
    [keys.perPhoneMinute(phone), 1, MINUTE, '验证码已发送，请 1 分钟后再获取。'],
    [keys.perPhoneHour(phone), 5, HOUR, '这个号码获取验证码太频繁，请 1 小时后再试。'],
    [keys.perUser(openid), 10, HOUR, '你获取验证码太频繁，请 1 小时后再试。'],
  ];
  for (const [key, limit, windowMs, message] of limits) {
    if (!(await app.redis.rateLimit(key, limit, windowMs))) throw new PhoneError(429, 'RATE_LIMITED', message, 'phone');
  }
  if (await verifiedOwner(app.db, phone, openid)) throw new PhoneError(409, 'PHONE_TAKEN', TAKEN_WORDS, 'phone');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const key = keys.code(openid, phone);
  await app.redis.multi().del(key).hset(key, 'hash', digest(code).toString('hex'), 'tries', 0).expire(key, CODE_TTL_SEC).exec();
  try {
    await sms.send({ phone, openid, text: `验证码 ${code}，5 分钟内有效，用于验证定制游抢单的联系手机。如非本人操作请忽略。` });
  } catch (_err) {
    await app.redis.del(key);
    throw new PhoneError(502, 'SMS_UNAVAILABLE', '短信暂时发不出去，请稍后再试。', 'phone');
  }
  return { expiresInSec: CODE_TTL_SEC, resendAfterSec: 60 };
}

/** Checks the code; on success the number is `openid`'s, verified, and ops' trips for it are theirs. */
export async function verifyPhoneCode(app: Ctx, openid: string, phone: string, code: string): Promise<{ travelerId: number }> {
  const key = keys.code(openid, phone);
  const res = await app.redis.multi().hget(key, 'hash').hincrby(key, 'tries', 1).exec();
  const hash = res?.[0]?.[1] as string | null;
  const tries = Number(res?.[1]?.[1]);
  if (!hash) {
    await app.redis.del(key); // the HINCRBY above must not leave a key without expiry
    throw new PhoneError(400, 'CODE_EXPIRED', '验证码已过期或未获取，请重新获取。', 'code');
  }
  if (tries > MAX_TRIES) {
    await app.redis.del(key);
    throw new PhoneError(429, 'TOO_MANY_TRIES', '验证码输错次数太多，请重新获取。', 'code');
  }
  const given = digest(code);
  if (!timingSafeEqual(given, Buffer.from(hash, 'hex'))) {
    throw new PhoneError(400, 'BAD_CODE', `验证码不正确，还可以再试 ${MAX_TRIES - tries} 次。`, 'code');
  }
  await app.redis.del(key);
  let travelerId: number;
  try {
    travelerId = await app.db.$transaction(async (tx) => {
      if (await verifiedOwner(tx, phone, openid)) throw new PhoneError(409, 'PHONE_TAKEN', TAKEN_WORDS, 'phone');
      return claimVerifiedPhone(tx, openid, phone, new Date(app.now()));
    });
  } catch (err) {
    // Two users verifying one number at once: the partial unique index lets one win.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
      throw new PhoneError(409, 'PHONE_TAKEN', TAKEN_WORDS, 'phone');
    throw err;
  }
  await refreshTravelerOf(app, travelerId);
  return { travelerId };
}
