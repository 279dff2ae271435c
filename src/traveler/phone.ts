/**
 * Proving a phone number by SMS before it links anything: a 6-digit code, sent to the number,
 * good for 5 minutes and 5 tries, bound to the WeChat user who asked. Requests are limited per
 * number (1 a minute, 5 an hour: nobody's phone is flooded) and per WeChat user (10 an hour).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { refreshTravelerOf } from '../grab/index.js';
import { smsKeys } from '../infra/keys.js';
import { claimVerifiedPhone, verifiedOwner } from '../requirements/index.js';
import type { SmsSender } from '../sms/index.js';

export const CODE_TTL_SEC = 300;
export const MAX_TRIES = 5;
const MINUTE = 60_000;
const HOUR = 3_600_000;

const digest = (code: string) => createHash('sha256').update(code).digest();

/** Sends a code to `phone` for `openid`; refuses when a limit is reached or another user verified the number. */
export async function sendPhoneCode(
  app: Ctx,
  sms: SmsSender,
  openid: string,
  phone: string,
): Promise<{ expiresInSec: number; resendAfterSec: number }> {
  const limits: [string, number, number, string][] = [
    [smsKeys.perPhoneMinute(phone), 1, MINUTE, '验证码已发送，请 1 分钟后再获取。'],
    [smsKeys.perPhoneHour(phone), 5, HOUR, '这个号码获取验证码太频繁，请 1 小时后再试。'],
    [smsKeys.perUser(openid), 10, HOUR, '你获取验证码太频繁，请 1 小时后再试。'],
  ];
  for (const [key, limit, windowMs, message] of limits) {
    if (!(await app.lua.rateLimit({ counter: key }, { limit, windowMs })))
      throw new DomainError('RATE_LIMITED', { message, field: 'phone' });
  }
  if (await verifiedOwner(app.db, phone, openid)) throw new DomainError('PHONE_TAKEN', { field: 'phone' });
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const key = smsKeys.code(openid, phone);
  await app.redis.multi().del(key).hset(key, 'hash', digest(code).toString('hex'), 'tries', 0).expire(key, CODE_TTL_SEC).exec();
  try {
    await sms.send({ phone, openid, text: `验证码 ${code}，5 分钟内有效，用于验证定制游抢单的联系手机。如非本人操作请忽略。` });
  } catch (_err) {
    await app.redis.del(key);
    throw new DomainError('SMS_UNAVAILABLE', { field: 'phone' });
  }
  return { expiresInSec: CODE_TTL_SEC, resendAfterSec: 60 };
}

/** Checks the code; on success the number is `openid`'s, verified, and ops' trips for it are theirs. */
export async function verifyPhoneCode(
  app: Ctx,
  openid: string,
  phone: string,
  code: string,
): Promise<{ travelerId: number; trips: number }> {
  const key = smsKeys.code(openid, phone);
  const res = await app.redis.multi().hget(key, 'hash').hincrby(key, 'tries', 1).exec();
  const hash = res?.[0]?.[1] as string | null;
  const tries = Number(res?.[1]?.[1]);
  if (!hash) {
    await app.redis.del(key); // the HINCRBY above must not leave a key without expiry
    throw new DomainError('CODE_EXPIRED', { field: 'code' });
  }
  if (tries > MAX_TRIES) {
    await app.redis.del(key);
    throw new DomainError('TOO_MANY_TRIES', { field: 'code' });
  }
  const given = digest(code);
  if (!timingSafeEqual(given, Buffer.from(hash, 'hex'))) {
    throw new DomainError('BAD_CODE', { message: `验证码不正确，还可以再试 ${MAX_TRIES - tries} 次。`, field: 'code' });
  }
  await app.redis.del(key);
  let travelerId: number;
  try {
    travelerId = await app.db.$transaction(async (tx) => {
      if (await verifiedOwner(tx, phone, openid)) throw new DomainError('PHONE_TAKEN', { field: 'phone' });
      return claimVerifiedPhone(tx, openid, phone, new Date(app.now()));
    });
  } catch (err) {
    // Two users verifying one number at once: the partial unique index lets one win.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
      throw new DomainError('PHONE_TAKEN', { field: 'phone' });
    throw err;
  }
  await refreshTravelerOf(app, travelerId);
  return { travelerId, trips: await app.db.requirement.count({ where: { travelerId } }) };
}
