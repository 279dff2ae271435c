/**
 * Prometheus metrics (GET /metrics, CONTRACT): one registry per process (tests run several apps in
 * one process; prom-client's global registry would mix them). What is counted comes from the
 * seams that already see it — the grab audit trail (every attempt and its code), the front
 * server (grab and reply latency), the workers (queue waiting time, release lateness, template
 * sends by error code) — and what is a level is read when scraped (queue depths, live streams).
 */

import cluster from 'node:cluster';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Job, Queue, Worker } from 'bullmq';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEntry, Metrics } from '../context.js';
import { sinceArrival } from '../http/arrival.js';
import { clusterMember } from './cluster.js';

/** What the pool gauge reads of a pg.Pool. */
interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options: { max?: number };
}

const LATENCY = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const WAIT = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900];
/** A grab's answer by its status (api/planner.ts): a new win is a 201, a repeat a 200, "being confirmed" a 202. */
const grabOutcome = (status: number) =>
  status === 201 ? 'won' : status === 200 ? 'repeat' : status === 202 ? 'confirming' : status < 500 ? 'refused' : 'failed';

export { clusterPrimary } from './cluster.js';

export function createMetrics(): Metrics & {
  /** Times the two hot routes (grab, WeChat reply) from arrival to the last byte written, when Koa answers them (the lean routes time themselves: leanTimer). */
  timeRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Watches a BullMQ worker: waiting time of each job, and (lifecycle) lateness of each release. */
  watchWorker(queue: string, worker: Worker): void;
  /** Queues whose depths are read at each scrape, the live streams' count, and the process's PostgreSQL pools. */
  watch(what: {
    queues?: Queue[];
    liveConnections?: () => number;
    pools?: Record<string, PoolLike>;
    /** Each listener's place in the event stream: entries not yet read (lag) and read but not acknowledged (pending). */
    listeners?: () => Promise<{ listener: string; lag: number; pending: number }[]>;
    /** Whether Redis and PostgreSQL answer (readiness, infra/readiness.ts). */
    dependencies?: () => Promise<{ redis: boolean; database: boolean }>;
    /** Requirements open and waiting for planners, and dead-lettered events waiting for a person. */
    backlog?: () => Promise<{ waitingRequirements: number; deadLetters: number }>;
  }): void;
} {
  const registry = new Registry();
  // Which process answered (web processes share a port under WEB_CONCURRENCY).
  registry.setDefaultLabels({ pid: String(process.pid) });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 }); // includes nodejs_eventloop_lag_*
  const registers = [registry];
  // Every attempt is counted here in a plain number and handed to prom-client when scraped: a
  // labelled child's inc() builds and hashes its label string each time, thousands a second in a storm.
  const attemptsBy = new Map<string, Map<string, number>>();
  new Counter({
    name: 'grab_attempts_total',
    help: 'Grab attempts by outcome code and channel',
    labelNames: ['code', 'channel'],
    registers,
    collect() {
      for (const [code, byChannel] of attemptsBy)
        for (const [channel, n] of byChannel)
          if (n > 0) {
            this.inc({ code, channel }, n);
            byChannel.set(channel, 0);
          }
    },
  });
  const grabSeconds = new Histogram({
    name: 'grab_request_duration_seconds',
    help: 'POST /api/planner/grabs, first byte to last, by outcome (won, repeat, confirming, refused, failed)',
    labelNames: ['outcome'],
    buckets: LATENCY,
    registers,
  });
  const replySeconds = new Histogram({
    name: 'wechat_reply_duration_seconds',
    help: 'POST /wechat/callback, first byte to last',
    buckets: LATENCY,
    registers,
  });
  const lateness = new Histogram({
    name: 'release_lateness_seconds',
    help: 'How long after its planned moment a tier release ran',
    labelNames: ['tier'],
    buckets: WAIT,
    registers,
  });
  const waiting = new Histogram({
    name: 'queue_wait_seconds',
    help: 'Time from when a job was due to when a worker took it',
    labelNames: ['queue'],
    buckets: WAIT,
    registers,
  });
  const templates = new Counter({
    name: 'template_messages_total',
    help: 'Template message sends by outcome (sent, failed) and WeChat error code',
    labelNames: ['outcome', 'code'],
    registers,
  });
  const http = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Requests served by Koa (every route but the lean grab and reply, timed above), by route pattern, method and status class (2xx, 4xx, 5xx)',
    labelNames: ['route', 'method', 'status'],
    buckets: LATENCY,
    registers,
  });
  const payments = new Counter({
    name: 'payments_total',
    help: 'Deposits (created, paid) and refunds (success, closed, abnormal, refused) by outcome',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const deadLettered = new Counter({
    name: 'events_dead_lettered_total',
    help: 'Events a listener gave up on after its attempts (events/bus.ts): kept in dead_letters for a person',
    labelNames: ['listener'],
    registers,
  });
  let listeners: (() => Promise<{ listener: string; lag: number; pending: number }[]>) | undefined;
  let dependencies: (() => Promise<{ redis: boolean; database: boolean }>) | undefined;
  let backlog: (() => Promise<{ waitingRequirements: number; deadLetters: number }>) | undefined;
  new Gauge({
    name: 'event_listener_lag',
    help: 'Events in the stream a listener has not handled yet, by listener and kind (lag: not read; pending: read, not acknowledged)',
    labelNames: ['listener', 'kind'],
    registers,
    async collect() {
      this.reset();
      for (const l of (await listeners?.().catch(() => [])) ?? []) {
        this.set({ listener: l.listener, kind: 'lag' }, l.lag);
        this.set({ listener: l.listener, kind: 'pending' }, l.pending);
      }
    },
  });
  new Gauge({
    name: 'dependency_up',
    help: 'Whether Redis and PostgreSQL answer this process (1) or not (0)',
    labelNames: ['dependency'],
    registers,
    async collect() {
      if (!dependencies) return;
      const d = await dependencies();
      this.set({ dependency: 'redis' }, d.redis ? 1 : 0);
      this.set({ dependency: 'postgres' }, d.database ? 1 : 0);
    },
  });
  new Gauge({
    name: 'marketplace_backlog',
    help: 'Requirements open and released but short of planners (waiting_requirements), events dead-lettered and not yet retried or discarded (dead_letters)',
    labelNames: ['what'],
    registers,
    async collect() {
      const b = await backlog?.().catch(() => null);
      if (!b) return;
      this.set({ what: 'waiting_requirements' }, b.waitingRequirements);
      this.set({ what: 'dead_letters' }, b.deadLetters);
    },
  });
  const queues: Queue[] = [];
  let live: (() => number) | undefined;
  const pools: Record<string, PoolLike> = {};
  new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in each BullMQ queue by state',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const q of queues) {
        const counts = await q.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
  new Gauge({
    name: 'db_pool_connections',
    help: "This process's PostgreSQL connections by pool (general, recorder, audit, worker) and state: open, idle, waiting (callers queued for one), max (the pool's size)",
    labelNames: ['pool', 'state'],
    registers,
    collect() {
      this.reset();
      for (const [pool, p] of Object.entries(pools)) {
        this.set({ pool, state: 'open' }, p.totalCount);
        this.set({ pool, state: 'idle' }, p.idleCount);
        this.set({ pool, state: 'waiting' }, p.waitingCount);
        this.set({ pool, state: 'max' }, p.options.max ?? 10);
      }
    },
  });
  new Gauge({
    name: 'live_connections',
    help: 'Open live streams (SSE) on this process',
    registers,
    collect() {
      this.set(live?.() ?? 0);
    },
  });

  // The hot routes' histograms by outcome, looked up once (a label object hashed per request costs more than the observation).
  const grabBy = Object.fromEntries(['won', 'repeat', 'confirming', 'refused', 'failed'].map((o) => [o, grabSeconds.labels(o)]));
  const grabTimed = (status: number, seconds: number) => grabBy[grabOutcome(status)].observe(seconds);
  const replyTimed = (_status: number, seconds: number) => replySeconds.observe(seconds);
  function grabFinished(this: ServerResponse) {
    grabTimed(this.statusCode, sinceArrival(this.req) / 1000);
  }
  function replyFinished(this: ServerResponse) {
    replyTimed(this.statusCode, sinceArrival(this.req) / 1000);
  }

  // A web process of WEB_CONCURRENCY: a scrape shows every process (metrics/cluster.ts).
  const member = cluster.isWorker ? clusterMember(registry) : null;
  return {
    contentType: registry.contentType,
    text: member ? member.text : () => registry.metrics(),
    json: () => registry.getMetricsAsJSON(),
    grabAttempt(e: AuditEntry) {
      let byChannel = attemptsBy.get(e.code);
      if (!byChannel) attemptsBy.set(e.code, (byChannel = new Map()));
      byChannel.set(e.channel, (byChannel.get(e.channel) ?? 0) + 1);
    },
    httpRequest(route, method, status, seconds) {
      http.observe({ route, method, status: `${Math.floor(status / 100)}xx` }, seconds);
    },
    payment(kind, outcome) {
      payments.inc({ kind, outcome });
    },
    deadLettered(listener) {
      deadLettered.inc({ listener });
    },
    templateSent(outcome, code) {
      templates.inc({ outcome, code: code === undefined ? 'none' : String(code) });
    },
    leanTimer: (route) => (route === 'POST /api/planner/grabs' ? grabTimed : route === 'POST /wechat/callback' ? replyTimed : null),
    timeRequest(req, res) {
      if (req.method !== 'POST') return;
      const url = req.url ?? '';
      // One shared listener each (no closure, no timer object per request), timed from the request's arrival.
      if (url.startsWith('/api/planner/grabs')) res.on('finish', grabFinished);
      else if (url.startsWith('/wechat/callback')) res.on('finish', replyFinished);
    },
    watchWorker(queue, worker) {
      worker.on('active', (job: Job) => {
        const due = job.timestamp + (job.opts.delay ?? 0);
        const late = Math.max(0, Date.now() - due) / 1000;
        waiting.observe({ queue }, late);
        const data = job.data as { kind?: string; tier?: string };
        if (data.kind === 'release' && data.tier) lateness.observe({ tier: data.tier }, late);
      });
    },
    watch(what) {
      if (what.queues) queues.push(...what.queues);
      if (what.liveConnections) live = what.liveConnections;
      if (what.pools) Object.assign(pools, what.pools);
      if (what.listeners) listeners = what.listeners;
      if (what.dependencies) dependencies = what.dependencies;
      if (what.backlog) backlog = what.backlog;
    },
  };
}
