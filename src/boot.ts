/**
 * Starting the product: services, schema, hot state (connect), then the listeners of engine events
 * (every role), the web side and/or the workers (ROLE=all|web|worker). main.ts calls start; scripts
 * call connect; so do the tests. This is where capabilities are wired to each other.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Queue } from 'bullmq';
import { apiRoutes, leanApiRoutes } from './api/index.js';
import type { Config } from './config.js';
import type { Ctx, Workers } from './context.js';
import { createEventBus, deadLetters, type Listening, listen, listenerLag, waitingDeadLetters } from './events/index.js';
import {
  announceReleasePlan,
  closePromises,
  createAudit,
  createQueue,
  createRecorder,
  loadAll,
  pruneGrabEvents,
  RECORDER_CONNECTIONS,
  readEngineScripts,
  rebuildSchedule,
  reconcile,
  scriptsFor,
  startEngineWorkers,
  withLock,
} from './grab/index.js';
import { createApp } from './http/app.js';
import { withRequestId } from './http/request-id.js';
import { createFrontServer, type FrontServer } from './http/server.js';
import { createPrisma, ensureDatabase, recorderPool, relaxedPool } from './infra/database.js';
import { queuePrefix, scheduleLock } from './infra/keys.js';
import { migrate } from './infra/migrate.js';
import { claimNamespace, databaseIdentity, namespaceOf } from './infra/namespace.js';
import { readinessCheck } from './infra/readiness.js';
import {
  commandClient,
  describeTarget,
  ensureRedis,
  queueConnection,
  type RedisClient,
  type RedisTarget,
  subscriberConnection,
} from './infra/redis.js';
import { watchRedisLoss } from './infra/redis-loss.js';
import { scriptLine } from './infra/script-line.js';
import { kernelScripts, readKernelScripts } from './infra/scripts.js';
import { within } from './infra/within.js';
import { createHub, type Hub, liveListener, serveStream } from './live/index.js';
import { createLogger, type Logger } from './log.js';
import { createMetrics } from './metrics/index.js';
import { createNotifier, deliveryReport, loadTemplates, NOTIFY_QUEUE, notificationsListener, startNotifyWorker } from './notify/index.js';
import { countAccounts, GRADING_QUEUE, startGradingWorkers } from './ops/index.js';
import { PAY_QUEUE, rescheduleDeposits, startPayWorkers } from './pay/index.js';
import { createRevocations, revocationRecord, sessionSecret } from './session/index.js';
import { requeueSimulations, SIM_QUEUE, startSimulationWorker } from './sim/index.js';
import { applyRetention } from './traveler/index.js';
import { createWechatApi, createWechatEvents, readWechatScripts, wechatScripts } from './wechat/index.js';

interface Options {
  log?: Logger;
  now?: () => number;
}

export interface Connected {
  ctx: Ctx;
  /** Where Redis is (one server or a cluster). */
  redisTarget: RedisTarget;
  metrics: ReturnType<typeof createMetrics>;
  /** The BullMQ connection (no key prefix). */
  queueConn: RedisClient;
  database: { url: string; embedded: boolean };
  close(): Promise<void>;
}

export interface Running {
  ctx: Ctx;
  url: string;
  /** The live-stream hub of this instance (absent for ROLE=worker). */
  hub?: Hub;
  /** What the workers run with (their own database pool), absent for ROLE=web. */
  workerCtx?: Ctx;
  stop(): Promise<void>;
}

/** Real credentials need a template id per file in templates/, or those messages are silently never sent. */
function checkTemplateIds(config: Config, log: Logger) {
  if (config.sandbox) return;
  const missing = [...loadTemplates().keys()].filter((k) => !config.wechat.templateIds[k]);
  if (!missing.length) return;
  const message = `WECHAT_TEMPLATE_IDS: no template id for ${missing.join(', ')} (key=templateId,…): those template messages cannot be sent`;
  if (config.NODE_ENV === 'production') throw new Error(`invalid configuration:\n  ${message}`);
  log.warn(message);
}

/** Services, schema, connections and hot state: what every role (and every script) needs. */
export async function connect(config: Config, opts: Options = {}): Promise<Connected> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  checkTemplateIds(config, log);
  const redisTarget = await ensureRedis(config, log);
  if (redisTarget.kind === 'cluster') log.info({ redis: describeTarget(redisTarget) }, 'Redis Cluster');
  const database = await ensureDatabase(config.DATABASE_URL, config.DATA_DIR, log);
  const applied = await migrate(database.url);
  if (applied.length) log.info({ applied }, 'database migrated');

  // One connection to the embedded database: pglite-socket's multiplexer keeps only transactions
  // together, so two connections' extended-protocol messages can interleave (08P01 errors).
  // A process that serves requests: 16 for them, and the wins' group commit 4 of its own (always
  // open), with the audit's one 21 at most. A ROLE=worker process: WORKER_DB_POOL for everything
  // (its jobs, listeners and the few wins of dispatches), with the audit's WORKER_DB_POOL + 1.
  // ROLE=all adds the workers' own WORKER_DB_POOL to the web's 21 (below).
  const web = config.ROLE !== 'worker';
  const { db, pool } = createPrisma(database.url, database.embedded ? 1 : web ? 16 : config.WORKER_DB_POOL, database.embedded);
  const winsPool = database.embedded || !web ? pool : recorderPool(database.url, RECORDER_CONNECTIONS);
  // Every Redis key of this database lives under its namespace (infra/keys.ts).
  const ns = namespaceOf(await databaseIdentity(pool));
  const metrics = createMetrics();
  // The audit trail commits without waiting for the disk (it may lose its last fraction of a second
  // anyway, audit.ts): its batches of thousands of rows must not hold up the wins' commits.
  const auditPool = database.embedded ? pool : relaxedPool(database.url);
  const audit = createAudit(auditPool, log);
  metrics.watch({
    pools: { general: pool, ...(winsPool !== pool && { recorder: winsPool }), ...(auditPool !== pool && { audit: auditPool }) },
  });
  const redis = commandClient(redisTarget, ns);
  // The Lua scripts over a direct line on one server (infra/script-line.ts); ioredis on a cluster.
  const line = redisTarget.kind === 'server' && config.REDIS_SCRIPT_LINE === 'on' ? scriptLine(redisTarget.url, ns, log) : null;
  const queueConn = queueConnection(redisTarget); // no keyPrefix (BullMQ takes its own prefix)
  const dropped = await claimNamespace(queueConn, { dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL }, ns, log);
  if (dropped) log.warn({ dropped }, "keys of this checkout's previous database dropped from Redis");
  const ctx: Ctx = {
    config,
    log,
    db,
    pool,
    redis,
    ns,
    lua: { ...kernelScripts(redis, line), ...scriptsFor(redis, line), ...wechatScripts(redis, line) },
    queue: createQueue(queueConn, ns),
    events: createEventBus(redis),
    notify: null as never, // these two are set just below: they read the rest of the context
    wechat: null as never,
    wechatEvents: createWechatEvents(),
    metrics,
    // Every grab attempt passes here once: the audit trail, and the attempts counter by code.
    audit: {
      record: (e) => {
        metrics.grabAttempt(e);
        audit.record(e);
      },
      flush: audit.flush,
    },
    recorder: createRecorder(winsPool, config.PROPOSAL_DEADLINE),
    sessionSecret: sessionSecret(config.SESSION_SECRET, config.DATA_DIR, config.NODE_ENV === 'production'),
    revocations: null as never, // below: read once Redis holds only this database's state
    now: opts.now ?? Date.now,
    wechatApiBase: () =>
      config.wechat.apiBase ?? (config.sandbox ? `${ctx.localUrl ?? config.PUBLIC_URL}/sandbox` : 'https://api.weixin.qq.com'),
  };

  ctx.ready = readinessCheck(
    redis,
    pool,
    [...readKernelScripts(), ...readEngineScripts(), ...readWechatScripts()].map((s) => s.lua),
  );
  ctx.notify = createNotifier(ctx, queueConn);
  ctx.wechat = createWechatApi(ctx, ctx.wechatApiBase);
  // Template messages' delivery reports come to the callback as an event: notify records them.
  ctx.wechatEvents.on('TEMPLATESENDJOBFINISH', deliveryReport);
  ctx.revocations = createRevocations(redis, subscriberConnection(redisTarget), revocationRecord(pool), log, ctx.now);
  await ctx.revocations.ready;
  const loaded = await loadAll(ctx);
  if (loaded.requirements || loaded.planners) log.info(loaded, 'hot state rebuilt from PostgreSQL');
  const replayed = await reconcile(ctx);
  if (replayed) log.warn({ replayed }, 'journal replayed at boot');

  return {
    ctx,
    redisTarget,
    metrics,
    queueConn,
    database: { url: database.url, embedded: database.embedded },
    async close() {
      closePromises(ctx);
      await ctx.audit.flush();
      ctx.revocations.close();
      await ctx.queue.close();
      await ctx.notify.close();
      await db.$disconnect();
      await pool.end();
      if (auditPool !== pool) await auditPool.end();
      if (winsPool !== pool) await winsPool.end();
      line?.close();
      redis.disconnect();
      queueConn.disconnect();
      await database.stop();
    },
  };
}

/**
 * Every job still due, derived from PostgreSQL (releases, fallback, deadlines, offers, queued
 * messages, deposit expiries): at a worker's start and every few minutes, by one process at a time.
 * Existing jobs are left alone (deterministic ids); after a Redis loss, the due ones come back.
 */
export async function rebuildSchedules(
  ctx: Ctx,
): Promise<{ requirements: number; workOrders: number; messages: number; deposits: number; simulations: number } | null> {
  try {
    return await withLock(ctx, scheduleLock, 120_000, async () => {
      const lifecycle = await rebuildSchedule(ctx);
      const messages = await ctx.notify.requeue();
      const deposits = await rescheduleDeposits(ctx);
      const simulations = await requeueSimulations(ctx);
      const done = { ...lifecycle, messages, deposits, simulations };
      ctx.log.debug(done, 'schedule derived from PostgreSQL');
      return done;
    });
  } catch (err) {
    ctx.log.error({ err }, 'schedule not rebuilt this time');
    return null;
  }
}

/** Waits for `p` at most `ms`; past that, says what is left behind and goes on. */
async function bounded(p: Promise<unknown> | undefined, ms: number, what: string, log: Logger): Promise<void> {
  const LATE = Symbol('late');
  if (
    (await within(
      Promise.resolve(p).catch(() => {}),
      ms,
      LATE,
    )) === LATE
  )
    log.warn({ waitedMs: ms }, `stopping: ${what} still running, left behind`);
}

/** connect(), then the web side and/or the workers, as ROLE says. */
export async function start(config: Config, opts: Options = {}): Promise<Running> {
  const { ctx, redisTarget, close, metrics, queueConn, database } = await connect(config, opts);
  const queueOf = (name: string) => new Queue(name, { connection: queueConn, prefix: queuePrefix(ctx.ns, name) });
  const watched = [ctx.queue, queueOf(NOTIFY_QUEUE), queueOf(GRADING_QUEUE), queueOf(PAY_QUEUE), queueOf(SIM_QUEUE)];
  metrics.watch({
    queues: watched,
    listeners: () => listenerLag(ctx.redis),
    dependencies: () => ctx.ready!(),
    // Open requirements released more than 10 minutes ago (what "no wins while requirements wait" watches).
    backlog: async () => {
      const [{ n }] = await ctx.db.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM requirements WHERE status = 'open' AND created_at < now() - interval '10 minutes'`;
      return { waitingRequirements: n, deadLetters: await waitingDeadLetters(ctx) };
    },
  });
  const log = ctx.log;
  // `npm run seed` beside this server schedules releases as this server would (docs/trying-it.md).
  await announceReleasePlan(ctx);
  if ((await countAccounts(ctx)) === 0)
    log.warn('no ops account yet: create one with `npm run ops-user -- --email you@example.com --role admin`, then sign in at /ops/login');

  // Listeners of engine events run beside the workers: a web process (ROLE=web) only answers requests,
  // so a storm's follow-up work (messages, live fan-out) never competes with the grabs for its CPU.
  // Events wait in the stream, durable, while no worker is up.
  const listening: Listening | undefined =
    config.ROLE === 'web'
      ? undefined
      : listen(ctx.redis, [liveListener(ctx), notificationsListener(ctx)], { log, deadLetter: deadLetters(ctx) });
  await listening?.ready;

  // Each capability starts its own background work; the schedule (every job still due) is derived
  // from PostgreSQL now and every SCHEDULE_REBUILD_EVERY, and at once when Redis lost its data.
  let workers: Workers[] = [];
  let workerConn: ReturnType<typeof queueConnection> | undefined;
  let workerCtx: Ctx | undefined;
  let workerDb: ReturnType<typeof createPrisma> | undefined;
  let rebuilding: Promise<unknown> = Promise.resolve();
  let retaining: Promise<unknown> = Promise.resolve();
  const timers: NodeJS.Timeout[] = [];
  let lossWatch: { stop(): void } | undefined;
  if (config.ROLE !== 'web') {
    const conn = (workerConn = queueConnection(redisTarget));
    // Beside a web server (ROLE=all) the workers get their own database connections (the embedded
    // database has only one): a busy schedule must not starve web requests of theirs (ops intake
    // answered 500 when they shared). A ROLE=worker process's pool is theirs already.
    workerDb = database.embedded || config.ROLE === 'worker' ? undefined : createPrisma(database.url, config.WORKER_DB_POOL);
    const w: Ctx = workerDb ? { ...ctx, db: workerDb.db, pool: workerDb.pool } : ctx;
    if (workerDb) metrics.watch({ pools: { worker: workerDb.pool } });
    workerCtx = w;
    const engine = startEngineWorkers(w, conn);
    const notify = startNotifyWorker(w, w.wechat, conn);
    workers = [engine, notify, await startPayWorkers(w, conn), await startGradingWorkers(w, conn), await startSimulationWorker(w, conn)];
    metrics.watchWorker(ctx.queue.name, engine.worker!);
    metrics.watchWorker(NOTIFY_QUEUE, notify.worker);
    rebuilding = rebuildSchedules(w); // in the background: starting does not wait for it (stopping does)
    timers.push(setInterval(() => void (rebuilding = rebuildSchedules(w)), config.SCHEDULE_REBUILD_EVERY * 1000));
    // Hourly, in batches: old grab attempts folded into counts (GRAB_EVENTS_KEEP_DAYS), and the
    // personal-data retention rule (PRIVACY_RETENTION_DAYS; off in development unless set).
    const retain = async () => {
      const folded = await pruneGrabEvents(w.pool, config.GRAB_EVENTS_KEEP_DAYS, w.now());
      if (folded) log.info({ folded }, 'old grab attempts folded into per-requirement counts');
      if (config.retentionDays) await applyRetention(w);
    };
    const retainLogged = () => {
      retaining = retain().catch((err) => log.error({ err }, 'retention run failed; tried again in an hour'));
    };
    timers.push(setTimeout(retainLogged, 60_000).unref(), setInterval(retainLogged, 3_600_000));
    // One server only: a cluster loses a master's slots, not everything, and one marker key cannot
    // say which (the periodic rebuild does).
    if (!ctx.redis.isCluster)
      lossWatch = watchRedisLoss(ctx.redis, log, () => {
        rebuilding = rebuildSchedules(w);
        void ctx.revocations.reload();
      });
  }

  let server: FrontServer | undefined;
  let hub: Hub | undefined;
  let url = '';
  if (config.ROLE !== 'worker') {
    const liveHub = (hub = createHub(ctx, subscriberConnection(redisTarget))); // one subscriber for every stream of this instance
    ctx.revocations.onRevoke((user) => liveHub.end(user)); // a suspended planner's streams end at once
    metrics.watch({ liveConnections: () => liveHub.connections() });
    await ctx.recorder.warm(); // before the first request: a storm's first wins find their connections open
    const koa = createApp(ctx, apiRoutes(ctx, watched)).callback();
    const lean = leanApiRoutes(ctx);
    // The live stream and the hot routes are served in front of Koa (live/raw.ts and http/lean.ts say why); everything else by Koa.
    const rest = (req: IncomingMessage, res: ServerResponse) => {
      metrics.timeRequest(req, res); // a hot route's request Koa answers (the lean routes time their own)
      return serveStream(ctx, liveHub, req, res) || koa(req, res);
    };
    server = createFrontServer(config, (req, res) => {
      // The hot routes first (they put the request id in their one writeHead), then the live stream and Koa.
      withRequestId(req, res, (hot) => (hot ? lean(req, res) : void rest(req, res)));
    });
    await new Promise<void>((ok) => server!.listen(config.PORT, ok));
    const port = (server.address() as { port: number }).port;
    url = `http://127.0.0.1:${port}`;
    ctx.localUrl = url;
    log.info({ url, role: config.ROLE, publicUrl: config.PUBLIC_URL }, 'listening');
  }

  return {
    ctx,
    url,
    hub,
    workerCtx,
    async stop() {
      // Web first: stop taking connections, send the streams elsewhere, answer what is in flight
      // (its grabs need Redis and PostgreSQL, closed last), while the workers finish their jobs.
      const drained = server?.drain(config.SHUTDOWN_GRACE_MS);
      const told = hub?.drain() ?? 0;
      if (server) log.info({ streams: told }, 'draining: streams told to reconnect, in-flight requests finishing');
      for (const t of timers) clearInterval(t);
      lossWatch?.stop();
      // Each step is waited for, but not forever: a schedule rebuild waiting on the lock another
      // process left (Redis cut mid-rebuild) must not hold a shutdown for its two minutes. What is
      // abandoned is derived again from PostgreSQL by the next process.
      // A retention batch in flight finishes before the pools close.
      await Promise.all([bounded(rebuilding, 10_000, 'schedule rebuild', log), bounded(retaining, 10_000, 'retention batch', log)]);
      await bounded(listening?.close(), 5_000, 'event listeners closing', log);
      // Workers first: their jobs may be talking to this very server (the sandbox). Side by side:
      // after a Redis outage each may wait for its connection's next try (BullMQ's back-off grows to 20 s).
      await bounded(Promise.all(workers.map((x) => x.close())), 15_000, 'the workers closing', log);
      await bounded(Promise.all(watched.slice(1).map((q) => q.close())), 5_000, 'queues closing', log);
      workerConn?.disconnect();
      await workerDb?.db.$disconnect();
      await workerDb?.pool.end();
      await bounded(hub?.close(), 5_000, 'live streams closing', log); // a stream opened while draining ends too, or the server would wait for it forever
      await drained;
      await bounded(close(), 15_000, 'connections closing', log);
    },
  };
}
