/**
 * Entry point of `npm start`: parse config, start, stop cleanly on SIGINT/SIGTERM. With
 * WEB_CONCURRENCY=N (N > 1) this process is the primary of a node:cluster: it runs the workers
 * (unless ROLE=web) and N web processes share the port; one that dies is replaced; a signal stops
 * them all cleanly.
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { start } from './boot.js';
import { loadConfig } from './config.js';
import { clusterPrimary } from './metrics/index.js';

// A .env file, when present, fills variables not already set (see .env.example).
if (existsSync('.env')) process.loadEnvFile('.env');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

if (config.WEB_CONCURRENCY > 1 && cluster.isPrimary) {
  if (!config.DATABASE_URL) {
    console.error('invalid configuration:\n  WEB_CONCURRENCY: needs DATABASE_URL (the embedded database serves one process)');
    process.exit(2);
  }
  await primary(config);
} else {
  await single(config);
}

/** N web processes on one port, the workers here; replaced when one dies, one by one on SIGHUP, all stopped on SIGTERM/SIGINT. */
async function primary(c: ReturnType<typeof loadConfig>) {
  // Workers (and migrations) first, so the web processes start on a ready database.
  const own = c.ROLE === 'web' ? null : await start({ ...c, ROLE: 'worker' });
  clusterPrimary(own ? () => own.ctx.metrics.json() : null); // one scrape of any web process shows all
  let stopping = false;
  const fork = () => cluster.fork({ ROLE: 'web' });
  for (let i = 0; i < c.WEB_CONCURRENCY; i++) fork();
  // A web process that cannot start (a port taken, a bad config) is not restarted forever: after
  // 2·N exits in a row of processes that never listened, the primary stops, failing.
  let failedStarts = 0;
  let failed = false;
  const listened = new Set<number>();
  cluster.on('listening', (w) => {
    listened.add(w.id);
    failedStarts = 0;
  });
  const replacing = new Set<number>(); // stopped on purpose by a rolling restart: not replaced again
  cluster.on('exit', (w, code, signal) => {
    if (stopping) return;
    if (replacing.delete(w.id)) return void listened.delete(w.id);
    if (!listened.delete(w.id) && ++failedStarts >= 2 * c.WEB_CONCURRENCY) {
      console.error('web processes keep exiting: stopping');
      failed = true;
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    console.error(`web process ${w.process.pid} exited (${signal ?? code}): starting another`);
    fork();
  });
  // SIGHUP: a rolling restart (new code, new settings): each web process in turn is replaced by a
  // new one, which listens before the old one drains (http/server.ts), so the port never goes dark.
  let rolling = false;
  process.on('SIGHUP', () => {
    if (rolling || stopping) return;
    rolling = true;
    void (async () => {
      for (const old of Object.values(cluster.workers ?? {})) {
        if (stopping || !old) break;
        const next = fork();
        await new Promise<void>((ok) => next.once('listening', () => ok()));
        replacing.add(old.id);
        const gone = new Promise((ok) => old.once('exit', ok));
        old.process.kill('SIGTERM');
        await gone;
      }
      rolling = false;
      console.error('rolling restart done');
    })();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      bounded(c, 2); // the web processes' stop, then the workers'
      const children = Object.values(cluster.workers ?? {});
      const gone = children.map((w) => new Promise((ok) => w!.once('exit', ok)));
      for (const w of children) w!.process.kill('SIGTERM');
      void Promise.all(gone)
        .then(() => own?.stop())
        .then(
          () => process.exit(failed ? 1 : 0),
          () => process.exit(1),
        );
    });
  }
}

/**
 * Stopping has a bound: in-flight requests get SHUTDOWN_GRACE_MS, jobs a little more; past that
 * (Redis or PostgreSQL out of reach, so closing them never completes) the process exits anyway,
 * failing. Everything it held is recovered from PostgreSQL by whoever starts next.
 */
function bounded(c: ReturnType<typeof loadConfig>, factor = 1) {
  const ms = factor * (c.SHUTDOWN_GRACE_MS + 20_000);
  setTimeout(() => {
    console.error(`still stopping after ${ms} ms (Redis or PostgreSQL out of reach?): exiting`);
    process.exit(1);
  }, ms).unref();
}

async function single(config: ReturnType<typeof loadConfig>) {
  // A worker process of its own yields the CPU to the web processes (WORKER_NICE). Linux sets it on
  // this (the JavaScript) thread; threads started from here on inherit it. (Not the cluster
  // primary: the web processes it forks would inherit it.)
  if (config.ROLE === 'worker' && config.WORKER_NICE > 0) {
    try {
      setPriority(config.WORKER_NICE);
    } catch (err) {
      console.error(`WORKER_NICE not applied: ${(err as Error).message}`);
    }
  }
  let running: Awaited<ReturnType<typeof start>> | undefined;
  let stopping = false;
  const stop = (sig: string) => {
    running!.ctx.log.info({ sig }, 'stopping');
    bounded(config);
    running!.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Listening from the first moment: a signal while starting stops cleanly once started.
  let signalled: string | null = null;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      if (running) stop(sig);
      else signalled = sig;
    });
  }
  try {
    running = await start(config);
  } catch (err) {
    const message = (err as Error).message;
    console.error(message.startsWith('invalid configuration') ? message : err);
    process.exit(message.startsWith('invalid configuration') ? 2 : 1);
  }
  if (signalled) stop(signalled);
}
