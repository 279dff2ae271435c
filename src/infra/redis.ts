/**
 * Redis: REDIS_URL; else 127.0.0.1:6379 if it answers; else a redis-server we start ourselves
 * with its data under DATA_DIR. Every connection the process needs is made here.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';

const LOCAL = 'redis://127.0.0.1:6379';

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Returns the URL of a Redis that answers, starting a local one when none is configured or running. */
export async function ensureRedis(url: string | undefined, dataDir: string, log: Logger): Promise<string> {
  if (url) return url;
  if (await answers(LOCAL)) return LOCAL;
  const dir = resolve(dataDir, 'redis');
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
    if (await answers(LOCAL)) return LOCAL;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('started redis-server but it does not answer on 127.0.0.1:6379');
}

/**
 * The command connection: auto-pipelining coalesces concurrent requests' commands into one write;
 * `keyPrefix` puts every key under the database's namespace (infra/keys.ts).
 */
export function commandClient(url: string, keyPrefix: string): Redis {
  return new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 3, keyPrefix });
}

/** BullMQ wants its own connections that retry forever. */
export function queueConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...extra });
}
