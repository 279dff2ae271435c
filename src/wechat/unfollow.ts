/**
 * A user unfollowed: WeChat asks accounts to delete what they no longer need about that user.
 *
 * Kept (PostgreSQL): the planner or traveler record and its openid, requirements, work orders,
 * proposals, messages' history, grab attempts and the ops audit log. They are the marketplace's
 * business records (who took which trip, what was promised to whom, what ops did), other people's
 * records point at them, and a planner who follows again is the same person with the same openid.
 * Dropped (Redis): the customer-service window, the user's replayable live events, the sandbox
 * chat. A planner is marked unreachable (`unsubscribed`), so nothing is sent to them until they
 * follow again; WeChat removes their tags itself.
 */
import type { Ctx } from '../context.js';
import { liveKeys, wechatKeys } from '../infra/keys.js';

export async function forgetUser(app: Ctx, openid: string): Promise<void> {
  const [planner, traveler] = await Promise.all([
    app.db.planner.findUnique({ where: { openid }, select: { id: true } }),
    app.db.traveler.findUnique({ where: { openid }, select: { id: true } }),
  ]);
  await app.db.planner.updateMany({ where: { openid }, data: { unreachableAt: new Date(app.now()), unreachableReason: 'unsubscribed' } });
  const keys = [wechatKeys.csWindow(openid)];
  if (planner) keys.push(liveKeys.user(`planner:${planner.id}`));
  if (traveler) keys.push(liveKeys.user(`traveler:${traveler.id}`));
  await Promise.all(keys.map((k) => app.redis.del(k))); // one key per command: they lie in different Cluster slots
}
