/**
 * A planner's grab pool: the requirements they are a candidate for, released to their tier, still
 * open, that they do not hold and may still take. Computed on read from the planner's candidate
 * index and each requirement's meta, so a release or a fill (one write each) shows everywhere at once.
 */
import type { Ctx } from '../context.js';
import type { Card } from './hot-state.js';
import { dayKey, plannerKeys, requirementKeys } from './keys.js';
import { ensurePlanner } from './hot-state.js';

export interface PoolItem extends Card {
  requirementId: number;
  slotsLeft: number;
  wanted: number;
  releasedAt: number;
}

export async function poolFor(ctx: Ctx, plannerId: number): Promise<PoolItem[]> {
  const pk = plannerKeys(plannerId, dayKey(ctx.now()));
  let tier = await ctx.redis.hget(pk.meta, 'tier');
  if (!tier) {
    if (!(await ensurePlanner(ctx, plannerId))) return [];
    tier = await ctx.redis.hget(pk.meta, 'tier');
  }
  const ids = (await ctx.redis.zrevrange(pk.pool, 0, 499)).map(Number);
  const rows = await Promise.all(
    ids.map(async (id) => {
      const k = requirementKeys(id);
      const [meta, held, expired] = await Promise.all([
        ctx.redis.hmget(k.meta, 'status', 'released', 'wanted', 'filled', 'card', `rel${tier}`),
        ctx.redis.hexists(k.planners, String(plannerId)),
        ctx.redis.sismember(k.expired, String(plannerId)),
      ]);
      return { id, meta, held, expired };
    }),
  );
  const items: PoolItem[] = [];
  const gone: number[] = [];
  for (const { id, meta, held, expired } of rows) {
    const [status, released, wanted, filled, card, relAt] = meta;
    if (!status || (status !== 'open' && status !== 'full')) gone.push(id);
    if (status !== 'open' || !released?.includes(tier!) || held || expired) continue;
    items.push({ requirementId: id, ...(JSON.parse(card!) as Card), wanted: Number(wanted), slotsLeft: Number(wanted) - Number(filled), releasedAt: Number(relAt) });
  }
  if (gone.length) await ctx.redis.zrem(pk.pool, ...gone); // ended requirements leave the index lazily
  return items.sort((a, b) => b.releasedAt - a.releasedAt);
}
