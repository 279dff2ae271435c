/**
 * A local Redis Cluster of three masters (no replicas), for trying the product on a cluster and for
 * the tests that run the engine on one: each master is a redis-server with --cluster-enabled yes
 * under `dir`, joined by `redis-cli --cluster create`.
 *
 *   npm run redis:cluster                     # 127.0.0.1:7001-7003 under .data/redis-cluster, until Ctrl-C
 *   REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 npm start
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalCluster {
  /** REDIS_CLUSTER_NODES for it. */
  nodes: string;
  ports: number[];
  /** Each master's directory is <dir>/<port>. */
  dir: string;
  stop(): Promise<void>;
}

const portFree = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = createServer()
      .once('error', () => ok(false))
      .listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });

/** Three ports whose cluster-bus ports (+10000) are free too. */
async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = 20000 + Math.floor(Math.random() * 30000);
    if (!out.includes(p) && (await portFree(p)) && (await portFree(p + 10000))) out.push(p);
  }
  return out;
}

async function until(fn: () => Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`Redis Cluster: ${what} not in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cli = (port: number, ...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);

/** One master (a daemon, so it outlives whoever started it until `stop`), from its directory and nodes.conf. */
export async function startNode(dir: string, port: number): Promise<void> {
  const d = resolve(dir, String(port));
  mkdirSync(d, { recursive: true });
  await run('redis-server', [
    ...['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
    ...['--dir', d, '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--logfile', resolve(d, 'redis.log')],
  ]);
  await until(async () => (await cli(port, 'ping')).stdout.trim() === 'PONG', 10_000, `127.0.0.1:${port} answering`);
}

/** Stops a master at once, without saving (as a crash would lose what it held). */
export async function stopNode(port: number): Promise<void> {
  await cli(port, 'shutdown', 'nosave').catch(() => {}); // the connection closes as it goes
  await until(() => portFree(port), 10_000, `127.0.0.1:${port} stopping`);
}

export async function startCluster(dir: string, ports?: number[]): Promise<LocalCluster> {
  const use = ports ?? (await freePorts(3));
  rmSync(dir, { recursive: true, force: true });
  const stop = async () => {
    await Promise.all(use.map(stopNode));
  };
  try {
    for (const port of use) await startNode(dir, port);
    await run('redis-cli', ['--cluster', 'create', ...use.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of use)
      await until(
        async () => (await cli(port, 'cluster', 'info')).stdout.includes('cluster_state:ok'),
        20_000,
        `127.0.0.1:${port} cluster_state:ok`,
      );
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: use.map((p) => `127.0.0.1:${p}`).join(','), ports: use, dir, stop };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const c = await startCluster(resolve('.data/redis-cluster'), [7001, 7002, 7003]);
  console.log(`Redis Cluster up: REDIS_CLUSTER_NODES=${c.nodes}  (Ctrl-C stops it)`);
  const bye = () => void c.stop().then(() => process.exit(0));
  process.on('SIGINT', bye);
  process.on('SIGTERM', bye);
}
