/**
 * What one run knows while it goes: the virtual clock, the people's agenda and world, each
 * requirement as its traveler sees it, each planner's load, the wins told, the hourly series, and
 * what the current step did (whether it called the engine, which requirements it touched). The
 * people (planners.ts, travelers.ts) and the loop (run.ts) share it.
 */
import type { Ctx } from '../context.js';
import type { Agenda } from './agenda.js';
import type { AcknowledgedWin } from './invariants.js';
import type { Policy } from './policies.js';
import type { Rung, Scenario, Settings } from './scenario.js';
import type { SimPlanner, SimTrip, World } from './world.js';

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/** A requirement as its traveler knows it. */
export interface Trip {
  trip: SimTrip;
  id: number;
  travelerId: number;
  wanted: number;
  proposals: number;
  decideAt: number | null;
  decided: boolean;
  abandoned: boolean;
  outside: boolean;
  full: boolean;
  ended: boolean;
}

export interface Hour {
  hour: number;
  arrivals: number;
  online: number;
  open: number;
  wins: number;
  refused: number;
}

export interface Sim {
  ctx: Ctx;
  s: Scenario;
  settings: Settings;
  policy: Policy;
  rung: Rung;
  seed: number;
  start: number;
  /** The virtual clock: what ctx.now() answers (the loop alone moves it). */
  readonly now: number;
  agenda: Agenda;
  world: World;
  trips: Map<number, Trip>;
  /** Work orders each planner holds, as the events said. */
  load: Map<number, number>;
  wins: AcknowledgedWin[];
  hourly: Hour[];
  lateProposals: number;
  /** This step: it called the engine (else its jobs and events are as they were); the requirements whose wins to wait for. */
  step: { engine: boolean; touched: Set<number> };
}

/** Grabbing policies release to planners; assignment ones dispatch. */
export const grabbing = (sim: Sim) => sim.policy === 'grab-tiers' || sim.policy === 'grab-flat';

/** The hour row holding `t`. */
export const hourAt = (sim: Sim, t: number) =>
  sim.hourly[Math.min(sim.hourly.length - 1, Math.max(0, Math.floor((t - sim.start) / HOUR_MS)))];

/** A step that calls the engine says so first (and names the requirement whose wins to wait for). */
export function touch(sim: Sim, requirementId?: number) {
  sim.step.engine = true;
  if (requirementId !== undefined) sim.step.touched.add(requirementId);
}

/** How well a planner fits a trip: the share of its places they serve, and its budget against their taste (0–1). */
export function fitOf(p: SimPlanner, t: SimTrip) {
  const served = t.destinations.filter((d) => p.destinations.includes(d)).length / t.destinations.length;
  const budget = Math.exp(-Math.abs(Math.log(t.perPersonDayYuan / p.budgetTaste)));
  return { served, budget };
}
