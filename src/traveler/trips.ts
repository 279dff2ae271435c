/**
 * A traveler's trips, as the traveler may see and change them: submit (the WeChat identity comes
 * from the session, never from the body), list, read one with its proposals (the planner's contact
 * only once chosen), choose one. Who the signed-in WeChat user is, is decided here too.
 */
import type { Ctx } from '../context.js';
import { DomainError, refusal } from '../errors.js';
import { cardOf, choose, requirementNow } from '../grab/index.js';
import { depositState } from '../money.js';
import { confirmAfterPaySheet, depositAmount, depositFor } from '../pay/index.js';
import { createRequirement, type RequirementInput, verifiedOwner } from '../requirements/index.js';
import type { Session } from '../session/index.js';
import type { TripListItem, TripView } from '../shared/wire.js';

const notYours = () => refusal('NOT_FOUND', 'requirement: not found among your trips');

/** The signed-in WeChat user's openid: from the session (a guest), or their traveler row. */
export async function openidOf(ctx: Ctx, s: Session): Promise<string> {
  const openid =
    s.role === 'guest' ? s.openid : (await ctx.db.traveler.findUnique({ where: { id: s.id }, select: { openid: true } }))?.openid;
  if (!openid) throw refusal('FORBIDDEN', 'sign in through WeChat first');
  return openid;
}

/** The traveler row of the signed-in user, if they have one yet (a guest has none until their first trip). */
export async function travelerIdOf(ctx: Ctx, s: Session): Promise<number | null> {
  if (s.role === 'traveler') return s.id;
  const t = await ctx.db.traveler.findUnique({ where: { openid: s.openid! }, select: { id: true } });
  return t?.id ?? null;
}

/**
 * A trip from the traveler's own WeChat. The typed phone is a claim (requirements/travelers.ts): it
 * takes nobody's trips; only a number another WeChat user verified is refused.
 */
export async function submitTrip(ctx: Ctx, openid: string, input: RequirementInput) {
  if (await verifiedOwner(ctx.db, input.traveler.phone, openid)) {
    const msg = '这个手机号已由另一位微信用户验证，请填写你自己的手机号。';
    throw refusal('PHONE_TAKEN', `traveler.phone: ${msg}`, 'traveler.phone', { 'traveler.phone': msg });
  }
  return createRequirement(ctx, { ...input, traveler: { ...input.traveler, openid } });
}

export async function tripsOf(ctx: Ctx, travelerId: number | null): Promise<TripListItem<Date>[]> {
  const rows = travelerId
    ? await ctx.db.requirement.findMany({
        where: { travelerId },
        orderBy: { createdAt: 'desc' },
        take: 100,
        include: {
          workOrders: { select: { status: true, proposal: { select: { id: true } } } },
          deposits: { where: { status: { not: 'closed' } }, orderBy: { createdAt: 'desc' }, take: 1 },
        },
      })
    : [];
  return rows.map((q) => ({
    id: q.id,
    ...cardOf(q),
    status: q.status,
    plannersWanted: q.plannersWanted,
    planners: q.workOrders.filter((w) => w.status !== 'expired' && w.status !== 'declined').length,
    // Proposals actually written (a slot closed without one is not a proposal).
    proposals: q.workOrders.filter((w) => w.proposal).length,
    // The deposit's word where there is one (paid, part refunded, refunded…): the same as the trip's page says.
    deposit: q.deposits[0] ? { status: q.deposits[0].status, word: depositState(q.deposits[0]).word } : null,
    createdAt: q.createdAt,
  }));
}

export async function tripOf(ctx: Ctx, travelerId: number | null, id: number | null): Promise<TripView<Date>> {
  const q =
    id && travelerId
      ? await ctx.db.requirement.findUnique({
          where: { id },
          include: {
            workOrders: { orderBy: { grabbedAt: 'asc' }, include: { proposal: true, planner: { include: { supplier: true } } } },
            _count: { select: { candidates: true } },
          },
        })
      : null;
  if (!q || q.travelerId !== travelerId) throw notYours();
  const now = await requirementNow(ctx, q);
  return {
    id: q.id,
    ...cardOf(q),
    status: q.status,
    notes: q.notes,
    plannersWanted: q.plannersWanted,
    proposalWithinHours: Math.round(ctx.config.PROPOSAL_DEADLINE / 3600),
    slotsLeft: now.slotsLeft,
    // Why an open trip waits on people rather than on planners grabbing: no planner serves it at
    // all, or every tier had its window and slots are left. Ops have it flagged either way.
    attention: q.status !== 'open' ? null : q._count.candidates === 0 ? 'no-planners' : q.flaggedAt ? 'flagged' : null,
    createdAt: q.createdAt,
    // Expired slots are the planner's business, not the traveler's.
    workOrders: q.workOrders
      .filter((w) => w.status !== 'expired' && w.status !== 'declined')
      .map((w) => ({
        id: w.id,
        status: w.status,
        planner: { name: w.planner.name, tier: w.planner.tier, supplier: w.planner.supplier.name },
        // Once chosen, the traveler can call their planner.
        ...(w.status === 'chosen' ? { contact: { name: w.planner.name, phone: w.planner.phone } } : {}),
        grabbedAt: w.grabbedAt,
        deadlineAt: w.deadlineAt,
        proposal: w.proposal && {
          itinerary: w.proposal.itinerary,
          priceFen: w.proposal.priceFen,
          createdAt: w.proposal.createdAt,
          // What choosing it will ask (DEPOSIT_RULE), said before the traveler confirms.
          depositFen: ctx.config.pay === 'off' ? null : depositAmount(ctx.config.DEPOSIT_RULE, w.proposal.priceFen),
        },
      })),
    deposit: q.status === 'chosen' || q.status === 'paid' ? await depositOrWhyNot(ctx, q.id) : null,
  };
}

/** Back from the pay sheet: WeChat Pay is asked now whether this trip's deposit is paid (pay/deposit.ts). */
export async function confirmPayment(ctx: Ctx, travelerId: number | null, id: number | null) {
  const q = id && travelerId ? await ctx.db.requirement.findUnique({ where: { id }, select: { travelerId: true } }) : null;
  if (!q || q.travelerId !== travelerId) throw notYours();
  return confirmAfterPaySheet(ctx, id!);
}

/** The traveler picks a proposal (the engine decides, once); the answer says what the deposit is. */
export async function chooseProposal(ctx: Ctx, travelerId: number | null, id: number | null, workOrderId: string) {
  if (!travelerId || !id) throw notYours();
  await choose(ctx, travelerId, id, workOrderId);
  return { id, status: 'chosen', workOrderId, deposit: await depositOrWhyNot(ctx, id) };
}

/**
 * The deposit, or why it cannot be paid this moment (WeChat Pay unreachable): the choice stands
 * either way, and the page offers to pay again on the next load.
 */
async function depositOrWhyNot(ctx: Ctx, id: number) {
  try {
    return await depositFor(ctx, id);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { status: 'unavailable' as const, message: err.message };
  }
}
