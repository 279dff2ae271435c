/**
 * A planner's grab pool: the requirements they are a candidate for, released to their tier, still
 * open, that they do not hold and may still take. Computed on read from the planner's candidate
 * index and each requirement's meta, so a release or a fill (one write each) shows everywhere at once.
 */
import type { Ctx } from '../context.js';
import type { Card, PoolItem } from '../shared/wire.js';

export type { PoolItem };

import { ensurePlanner } from './hot-state.js';
import { dayKey, plannerKeys, requirementKeys } from './keys.js';

export const SUPPLIER_HOLDS_WORDS = '同公司已接单';

export async function poolFor(ctx: Ctx, plannerId: number): Promise<PoolItem[]> {
  const pk = plannerKeys(plannerId, dayKey(ctx.now()));
  let [tier, supplierId] = await ctx.redis.hmget(pk.meta, 'tier', 'supplierId');
  if (!tier) {
    if (!(await ensurePlanner(ctx, plannerId))) return [];
    [tier, supplierId] = await ctx.redis.hmget(pk.meta, 'tier', 'supplierId');
  }
  const ids = (await ctx.redis.zrevrange(pk.pool, 0, 499)).map(Number);
  const rows = await Promise.all(
    ids.map(async (id) => {
      const k = requirementKeys(id);
      const [meta, held, expired, colleague] = await Promise.all([
        ctx.redis.hmget(k.meta, 'status', 'released', 'wanted', 'filled', 'card', `rel${tier}`, 'createdAt'),
        ctx.redis.hexists(k.planners, String(plannerId)),
        ctx.redis.sismember(k.expired, String(plannerId)),
        supplierId ? ctx.redis.hexists(k.suppliers, supplierId) : 0,
      ]);
      return { id, meta, held, expired, colleague };
    }),
  );
  const items: PoolItem[] = [];
  const gone: number[] = [];
  for (const { id, meta, held, expired, colleague } of rows) {
    const [status, released, wanted, filled, card, relAt, createdAt] = meta;
    const next = ctx.config.releasePlan.find((p) => !released?.includes(p.tier));
    const nextAt = next && createdAt ? Number(createdAt) + next.delaySec * 1000 : 0;
    if (!status || (status !== 'open' && status !== 'full')) gone.push(id);
    if (status !== 'open' || !released?.includes(tier!) || held || expired) continue;
    items.push({
      requirementId: id,
      ...(JSON.parse(card!) as Card),
      wanted: Number(wanted),
      slotsLeft: Number(wanted) - Number(filled),
      releasedAt: Number(relAt),
      ...(next && nextAt > ctx.now() ? { nextTier: { tier: next.tier, at: nextAt } } : {}),
      ...(colleague ? { unavailable: { code: 'SUPPLIER_HOLDS_SLOT' as const, reason: SUPPLIER_HOLDS_WORDS } } : {}),
    });
  }
  if (gone.length) await ctx.redis.zrem(pk.pool, ...gone); // ended requirements leave the index lazily
  return items.sort((a, b) => b.releasedAt - a.releasedAt);
}
