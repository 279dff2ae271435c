/**
 * One simulated run: the real engine (intake, matching, releases, grabs, deadlines, offers,
 * dispatch, the traveler's choice, deposits) in a database and Redis namespace of its own, under a
 * virtual clock. The simulator is the only thing that moves time: it takes the earliest of its own
 * agenda (people acting) and the engine's scheduled jobs, sets the clock there, does it, waits for
 * the engine to be quiet (a win's follow-up finished), reads the events the engine published (the
 * planners' messages tell them of releases and offers; template messages go to a counting sink
 * through the real notifications listener), checks the invariants, and goes on.
 */
import { rmSync } from 'node:fs';
import { connect } from '../boot.js';
import { type Config, loadConfig } from '../config.js';
import type { Ctx, Outgoing } from '../context.js';
import { DomainError } from '../errors.js';
import type { DomainEvent } from '../events/index.js';
import { rfc3339 } from '../format.js';
import {
  acceptOffer,
  choose,
  closeRequirement,
  declineOffer,
  fallback,
  grab,
  requirementNow,
  submitProposal,
  winsInFlight,
} from '../grab/index.js';
import { checkoutsHash, eventsStream } from '../infra/keys.js';
import { checkoutId, dropNamespace } from '../infra/namespace.js';
import { createLogger, type Logger } from '../log.js';
import { notificationsListener } from '../notify/index.js';
import { depositFor, markPaid } from '../pay/index.js';
import { createRequirement, requirementInput } from '../requirements/index.js';
import { simDatabase } from './database.js';
import { type AcknowledgedWin, checkAgreement, checkNothingOverdue, checkSlots, checkWins, InvariantViolation } from './invariants.js';
import { lifecycleStepper } from './jobs.js';
import { type Policy, policyEnv, wantedUnder } from './policies.js';
import { stream } from './random.js';
import { engineEnv, type Rung, type Scenario, type Settings } from './scenario.js';
import { beijingMidnight, buildWorld, DAY_MS, drawDemand, nextOnLine, onLine, type SimPlanner, type SimTrip } from './world.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

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

/** What one run leaves for the metrics: the records' figures, read from its database before it goes. */
export interface RunRecord {
  policy: Policy;
  seed: number;
  start: number;
  end: number;
  requirements: {
    id: number;
    index: number;
    createdAt: number;
    wanted: number;
    status: string;
    full: boolean;
    abandoned: boolean;
    outside: boolean;
  }[];
  workOrders: {
    requirementId: number;
    plannerId: number;
    supplierId: number;
    tier: string;
    channel: string;
    status: string;
    grabbedAt: number;
    /** A dispatched work order's acceptance (or the proposal that accepted it); null for grabs. */
    acceptedAt: number | null;
    proposedAt: number | null;
  }[];
  /** Grab attempts by the simulated planners, by the engine's answer code (its audit trail). */
  attempts: Record<string, number>;
  suppliers: { id: number; size: number }[];
  messages: Record<string, number>;
  hourly: { hour: number; arrivals: number; online: number; open: number; wins: number; refused: number }[];
  steps: number;
  jobs: { run: number; failed: number };
  invariants: { checked: number };
  lateProposals: number;
}

interface Agenda {
  at: number;
  seq: number;
  act: () => Promise<void>;
}

/** A binary heap by (at, seq): the people's next actions in time order, ties in the order they were planned. */
class Queue {
  private heap: Agenda[] = [];
  private seq = 0;
  get size() {
    return this.heap.length;
  }
  peek(): Agenda | undefined {
    return this.heap[0];
  }
  push(at: number, act: () => Promise<void>) {
    const h = this.heap;
    h.push({ at, seq: this.seq++, act });
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Agenda | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
  private less(a: Agenda, b: Agenda) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

export async function runOnce(o: RunOptions): Promise<RunRecord> {
  const { scenario: s, seed, policy, rung } = o;
  const start = beijingMidnight(s.start);
  const end = start + o.days * DAY_MS + s.drainHours * HOUR_MS;
  let now = start;
  const env = o.env ?? process.env;
  const database = await simDatabase(o.server);
  const config: Config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    REDIS_URL: env.REDIS_URL,
    REDIS_CLUSTER_NODES: env.REDIS_CLUSTER_NODES,
    DATABASE_URL: database.url,
    DATA_DIR: database.dataDir,
    SESSION_SECRET: 'simulation-session-secret-0123456789',
    PUBLIC_URL: 'http://127.0.0.1:9',
    ...engineEnv(o.settings),
    ...policyEnv(policy, o.settings),
  });
  const log = o.log ?? createLogger('silent');
  const connected = await connect(config, { log, now: () => now });
  const ctx = connected.ctx;
  const realNotifier = ctx.notify;
  const messages: Record<string, number> = {};
  ctx.notify = {
    async enqueue(list: Outgoing[]) {
      for (const m of list) messages[m.kind] = (messages[m.kind] ?? 0) + 1;
      return list.length;
    },
    requeue: async () => 0,
    close: async () => {},
  };
  const notifications = notificationsListener(ctx);
  const stepper = lifecycleStepper(ctx, connected.queueConn);
  const agenda = new Queue();
  let step = 0;
  let checked = 0;
  let lateProposals = 0;
  const jobs = { run: 0, failed: 0 };
  const grabPolicy = policy === 'grab-tiers' || policy === 'grab-flat';

  try {
    const world = await buildWorld(ctx, s, seed);
    const trips = drawDemand(s, seed, o.days, start);
    const hours = Math.ceil((end - start) / HOUR_MS);
    const hourly = Array.from({ length: hours }, (_, hour) => ({ hour, arrivals: 0, online: 0, open: 0, wins: 0, refused: 0 }));
    const hourAt = (t: number) => hourly[Math.min(hours - 1, Math.max(0, Math.floor((t - start) / HOUR_MS)))];

    // What the simulation knows of each requirement and planner (the people's view, not the engine's).
    interface Trip {
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
    const byId = new Map<number, Trip>();
    const load = new Map<number, number>();
    const wins: AcknowledgedWin[] = [];
    let touched = new Set<number>();
    /** This step called the engine (a step that did not — a planner passing on a release — left its jobs and events as they were). */
    let engineTouched = false;
    /** Requirements a slot was won in this step (the engine's events say): their allocation is checked. */
    let slotsMoved = new Set<number>();

    // ── the people's actions ──────────────────────────────────────────────────────────────────
    const fitOf = (p: SimPlanner, t: SimTrip) => {
      const served = t.destinations.filter((d) => p.destinations.includes(d)).length / t.destinations.length;
      const budget = Math.exp(-Math.abs(Math.log(t.perPersonDayYuan / p.budgetTaste)));
      return { served, budget };
    };

    /** When a told planner looks: at once on the first rung; else when on line; then their reaction time. */
    const looksAt = (p: SimPlanner, t: number, purpose: string, reqIndex: number): number | null => {
      const r = stream(seed, 'planner', p.index, purpose, reqIndex);
      const react = r.lognormal(s.behaviour.reactionSeconds[p.tier].median, s.behaviour.reactionSeconds[p.tier].sigma) * 1000;
      if (rung === 'constant') return t + Math.round(react);
      const from = nextOnLine(s, seed, p, t, start);
      return from === null ? null : from + Math.round(react);
    };

    async function decideToGrab(p: SimPlanner, trip: Trip, tier: string, releasedAt: number) {
      if (trip.ended) return;
      const r = stream(seed, 'planner', p.index, 'grab', trip.trip.index);
      const u = r.next();
      let chance: number;
      if (rung === 'constant') chance = s.behaviour.constant[p.tier];
      else {
        if ((load.get(p.id) ?? 0) >= p.maxActive) return; // full hands: the planner does not try
        if (rung === 'constraints') chance = s.behaviour.constant[p.tier];
        else {
          const L = s.behaviour.logit;
          const fit = fitOf(p, trip.trip);
          const seen = await requirementNow(ctx, { id: trip.id, status: 'open', plannersWanted: trip.wanted });
          const x =
            L.intercept +
            L.fit * fit.served +
            L.budget * fit.budget +
            L.tier[p.tier] +
            L.load * ((load.get(p.id) ?? 0) / p.maxActive) +
            L.perHourSinceRelease * ((now - releasedAt) / HOUR_MS) +
            L.taken * (seen.status === 'open' ? seen.filled / trip.wanted : 1);
          chance = logistic(x);
        }
      }
      if (u >= chance) return;
      engineTouched = true;
      const result = await grab(ctx, { plannerId: p.id, requirementId: trip.id, channel: 'sim' });
      touched.add(trip.id);
      if (!result.ok) {
        hourAt(now).refused++;
        return;
      }
      if (result.repeat || result.confirming) return;
      hourAt(now).wins++;
      wins.push({ workOrderId: result.workOrderId, requirementId: trip.id, plannerId: p.id, tier, at: now });
      planProposal(p, trip, result.workOrderId, now);
    }

    function planProposal(p: SimPlanner, trip: Trip, workOrderId: string, from: number) {
      const r = stream(seed, 'planner', p.index, 'proposal', trip.trip.index);
      const m = s.behaviour.proposal;
      if (r.chance(m.never)) return; // never proposes: the deadline re-releases the slot
      const d = r.chance(m.fastShare) ? m.fastMinutes : m.slowMinutes;
      const at = from + Math.round(r.lognormal(d.median, d.sigma) * MINUTE_MS);
      const priceFen = Math.max(
        100,
        Math.round((trip.trip.budgetFen * r.lognormal(s.behaviour.priceToBudget.median, s.behaviour.priceToBudget.sigma)) / 100) * 100,
      );
      agenda.push(at, async () => {
        engineTouched = true;
        try {
          await submitProposal(ctx, p.id, workOrderId, {
            itinerary: `【模拟】${trip.trip.destinations.join('、')} ${trip.trip.days} 天行程`,
            priceFen,
          });
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          lateProposals++; // past the deadline, or the requirement went on without it
        }
      });
    }

    function planAnswer(p: SimPlanner, trip: Trip, workOrderId: string, at: number) {
      const when = looksAt(p, at, 'offer', trip.trip.index);
      if (when === null) return; // not on line in time: the offer job declines it
      agenda.push(when, async () => {
        engineTouched = true;
        const accept = stream(seed, 'planner', p.index, 'accept', trip.trip.index).chance(s.behaviour.dispatch.accept);
        try {
          if (accept) {
            await acceptOffer(ctx, p.id, workOrderId);
            planProposal(p, trip, workOrderId, now);
          } else await declineOffer(ctx, workOrderId, 'declined', p.id);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err; // the offer had lapsed
        }
        touched.add(trip.id);
      });
    }

    async function travelerDecides(trip: Trip) {
      if (trip.decided || trip.ended) return;
      trip.decided = true;
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
        const p = world.byId.get(w.planner_id)!;
        const price = w.price_fen / trip.trip.budgetFen - 1;
        return Math.exp(c.price * Math.max(0, price) + c.fit * fitOf(p, trip.trip).budget);
      });
      const r = stream(seed, 'traveler', trip.trip.index, 'choice');
      const pick = r.weighted([Math.exp(c.outside), ...utilities]);
      engineTouched = true;
      if (pick === 0) {
        trip.outside = true;
        trip.ended = true;
        await closeRequirement(ctx, trip.id, '旅行者另有安排（模拟）').catch(ignoreDomain);
        return;
      }
      const chosen = offered[pick - 1];
      await choose(ctx, trip.travelerId, trip.id, chosen.id);
      trip.ended = true;
      const pay = stream(seed, 'traveler', trip.trip.index, 'pay');
      if (!pay.chance(s.travelers.pay)) return;
      agenda.push(now + Math.round(pay.lognormal(s.travelers.payMinutes.median, s.travelers.payMinutes.sigma) * MINUTE_MS), async () => {
        engineTouched = true;
        const d = await depositFor(ctx, trip.id, { pay: true, prepay: false });
        if (d.status !== 'pending') return;
        await markPaid(
          ctx,
          d.outTradeNo,
          {
            appid: ctx.config.wechat.appid,
            mchid: 'sim',
            out_trade_no: d.outTradeNo,
            transaction_id: `sim${trip.id}`,
            trade_state: 'SUCCESS',
            amount: { total: d.amountFen, currency: 'CNY' },
            success_time: rfc3339(now),
          },
          'sim',
        );
      });
    }

    function arrive(t: SimTrip) {
      agenda.push(t.at, async () => {
        engineTouched = true;
        hourAt(now).arrivals++;
        const depart = new Date(now + t.leadDays * DAY_MS + 8 * HOUR_MS).toISOString().slice(0, 10);
        const back = new Date(now + (t.leadDays + t.days - 1) * DAY_MS + 8 * HOUR_MS).toISOString().slice(0, 10);
        const wanted = wantedUnder(policy, t.plannersWanted, o.settings.cap);
        const input = requirementInput.parse({
          traveler: { name: `旅行者${t.index + 1}`, phone: String(13_900_000_000 + t.index), openid: `sim-traveler-${t.index + 1}` },
          subject: t.subject,
          ...(t.subject === 'enterprise' ? { company: `模拟企业${t.index + 1}` } : {}),
          origin: t.origin,
          destinations: t.destinations,
          departDate: depart,
          returnDate: back,
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
        byId.set(req.id, trip);
        touched.add(req.id);
        // Waiting for a first proposal, the traveler gives up with a hazard that grows with the wait.
        const a = s.travelers.abandon;
        const patience = stream(seed, 'traveler', t.index, 'abandon').weibull(a.shape, a.scaleHours * HOUR_MS);
        agenda.push(now + Math.round(patience), async () => {
          if (trip.proposals > 0 || trip.ended) return;
          engineTouched = true;
          trip.abandoned = true;
          trip.ended = true;
          await closeRequirement(ctx, trip.id, '旅行者不再等待（模拟）').catch(ignoreDomain);
        });
        if (!grabPolicy) await fallback(ctx, req.id); // assignment: the best-matching planner(s) get it now
      });
    }

    // ── what the engine said: its events, in order ─────────────────────────────────────────────
    let lastEvent = '-';
    async function readEvents() {
      for (;;) {
        const entries = await ctx.redis.xrange(eventsStream, lastEvent === '-' ? '-' : `(${lastEvent}`, '+', 'COUNT', 500);
        if (entries.length === 0) return;
        // The people react in stream order, one event at a time; the messages each event sends are
        // its own (the listener runs 16 at once in production too) and only counted: side by side.
        const sending: Promise<void>[] = [];
        for (const [id, fields] of entries) {
          lastEvent = id;
          const e = JSON.parse(fields[1]) as DomainEvent;
          if (notifications.applicableEvents.includes(e.type)) sending.push(notifications.handle(e));
          await react(e);
        }
        await Promise.all(sending);
      }
    }

    async function react(e: DomainEvent) {
      const trip = byId.get(e.requirementId);
      if (!trip) return;
      switch (e.type) {
        case 'released': {
          if (!grabPolicy) return;
          for (const id of [...e.plannerIds].sort((a, b) => a - b)) {
            const p = world.byId.get(id);
            if (!p) continue;
            const when = looksAt(p, e.at, `look-${e.tier}`, trip.trip.index);
            if (when !== null) agenda.push(when, () => decideToGrab(p, trip, e.tier, e.at));
          }
          return;
        }
        case 'grabbed':
          slotsMoved.add(e.requirementId);
          load.set(e.plannerId, (load.get(e.plannerId) ?? 0) + 1);
          return;
        case 'dispatched': {
          slotsMoved.add(e.requirementId);
          load.set(e.plannerId, (load.get(e.plannerId) ?? 0) + 1);
          const p = world.byId.get(e.plannerId);
          if (p) planAnswer(p, trip, e.workOrderId, e.at);
          return;
        }
        case 'full':
          trip.full = true;
          return;
        case 'expired':
          load.set(e.plannerId, Math.max(0, (load.get(e.plannerId) ?? 0) - 1));
          // Assignment: the next best-matching planner is assigned (the same dispatch path).
          if (!grabPolicy && !trip.ended)
            agenda.push(now, async () => {
              engineTouched = true;
              touched.add(trip.id);
              await fallback(ctx, trip.id);
            });
          return;
        case 'proposal': {
          trip.proposals++;
          const r = stream(seed, 'traveler', trip.trip.index, 'decide');
          const wait = Math.round(r.lognormal(s.travelers.decideHours.median, s.travelers.decideHours.sigma) * HOUR_MS);
          const at = trip.proposals >= trip.wanted ? now : trip.proposals === 1 ? now + wait : null;
          if (at !== null && (trip.decideAt === null || at < trip.decideAt)) {
            trip.decideAt = at;
            agenda.push(at, () => travelerDecides(trip));
          }
          return;
        }
        case 'chosen':
        case 'closed': {
          const involved = e.type === 'chosen' ? [e.plannerId, ...e.others.map((x) => x.plannerId)] : e.workOrders.map((w) => w.plannerId);
          for (const id of involved) load.set(id, Math.max(0, (load.get(id) ?? 0) - 1));
          trip.ended = true;
          return;
        }
      }
    }

    let hourlyCheck = false;
    const live = () => [...byId.values()].filter((t) => !t.ended).map((t) => t.id);

    // ── the loop ──────────────────────────────────────────────────────────────────────────────
    for (const t of trips) arrive(t);
    for (let h = 0; h < hours; h++)
      agenda.push(start + h * HOUR_MS, async () => {
        const row = hourly[h];
        row.online = world.planners.filter((p) => onLine(s, seed, p, now, start)).length;
        row.open = [...byId.values()].filter((t) => !t.ended).length;
        hourlyCheck = true; // every simulated hour, the whole marketplace is checked (after this step)
      });

    const replay = () =>
      `seed ${seed}, policy ${policy}, rung ${rung}, step ${step} at ${new Date(now + 8 * HOUR_MS).toISOString().slice(0, 19).replace('T', ' ')} (Beijing)`;
    try {
      // When the next job is due: asked again only after a step that called the engine.
      let known: { jobAt: number | null } | null = null;
      for (;;) {
        const jobAt: number | null = known ? known.jobAt : await stepper.nextDue(now);
        const next = agenda.peek();
        const at = Math.min(jobAt ?? Number.POSITIVE_INFINITY, next?.at ?? Number.POSITIVE_INFINITY);
        if (!Number.isFinite(at) || at > end) break;
        now = Math.max(now, at);
        touched = new Set();
        slotsMoved = new Set();
        const winsBefore = wins.length;
        engineTouched = false;
        if (jobAt !== null && jobAt <= (next?.at ?? Number.POSITIVE_INFINITY)) {
          engineTouched = true;
          const ran = await stepper.runNext(now);
          if (ran) {
            jobs.run++;
            // A release or the fallback may dispatch (wins whose follow-up runs after the job): waited for below.
            if ('requirementId' in ran.data && typeof ran.data.requirementId === 'number') touched.add(ran.data.requirementId);
            if (!ran.ok) {
              jobs.failed++;
              log.warn({ job: ran.name, err: ran.error }, 'simulated lifecycle job failed (BullMQ retries it)');
            }
          }
        } else await agenda.pop()!.act();
        step++;
        known = engineTouched ? null : { jobAt };
        if (engineTouched) {
          // Quiet: every win's follow-up (its deadline scheduled, its events out) done before time moves.
          for (const id of touched) while ((await winsInFlight(ctx, id)) > 0) await new Promise((r) => setImmediate(r));
          await readEvents();
        }
        await o.beforeChecks?.(ctx, step, wins.slice(winsBefore));
        for (const w of wins.slice(winsBefore)) checked += await checkWins(ctx, [w]);
        if (slotsMoved.size) checked += await checkSlots(ctx, [...slotsMoved]);
        if (hourlyCheck) {
          hourlyCheck = false;
          checked += await checkSlots(ctx, live());
          checked += await checkAgreement(ctx);
          checked += await checkNothingOverdue(ctx, now, await stepper.dueBy(now - 1), await stepper.failed());
        }
        if (step % 500 === 0) o.progress?.({ at: now, end, steps: step });
      }
      now = end;
      checked += await checkNothingOverdue(ctx, end, await stepper.dueBy(end), await stepper.failed());
      checked += await checkSlots(ctx, [...byId.keys()]);
      checked += await checkAgreement(ctx);
    } catch (err) {
      if (err instanceof InvariantViolation) err.replay = replay();
      throw err;
    }
    o.progress?.({ at: end, end, steps: step });

    // ── what happened, from the records ───────────────────────────────────────────────────────
    await ctx.audit.flush();
    const reqRows = await ctx.db.requirement.findMany({
      select: { id: true, createdAt: true, plannersWanted: true, status: true },
      orderBy: { id: 'asc' },
    });
    const woRows = await ctx.db.workOrder.findMany({
      select: {
        requirementId: true,
        plannerId: true,
        supplierId: true,
        channel: true,
        status: true,
        grabbedAt: true,
        acceptedAt: true,
        proposedAt: true,
      },
      orderBy: [{ grabbedAt: 'asc' }, { id: 'asc' }],
    });
    const attemptRows = await ctx.pool.query<{ code: string; n: number }>(
      `SELECT code, count(*)::int AS n FROM grab_events WHERE channel = 'sim' GROUP BY code ORDER BY code`,
    );
    return {
      policy,
      seed,
      start,
      end,
      requirements: reqRows.map((r) => {
        const t = byId.get(r.id);
        return {
          id: r.id,
          index: t?.trip.index ?? -1,
          createdAt: r.createdAt.getTime(),
          wanted: r.plannersWanted,
          status: r.status,
          full: t?.full ?? false,
          abandoned: t?.abandoned ?? false,
          outside: t?.outside ?? false,
        };
      }),
      workOrders: woRows.map((w) => ({
        requirementId: w.requirementId,
        plannerId: w.plannerId,
        supplierId: w.supplierId,
        tier: world.byId.get(w.plannerId)?.tier ?? 'C',
        channel: w.channel,
        status: w.status,
        grabbedAt: w.grabbedAt.getTime(),
        acceptedAt: w.acceptedAt?.getTime() ?? null,
        proposedAt: w.proposedAt?.getTime() ?? null,
      })),
      attempts: Object.fromEntries(attemptRows.rows.map((r) => [r.code, r.n])),
      suppliers: world.suppliers,
      messages: Object.fromEntries(Object.entries(messages).sort(([a], [b]) => a.localeCompare(b))),
      hourly,
      steps: step,
      jobs,
      invariants: { checked },
      lateProposals,
    };
  } finally {
    await stepper.close().catch(() => {});
    await realNotifier.close().catch(() => {});
    const ns = ctx.ns;
    await dropNamespace(connected.queueConn, ns).catch(() => {});
    await connected.queueConn
      .hdel(checkoutsHash, checkoutId({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL }))
      .catch(() => {});
    await connected.close().catch(() => {});
    await database.drop().catch(() => {});
    rmSync(database.dataDir, { recursive: true, force: true });
  }
}

function ignoreDomain(err: unknown) {
  if (!(err instanceof DomainError)) throw err;
}
