/**
 * The simulated planners: told of a release or an offer by the engine's own events, they look when
 * next on line after a reaction time, decide by the scenario's rung of the grab ladder, grab through
 * the engine like an H5 grab (channel `sim`), answer offers, and propose after a delay — or never,
 * and the deadline hands the slot back. Every draw from the planner's own stream per requirement.
 */
import { DomainError } from '../errors.js';
import { acceptOffer, declineOffer, grab, requirementNow, submitProposal } from '../grab/index.js';
import { stream } from './random.js';
import { fitOf, HOUR_MS, hourAt, MINUTE_MS, type Sim, type Trip, touch } from './state.js';
import { nextOnLine, type SimPlanner } from './world.js';

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** When a told planner looks: at once on the first rung; else when next on line; then their reaction time. Null: not within two days. */
export function looksAt(sim: Sim, p: SimPlanner, t: number, purpose: string, reqIndex: number): number | null {
  const { s, seed } = sim;
  const react =
    stream(seed, 'planner', p.index, purpose, reqIndex).lognormal(
      s.behaviour.reactionSeconds[p.tier].median,
      s.behaviour.reactionSeconds[p.tier].sigma,
    ) * 1000;
  if (sim.rung === 'constant') return t + Math.round(react);
  const from = nextOnLine(s, seed, p, t, sim.start);
  return from === null ? null : from + Math.round(react);
}

/** The chance this planner grabs now, by the rung; null: they do not try (hands full). */
async function grabChance(sim: Sim, p: SimPlanner, trip: Trip, releasedAt: number): Promise<number | null> {
  const { s } = sim;
  if (sim.rung === 'constant') return s.behaviour.constant[p.tier];
  const load = sim.load.get(p.id) ?? 0;
  if (load >= p.maxActive) return null;
  if (sim.rung === 'constraints') return s.behaviour.constant[p.tier];
  const L = s.behaviour.logit;
  const fit = fitOf(p, trip.trip);
  const seen = await requirementNow(sim.ctx, { id: trip.id, status: 'open', plannersWanted: trip.wanted });
  return logistic(
    L.intercept +
      L.fit * fit.served +
      L.budget * fit.budget +
      L.tier[p.tier] +
      L.load * (load / p.maxActive) +
      L.perHourSinceRelease * ((sim.now - releasedAt) / HOUR_MS) +
      L.taken * (seen.status === 'open' ? seen.filled / trip.wanted : 1),
  );
}

export async function decideToGrab(sim: Sim, p: SimPlanner, trip: Trip, tier: string, releasedAt: number) {
  if (trip.ended) return;
  const u = stream(sim.seed, 'planner', p.index, 'grab', trip.trip.index).next();
  const chance = await grabChance(sim, p, trip, releasedAt);
  if (chance === null || u >= chance) return;
  touch(sim, trip.id);
  const result = await grab(sim.ctx, { plannerId: p.id, requirementId: trip.id, channel: 'sim' });
  if (!result.ok) {
    hourAt(sim, sim.now).refused++;
    return;
  }
  if (result.repeat || result.confirming) return;
  hourAt(sim, sim.now).wins++;
  sim.wins.push({ workOrderId: result.workOrderId, requirementId: trip.id, plannerId: p.id, tier, at: sim.now });
  planProposal(sim, p, trip, result.workOrderId, sim.now);
}

export function planProposal(sim: Sim, p: SimPlanner, trip: Trip, workOrderId: string, from: number) {
  const { s } = sim;
  const r = stream(sim.seed, 'planner', p.index, 'proposal', trip.trip.index);
  const m = s.behaviour.proposal;
  if (r.chance(m.never)) return; // never proposes: the deadline re-releases the slot
  const d = r.chance(m.fastShare) ? m.fastMinutes : m.slowMinutes;
  const at = from + Math.round(r.lognormal(d.median, d.sigma) * MINUTE_MS);
  const price = r.lognormal(s.behaviour.priceToBudget.median, s.behaviour.priceToBudget.sigma);
  const priceFen = Math.max(100, Math.round((trip.trip.budgetFen * price) / 100) * 100);
  sim.agenda.push(at, async () => {
    touch(sim);
    try {
      await submitProposal(sim.ctx, p.id, workOrderId, {
        itinerary: `【模拟】${trip.trip.destinations.join('、')} ${trip.trip.days} 天行程`,
        priceFen,
      });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      sim.lateProposals++; // past the deadline, or the requirement went on without it
    }
  });
}

/** A dispatched offer: answered when the planner next looks (unanswered in time, the engine's offer job declines it). */
export function planAnswer(sim: Sim, p: SimPlanner, trip: Trip, workOrderId: string, at: number) {
  const when = looksAt(sim, p, at, 'offer', trip.trip.index);
  if (when === null) return;
  sim.agenda.push(when, async () => {
    touch(sim, trip.id);
    const accept = stream(sim.seed, 'planner', p.index, 'accept', trip.trip.index).chance(sim.s.behaviour.dispatch.accept);
    try {
      if (accept) {
        await acceptOffer(sim.ctx, p.id, workOrderId);
        planProposal(sim, p, trip, workOrderId, sim.now);
      } else await declineOffer(sim.ctx, workOrderId, 'declined', p.id);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err; // the offer had lapsed
    }
  });
}
