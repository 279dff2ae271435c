/**
 * The simulated travelers: each requirement goes in through intake (the same validation as the
 * form) at its drawn time; its traveler gives up while no proposal has come (a hazard that grows
 * with the wait), decides among the proposals (a multinomial logit with an outside option), and pays
 * the deposit with a probability, through the pay capability. Every draw from the traveler's own
 * stream.
 */
import { DomainError } from '../errors.js';
import { rfc3339 } from '../format.js';
import { choose, closeRequirement, fallback } from '../grab/index.js';
import { depositFor, markPaid } from '../pay/index.js';
import { createRequirement, requirementInput } from '../requirements/index.js';
import { wantedUnder } from './policies.js';
import { stream } from './random.js';
import { fitOf, grabbing, HOUR_MS, hourAt, MINUTE_MS, type Sim, type Trip, touch } from './state.js';
import { DAY_MS, type SimTrip } from './world.js';

function ignoreDomain(err: unknown) {
  if (!(err instanceof DomainError)) throw err;
}

const beijingDay = (t: number) => new Date(t + 8 * HOUR_MS).toISOString().slice(0, 10);

/** The requirement submitted at its time; under assignment the best-matching planner(s) are dispatched at once. */
export function arrive(sim: Sim, t: SimTrip) {
  sim.agenda.push(t.at, async () => {
    touch(sim);
    const { ctx, now } = sim;
    hourAt(sim, now).arrivals++;
    const wanted = wantedUnder(sim.policy, t.plannersWanted, sim.settings.cap);
    const input = requirementInput.parse({
      traveler: { name: `旅行者${t.index + 1}`, phone: String(13_900_000_000 + t.index), openid: `sim-traveler-${t.index + 1}` },
      subject: t.subject,
      ...(t.subject === 'enterprise' ? { company: `模拟企业${t.index + 1}` } : {}),
      origin: t.origin,
      destinations: t.destinations,
      departDate: beijingDay(now + t.leadDays * DAY_MS),
      returnDate: beijingDay(now + (t.leadDays + t.days - 1) * DAY_MS),
      adults: t.adults,
      children: t.children,
      budgetFen: t.budgetFen,
      plannersWanted: wanted,
      notes: t.notes,
    });
    const req = await createRequirement(ctx, input);
    const trip: Trip = {
      trip: t,
      id: req.id,
      travelerId: req.travelerId,
      wanted,
      proposals: 0,
      decideAt: null,
      decided: false,
      abandoned: false,
      outside: false,
      full: false,
      ended: false,
    };
    sim.trips.set(req.id, trip);
    touch(sim, req.id);
    const a = sim.s.travelers.abandon;
    const patience = stream(sim.seed, 'traveler', t.index, 'abandon').weibull(a.shape, a.scaleHours * HOUR_MS);
    sim.agenda.push(now + Math.round(patience), async () => {
      if (trip.proposals > 0 || trip.ended) return;
      touch(sim);
      trip.abandoned = true;
      trip.ended = true;
      await closeRequirement(ctx, trip.id, '旅行者不再等待（模拟）').catch(ignoreDomain);
    });
    if (!grabbing(sim)) await fallback(ctx, req.id);
  });
}

/** A proposal came: the traveler decides after a wait from the first, or at once when all wanted are in. */
export function proposalCame(sim: Sim, trip: Trip) {
  const { s } = sim;
  trip.proposals++;
  const wait = stream(sim.seed, 'traveler', trip.trip.index, 'decide').lognormal(
    s.travelers.decideHours.median,
    s.travelers.decideHours.sigma,
  );
  const at = trip.proposals >= trip.wanted ? sim.now : trip.proposals === 1 ? sim.now + Math.round(wait * HOUR_MS) : null;
  if (at !== null && (trip.decideAt === null || at < trip.decideAt)) {
    trip.decideAt = at;
    sim.agenda.push(at, () => decide(sim, trip));
  }
}

async function decide(sim: Sim, trip: Trip) {
  if (trip.decided || trip.ended) return;
  trip.decided = true;
  const { ctx, s } = sim;
  const offered = (
    await ctx.pool.query<{ id: string; planner_id: number; price_fen: number }>(
      `SELECT w.id, w.planner_id, p.price_fen FROM work_orders w JOIN proposals p ON p.work_order_id = w.id
        WHERE w.requirement_id = $1 AND w.status = 'proposed' ORDER BY w.proposed_at, w.planner_id`,
      [trip.id],
    )
  ).rows;
  if (offered.length === 0) return;
  const c = s.travelers.choice;
  const utilities = offered.map((w) => {
    const overBudget = Math.max(0, w.price_fen / trip.trip.budgetFen - 1);
    return Math.exp(c.price * overBudget + c.fit * fitOf(sim.world.byId.get(w.planner_id)!, trip.trip).budget);
  });
  const pick = stream(sim.seed, 'traveler', trip.trip.index, 'choice').weighted([Math.exp(c.outside), ...utilities]);
  touch(sim);
  trip.ended = true;
  if (pick === 0) {
    trip.outside = true;
    await closeRequirement(ctx, trip.id, '旅行者另有安排（模拟）').catch(ignoreDomain);
    return;
  }
  await choose(ctx, trip.travelerId, trip.id, offered[pick - 1].id);
  const pay = stream(sim.seed, 'traveler', trip.trip.index, 'pay');
  if (!pay.chance(s.travelers.pay)) return;
  sim.agenda.push(sim.now + Math.round(pay.lognormal(s.travelers.payMinutes.median, s.travelers.payMinutes.sigma) * MINUTE_MS), () =>
    payDeposit(sim, trip),
  );
}

/** The order made as the pay page would, and paid as WeChat Pay's notification would say (the sandbox's signatures carry the wall clock). */
async function payDeposit(sim: Sim, trip: Trip) {
  touch(sim);
  const { ctx } = sim;
  const d = await depositFor(ctx, trip.id, { pay: true, prepay: false });
  if (d.status !== 'pending') return;
  const transaction = {
    appid: ctx.config.wechat.appid,
    mchid: 'sim',
    out_trade_no: d.outTradeNo,
    transaction_id: `sim${trip.id}`,
    trade_state: 'SUCCESS' as const,
    amount: { total: d.amountFen, currency: 'CNY' },
    success_time: rfc3339(sim.now),
  };
  await markPaid(ctx, d.outTradeNo, transaction, 'sim');
}
