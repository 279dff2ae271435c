/**
 * What a planner may see: their profile, their work orders and one requirement of their pool. The
 * traveler's contact belongs to live slots only (an offer's once accepted); a candidate whose tier
 * has not been released sees nothing of a requirement: the tiers' head start is the product.
 */
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import { cardOf, requirementNow, SUPPLIER_HOLDS_WORDS, supplierHolds } from '../grab/index.js';
import type { PlannerRequirementView, WorkOrderView } from '../shared/wire.js';

const WO_INCLUDE = { requirement: { include: { traveler: true } }, proposal: true } as const;
type WorkOrderRow = Prisma.WorkOrderGetPayload<{ include: typeof WO_INCLUDE }>;

function workOrderView(ctx: Ctx, w: WorkOrderRow): WorkOrderView<Date> {
  // Dispatched by the system and not yet accepted: an offer, with the time to answer by.
  const offer =
    w.channel === 'dispatch' && !w.acceptedAt && w.status === 'active'
      ? { acceptBy: new Date(w.grabbedAt.getTime() + ctx.config.DISPATCH_ACCEPT_WITHIN * 1000) }
      : null;
  return {
    id: w.id,
    status: w.status,
    channel: w.channel,
    grabbedAt: w.grabbedAt,
    deadlineAt: w.deadlineAt,
    offer,
    requirement: { id: w.requirementId, status: w.requirement.status, ...cardOf(w.requirement) },
    contact:
      w.status === 'expired' || w.status === 'declined' || w.status === 'closed' || offer
        ? null
        : { name: w.requirement.contactName, phone: w.requirement.contactPhone },
    proposal: w.proposal && { itinerary: w.proposal.itinerary, priceFen: w.proposal.priceFen, createdAt: w.proposal.createdAt },
  };
}

export async function profileOf(ctx: Ctx, plannerId: number) {
  const p = await ctx.db.planner.findUnique({ where: { id: plannerId }, include: { supplier: true } });
  if (!p) throw refusal('NOT_FOUND', 'planner: this account no longer exists');
  return {
    id: p.id,
    name: p.name,
    tier: p.tier,
    supplier: p.supplier.name,
    destinations: p.destinations,
    maxActive: p.maxActive,
    status: p.status,
    bound: !!p.openid,
  };
}

export async function workOrdersOf(ctx: Ctx, plannerId: number) {
  const rows = await ctx.db.workOrder.findMany({ where: { plannerId }, orderBy: { grabbedAt: 'desc' }, take: 200, include: WO_INCLUDE });
  return rows.map((w) => workOrderView(ctx, w));
}

export async function workOrderOf(ctx: Ctx, plannerId: number, workOrderId: string) {
  const w = await ctx.db.workOrder.findUnique({ where: { id: workOrderId }, include: WO_INCLUDE });
  if (!w || w.plannerId !== plannerId) throw refusal('NOT_FOUND', 'work order: not one of yours');
  return workOrderView(ctx, w);
}

/** One requirement as this planner may see it: a candidate's card, the contact only while they hold a slot. */
export async function requirementFor(ctx: Ctx, plannerId: number, id: number | null): Promise<PlannerRequirementView<Date>> {
  const req = id
    ? await ctx.db.requirement.findUnique({
        where: { id },
        include: { traveler: true, candidates: { where: { plannerId } }, workOrders: { where: { plannerId } }, releases: true },
      })
    : null;
  const tier = req?.candidates[0]?.tier;
  const release = req?.releases.find((x) => x.tier === tier && x.releasedAt.getTime() <= ctx.now());
  const mine = req?.workOrders[0];
  if (!req || !id || (!mine && !release)) throw refusal('NOT_FOUND', 'requirement: not in your pool');
  const [{ status, slotsLeft }, colleague] = await Promise.all([requirementNow(ctx, req), supplierHolds(ctx, plannerId, id)]);
  const live = mine && (mine.status === 'active' || mine.status === 'proposed' || mine.status === 'chosen');
  return {
    id: req.id,
    ...cardOf(req),
    status,
    notes: req.notes,
    wanted: req.plannersWanted,
    slotsLeft,
    releasedToMe: release ? release.releasedAt : null,
    myWorkOrder: mine ? { id: mine.id, status: mine.status, deadlineAt: mine.deadlineAt } : null,
    // Shown, not grabbable: a colleague of the same supplier holds a slot (rule 6).
    unavailable: !mine && colleague ? { code: 'SUPPLIER_HOLDS_SLOT', reason: SUPPLIER_HOLDS_WORDS } : null,
    contact: live ? { name: req.contactName, phone: req.contactPhone } : null,
  };
}
