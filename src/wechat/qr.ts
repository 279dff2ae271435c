/**
 * Binding by QR code: ops show a planner a temporary parameterised code (QR_STR_SCENE); the WeChat
 * user who scans it is bound to that planner, once. The scene lives in Redis with the code's
 * lifetime and is taken with GETDEL, so a code forwarded after its first scan binds nobody; a new
 * code for the same planner (or a revocation) ends the one before.
 */
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { refreshPlanner } from '../grab/index.js';
import { wechatKeys } from '../infra/keys.js';

export const BIND_SCENE = /^bind_[0-9a-f]{24}$/;
export const QR_USED_WORDS = '这个二维码已失效或已被使用，请向运营索取新的二维码。';

export interface BindQr {
  plannerId: number;
  scene: string;
  ticket: string;
  /** What the code encodes (scan it with WeChat). */
  url: string;
  expiresAt: string;
}

export async function createBindQr(app: Ctx, plannerId: number): Promise<BindQr> {
  const p = await app.db.planner.findUnique({ where: { id: plannerId }, select: { openid: true } });
  if (!p) throw new DomainError('PLANNER_NOT_FOUND');
  if (p.openid) throw new DomainError('PLANNER_ALREADY_BOUND');
  const scene = `bind_${randomBytes(12).toString('hex')}`;
  const seconds = app.config.BIND_QR_TTL;
  const code = await app.wechat.createQrCode(scene, seconds).catch((err: Error) => {
    app.log.warn({ err: err.message, plannerId }, 'qrcode/create failed');
    throw new DomainError('QR_UNAVAILABLE');
  });
  await revokeBindQr(app, plannerId);
  // Two slots on a Redis Cluster, so two commands: the planner's pointer first, so a code that
  // exists can always be revoked.
  await app.redis.set(wechatKeys.bindSceneOf(plannerId), scene, 'EX', code.expireSeconds);
  await app.redis.set(wechatKeys.bindScene(scene), plannerId, 'EX', code.expireSeconds);
  return { plannerId, scene, ticket: code.ticket, url: code.url, expiresAt: new Date(app.now() + code.expireSeconds * 1000).toISOString() };
}

/** Ends the planner's current code, if any: a scan of it binds nobody. */
export async function revokeBindQr(app: Ctx, plannerId: number): Promise<boolean> {
  const old = await app.redis.getdel(wechatKeys.bindSceneOf(plannerId));
  if (old) await app.redis.del(wechatKeys.bindScene(old));
  return Boolean(old);
}

/** A scan (SCAN, or subscribe with qrscene_): the passive reply's text, or null when the scene is not ours. */
export async function bindByScene(app: Ctx, openid: string, scene: string): Promise<string | null> {
  if (!BIND_SCENE.test(scene)) return null;
  const already = await app.db.planner.findUnique({ where: { openid }, select: { name: true } });
  if (already) return `这个微信已绑定定制师「${already.name}」，无需再扫码。`;
  const plannerId = Number(await app.redis.getdel(wechatKeys.bindScene(scene)));
  if (!plannerId) return QR_USED_WORDS;
  await app.redis.del(wechatKeys.bindSceneOf(plannerId));
  let count: number;
  try {
    ({ count } = await app.db.planner.updateMany({
      where: { id: plannerId, openid: null },
      data: { openid, bindCode: null, bindCodeExpiresAt: null, unreachableAt: null },
    }));
  } catch (err) {
    // This WeChat user bound another planner at the same moment: one WeChat, one planner.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return '这个微信已绑定定制师账号。';
    throw err;
  }
  if (count === 0) return QR_USED_WORDS; // bound meanwhile (another code, or the typed bind code)
  const p = (await app.db.planner.findUnique({ where: { id: plannerId }, select: { name: true } }))!;
  await refreshPlanner(app, plannerId);
  app.log.info({ plannerId }, 'planner bound by QR code');
  return `绑定成功！你好，${p.name}。以后新需求会通过公众号通知你，回复「池」看看现在能抢的需求。`;
}
