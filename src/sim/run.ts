/**
 * One simulated run: the real engine (intake, matching, releases, grabs, deadlines, offers,
 * dispatch, the traveler's choice, deposits) in a database and Redis namespace of its own, under a
 * virtual clock. The simulator is the only thing that moves time: it takes the earliest of its own
 * agenda (people acting) and the engine's scheduled jobs, sets the clock there, does it, waits for
 * the engine to be quiet (a win's follow-up finished), reads the events the engine published (the
 * planners' messages tell them of releases and offers; template messages go to a counting sink
 * through the real notifications listener), checks the invariants, and goes on.
 */
import type { Ctx } from '../context.js';
import type { DomainEvent } from '../events/index.js';
import { fallback, winsInFlight } from '../grab/index.js';
import { eventsStream } from '../infra/keys.js';
import { createLogger, type Logger } from '../log.js';
import { notificationsListener } from '../notify/index.js';
import { Agenda } from './agenda.js';
import { openEngine } from './engine.js';
import { type AcknowledgedWin, checkAgreement, checkNothingOverdue, checkSlots, checkWins, InvariantViolation } from './invariants.js';
import { lifecycleStepper } from './jobs.js';
import { decideToGrab, looksAt, planAnswer } from './planners.js';
import type { Policy } from './policies.js';
import { type RunRecord, readRecord } from './record.js';
import type { Rung, Scenario, Settings } from './scenario.js';
import { grabbing, HOUR_MS, type Sim, touch } from './state.js';
import { arrive, proposalCame } from './travelers.js';
import { beijingMidnight, buildWorld, DAY_MS, drawDemand, onLine } from './world.js';

export type { RunRecord } from './record.js';

export interface RunOptions {
  scenario: Scenario;
  settings: Settings;
  policy: Policy;
  rung: Rung;
  seed: number;
  days: number;
  /** The PostgreSQL server to make the run's database on (null: embedded). */
  server: string | null;
  env?: Record<string, string | undefined>;
  log?: Logger;
  progress?(p: { at: number; end: number; steps: number }): void;
  /** Tests: called after each step's work, before its checks (a chance to plant a violation). */
  beforeChecks?(ctx: Ctx, step: number, wins: AcknowledgedWin[]): Promise<void>;
}

/** What the engine said, in stream order: the people learn of releases and offers here; the loads follow the wins and ends. */
function react(sim: Sim, e: DomainEvent, slotsMoved: Set<number>) {
  const trip = sim.trips.get(e.requirementId);
  if (!trip) return;
  const { load, world } = sim;
  const held = (plannerId: number, by: 1 | -1) => load.set(plannerId, Math.max(0, (load.get(plannerId) ?? 0) + by));
  switch (e.type) {
    case 'released': {
      if (!grabbing(sim)) return;
      for (const id of [...e.plannerIds].sort((a, b) => a - b)) {
        const p = world.byId.get(id);
        if (!p) continue;
        const when = looksAt(sim, p, e.at, `look-${e.tier}`, trip.trip.index);
        if (when !== null) sim.agenda.push(when, () => decideToGrab(sim, p, trip, e.tier, e.at));
      }
      return;
    }
    case 'grabbed':
    case 'dispatched': {
      slotsMoved.add(e.requirementId);
      held(e.plannerId, 1);
      const p = world.byId.get(e.plannerId);
      if (e.type === 'dispatched' && p) planAnswer(sim, p, trip, e.workOrderId, e.at);
      return;
    }
    case 'full':
      trip.full = true;
      return;
    case 'expired':
      held(e.plannerId, -1);
      // Assignment: the next best-matching planner is assigned (the same dispatch path).
      if (!grabbing(sim) && !trip.ended)
        sim.agenda.push(sim.now, async () => {
          touch(sim, trip.id);
          await fallback(sim.ctx, trip.id);
        });
      return;
    case 'proposal':
      proposalCame(sim, trip);
      return;
    case 'chosen':
    case 'closed':
      for (const id of e.type === 'chosen' ? [e.plannerId, ...e.others.map((x) => x.plannerId)] : e.workOrders.map((w) => w.plannerId))
        held(id, -1);
      trip.ended = true;
      return;
  }
}

export async function runOnce(o: RunOptions): Promise<RunRecord> {
  const { scenario: s, seed } = o;
  const start = beijingMidnight(s.start);
  const end = start + o.days * DAY_MS + s.drainHours * HOUR_MS;
  const log = o.log ?? createLogger('silent');
  let clock = start;
  const engine = await openEngine({
    settings: o.settings,
    policy: o.policy,
    server: o.server,
    env: o.env ?? process.env,
    log,
    now: () => clock,
  });
  const { ctx } = engine;
  const stepper = lifecycleStepper(ctx, engine.queueConn);
  const notifications = notificationsListener(ctx);
  const jobs = { run: 0, failed: 0 };
  let step = 0;
  let checked = 0;
  try {
    const hours = Math.ceil((end - start) / HOUR_MS);
    const sim: Sim = {
      ctx,
      s,
      settings: o.settings,
      policy: o.policy,
      rung: o.rung,
      seed,
      start,
      get now() {
        return clock;
      },
      agenda: new Agenda(),
      world: await buildWorld(ctx, s, seed),
      trips: new Map(),
      load: new Map(),
      wins: [],
      hourly: Array.from({ length: hours }, (_, hour) => ({ hour, arrivals: 0, online: 0, open: 0, wins: 0, refused: 0 })),
      lateProposals: 0,
      step: { engine: false, touched: new Set() },
    };
    for (const t of drawDemand(s, seed, o.days, start)) arrive(sim, t);
    let hourlyCheck = false;
    for (let h = 0; h < hours; h++)
      sim.agenda.push(start + h * HOUR_MS, async () => {
        const row = sim.hourly[h];
        row.online = sim.world.planners.filter((p) => onLine(s, seed, p, sim.now, start)).length;
        row.open = [...sim.trips.values()].filter((t) => !t.ended).length;
        hourlyCheck = true; // every simulated hour, the whole marketplace is checked (after this step)
      });
    const live = () => [...sim.trips.values()].filter((t) => !t.ended).map((t) => t.id);

    let lastEvent = '-';
    /** The events published since the last read; each event's template messages counted side by side (the listener's own concurrency). */
    async function readEvents(slotsMoved: Set<number>) {
      for (;;) {
        const entries = await ctx.redis.xrange(eventsStream, lastEvent === '-' ? '-' : `(${lastEvent}`, '+', 'COUNT', 500);
        if (entries.length === 0) return;
        const sending: Promise<void>[] = [];
        for (const [id, fields] of entries) {
          lastEvent = id;
          const e = JSON.parse(fields[1]) as DomainEvent;
          if (notifications.applicableEvents.includes(e.type)) sending.push(notifications.handle(e));
          react(sim, e, slotsMoved);
        }
        await Promise.all(sending);
      }
    }

    const replay = () =>
      `seed ${seed}, policy ${o.policy}, rung ${o.rung}, step ${step} at ${new Date(clock + 8 * HOUR_MS).toISOString().slice(0, 19).replace('T', ' ')} (Beijing)`;
    try {
      // When the next job is due: asked again only after a step that called the engine.
      let known: { jobAt: number | null } | null = null;
      for (;;) {
        const jobAt: number | null = known ? known.jobAt : await stepper.nextDue(clock);
        const next = sim.agenda.peek();
        const at = Math.min(jobAt ?? Number.POSITIVE_INFINITY, next?.at ?? Number.POSITIVE_INFINITY);
        if (!Number.isFinite(at) || at > end) break;
        clock = Math.max(clock, at);
        sim.step = { engine: false, touched: new Set() };
        const slotsMoved = new Set<number>();
        const winsBefore = sim.wins.length;
        if (jobAt !== null && jobAt <= (next?.at ?? Number.POSITIVE_INFINITY)) {
          touch(sim);
          const ran = await stepper.runNext(clock);
          if (ran) {
            jobs.run++;
            // A release or the fallback may dispatch (wins whose follow-up runs after the job): waited for below.
            if ('requirementId' in ran.data && typeof ran.data.requirementId === 'number') touch(sim, ran.data.requirementId);
            if (!ran.ok) {
              jobs.failed++;
              log.warn({ job: ran.name, err: ran.error }, 'simulated lifecycle job failed (BullMQ retries it)');
            }
          }
        } else await sim.agenda.pop()!.act();
        step++;
        known = sim.step.engine ? null : { jobAt };
        if (sim.step.engine) {
          // Quiet: every win's follow-up (its deadline scheduled, its events out) done before time moves.
          for (const id of sim.step.touched) while ((await winsInFlight(ctx, id)) > 0) await new Promise((r) => setImmediate(r));
          await readEvents(slotsMoved);
        }
        const newWins = sim.wins.slice(winsBefore);
        await o.beforeChecks?.(ctx, step, newWins);
        for (const w of newWins) checked += await checkWins(ctx, [w]);
        if (slotsMoved.size) checked += await checkSlots(ctx, [...slotsMoved]);
        if (hourlyCheck) {
          hourlyCheck = false;
          checked += await checkSlots(ctx, live());
          checked += await checkAgreement(ctx);
          checked += await checkNothingOverdue(ctx, clock, await stepper.dueBy(clock - 1), await stepper.failed());
        }
        if (step % 500 === 0) o.progress?.({ at: clock, end, steps: step });
      }
      clock = end;
      checked += await checkNothingOverdue(ctx, end, await stepper.dueBy(end), await stepper.failed());
      checked += await checkSlots(ctx, [...sim.trips.keys()]);
      checked += await checkAgreement(ctx);
    } catch (err) {
      if (err instanceof InvariantViolation) err.replay = replay();
      throw err;
    }
    o.progress?.({ at: end, end, steps: step });
    return await readRecord(sim, { end, messages: engine.messages(), steps: step, jobs, invariants: { checked } });
  } finally {
    await stepper.close().catch(() => {});
    await engine.close();
  }
}
