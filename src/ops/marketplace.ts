/**
 * What ops change about the marketplace's people: suppliers and planners (create, edit, suspend,
 * resume, unbind). Each change reaches the hot state at once, and a planner who may no longer work
 * (planner or supplier suspended) has every session refused, at once.
 */
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';
import { refreshPlanner, rematchPlanner } from '../grab/index.js';
import { moveTierTag, newBindCode } from '../wechat/index.js';

const TAKEN: Record<string, string> = {
  name: '这个名称已经有了，请换一个。',
  phone: '这个手机号已被另一位定制师使用。',
  openid: '这个微信已绑定另一位定制师。',
};

/** Unique-constraint violations become a 409 naming the field, in words. */
function conflict(err: unknown, field: string): never {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
    const words = TAKEN[field] ?? '这一项与已有的记录重复。';
    throw refusal('CONFLICT', words, field, { [field]: words });
  }
  throw err;
}

const missing = (what: string) => () => {
  throw refusal('NOT_FOUND', `no such ${what}`, 'id');
};

async function syncAccess(ctx: Ctx, plannerId: number) {
  const p = await ctx.db.planner.findUnique({ where: { id: plannerId }, select: { status: true, supplier: { select: { status: true } } } });
  if (!p) return;
  const user = `planner:${plannerId}`;
  if (p.status === 'suspended' || p.supplier.status === 'suspended') await ctx.revocations.revoke(user, '*');
  else await ctx.revocations.reinstate(user, ctx.now());
}

export function createSupplier(ctx: Ctx, input: { name: string }) {
  return ctx.db.supplier.create({ data: input }).catch((e) => conflict(e, 'name'));
}

export async function updateSupplier(ctx: Ctx, id: number, input: { status: 'active' | 'suspended'; statusReason?: string | null }) {
  const s = await ctx.db.supplier
    .update({ where: { id }, data: input, include: { planners: { select: { id: true } } } })
    .catch(missing('supplier'));
  for (const p of s.planners) {
    await refreshPlanner(ctx, p.id);
    await syncAccess(ctx, p.id);
    if (input.status === 'active') await rematchPlanner(ctx, p.id);
  }
  return { id: s.id, name: s.name, status: s.status, statusReason: s.statusReason };
}

export type PlannerInput = Omit<Prisma.PlannerUncheckedCreateInput, 'id'>;

/** A planner not created with an openid gets a bind code to bind their WeChat with. */
export async function createPlanner(ctx: Ctx, input: PlannerInput) {
  const supplier = await ctx.db.supplier.findUnique({ where: { id: input.supplierId } });
  if (!supplier) throw refusal('VALIDATION', 'supplierId: no such supplier', 'supplierId');
  const planner = await ctx.db.planner
    .create({ data: { ...input, ...(input.openid ? {} : newBindCode()) } })
    .catch((e) => conflict(e, 'phone'));
  await refreshPlanner(ctx, planner.id); // hot before their first grab
  await rematchPlanner(ctx, planner.id); // open requirements whose tier is still to come
  return planner;
}

export async function updatePlanner(ctx: Ctx, id: number, input: Prisma.PlannerUncheckedUpdateInput) {
  const before = await ctx.db.planner.findUnique({ where: { id }, select: { tier: true } });
  const planner = await ctx.db.planner.update({ where: { id }, data: input }).catch(missing('planner'));
  await refreshPlanner(ctx, planner.id);
  await syncAccess(ctx, planner.id);
  await rematchPlanner(ctx, planner.id);
  // Their WeChat tag follows the tier (mass sends target tiers by tag); best effort, in the background.
  if (before && planner.openid && before.tier !== planner.tier) void moveTierTag(ctx, planner.openid, before.tier, planner.tier); // re-scoped: open requirements whose tier is still to come
  return planner;
}

/** Unties the planner's WeChat: their sessions and streams end now; a new bind code is issued. */
export async function unbindPlanner(ctx: Ctx, id: number) {
  const planner = await ctx.db.planner.update({ where: { id }, data: { openid: null, ...newBindCode() } }).catch(missing('planner'));
  await refreshPlanner(ctx, planner.id);
  await ctx.revocations.revoke(`planner:${planner.id}`, ctx.now());
  await syncAccess(ctx, planner.id);
  return { id: planner.id, bindCode: planner.bindCode, bindCodeExpiresAt: planner.bindCodeExpiresAt };
}
