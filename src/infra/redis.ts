/**
 * Redis: REDIS_CLUSTER_NODES (a Redis Cluster), else REDIS_URL, else 127.0.0.1:6379 if it answers,
 * else a redis-server we start ourselves with its data under DATA_DIR. Every connection the process
 * needs is made here, to one server or to the cluster alike: the product's keys are hash-tagged so
 * that every script, transaction and BullMQ queue stays in one slot (infra/keys.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

/** A connection to one Redis server or to a Redis Cluster: the product uses both the same way. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one server's URL, or a cluster's seed nodes (any of its masters will do). */
export type RedisTarget =
  | { kind: 'server'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; options: Pick<RedisOptions, 'username' | 'password' | 'tls'> };

const LOCAL = 'redis://127.0.0.1:6379';

/**
 * REDIS_CLUSTER_NODES: "host:port,host:port" or "redis://[user:password@]host:port,…" (rediss://
 * for TLS); the credentials of the first entry are used for every node. Throws on an entry that is
 * not a host and port, naming it.
 */
export function clusterTarget(spec: string): RedisTarget {
  const entries = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!entries.length) throw new Error('REDIS_CLUSTER_NODES: no node given (host:port,host:port)');
  const urls = entries.map((e) => {
    let u: URL;
    try {
      u = new URL(e.includes('://') ? e : `redis://${e}`);
    } catch {
      throw new Error(`REDIS_CLUSTER_NODES: "${e}" is not host:port`);
    }
    if (!u.hostname || !u.port || !['redis:', 'rediss:'].includes(u.protocol))
      throw new Error(`REDIS_CLUSTER_NODES: "${e}" is not host:port`);
    return u;
  });
  const first = urls[0];
  return {
    kind: 'cluster',
    nodes: urls.map((u) => ({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) })),
    options: {
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/** A connection to the target. `keyPrefix` names every key under a namespace (infra/keys.ts). */
export function redisConnection(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (target.kind === 'server') return new Redis(target.url, options);
  // No auto-pipelining on a cluster: ioredis batches commands per node, and a batch whose commands
  // get different answers during a resharding or a restart (a MOVED beside successes) is not
  // redirected: the MOVED reaches the caller. Single commands are redirected.
  const { keyPrefix, enableAutoPipelining: _batching, lazyConnect, ...perNode } = options;
  return new Cluster(target.nodes, {
    keyPrefix,
    lazyConnect,
    redisOptions: { ...target.options, ...perNode },
    // Through a failover or a resharding, a command follows MOVED/ASK redirections and waits for the new master.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

/** For logs: the server's URL without its password, or the cluster's seed nodes. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') return `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  const u = new URL(target.url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function answers(target: RedisTarget): Promise<boolean> {
  const probe = redisConnection(target, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    if (probe instanceof Cluster) return /cluster_state:ok/.test(await probe.cluster('INFO'));
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Returns a Redis that answers, starting a local one when none is configured or running. */
export async function ensureRedis(
  config: { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string; DATA_DIR: string },
  log: Logger,
): Promise<RedisTarget> {
  if (config.REDIS_CLUSTER_NODES) {
    const target = clusterTarget(config.REDIS_CLUSTER_NODES);
    for (let i = 0; i < 50; i++) {
      if (await answers(target)) return target;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Redis Cluster at ${describeTarget(target)} does not answer with cluster_state:ok`);
  }
  if (config.REDIS_URL) return { kind: 'server', url: config.REDIS_URL };
  const local: RedisTarget = { kind: 'server', url: LOCAL };
  if (await answers(local)) return local;
  const dir = resolve(config.DATA_DIR, 'redis');
  mkdirSync(dir, { recursive: true });
  log.info({ dir }, 'no Redis answered on 127.0.0.1:6379; starting redis-server');
  await new Promise<void>((ok, fail) => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        '6379',
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--daemonize',
        'yes',
        '--save',
        '60 1000',
        '--logfile',
        resolve(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    child.on('error', () => fail(new Error('redis-server not found on PATH: install Debian package "redis-server" or set REDIS_URL')));
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`redis-server exited with ${code}; see ${dir}/redis.log`))));
  });
  for (let i = 0; i < 50; i++) {
    if (await answers(local)) return local;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('started redis-server but it does not answer on 127.0.0.1:6379');
}

/**
 * The command connection: auto-pipelining coalesces concurrent requests' commands into one write
 * (on one server; see redisConnection for a cluster); `keyPrefix` puts every key under the database's namespace (infra/keys.ts).
 */
export function commandClient(target: RedisTarget, keyPrefix: string): RedisClient {
  return redisConnection(target, { enableAutoPipelining: true, maxRetriesPerRequest: 3, keyPrefix });
}

/** BullMQ wants its own connections that retry forever. */
export function queueConnection(target: RedisTarget, extra: RedisOptions = {}): RedisClient {
  return redisConnection(target, { maxRetriesPerRequest: null, ...extra });
}

/** A connection for SUBSCRIBE (pub/sub reaches every node of a cluster). */
export function subscriberConnection(target: RedisTarget): RedisClient {
  return redisConnection(target);
}

/** Another connection like this one (same target and options), e.g. for a blocking read. */
export function duplicate(c: RedisClient): RedisClient {
  return c instanceof Cluster ? c.duplicate() : c.duplicate();
}
