// The engine's scripts over the direct line to Redis: the same answers as through ioredis, on the
// line itself while it is up, EVAL after Redis forgot the scripts, and no call lost or failed when
// the line is cut mid-flight (ioredis takes what was in flight, and everything until it is back).

import { type AddressInfo, connect, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scriptsFor } from '../../src/grab/scripts.js';
import { LINE_NAME, lineScript, type ScriptLine, scriptLine } from '../../src/infra/script-line.js';
import { createLogger } from '../../src/log.js';
import { type Env, isolatedEnv } from '../support.js';

const log = createLogger('silent');
const PREFIX = 'dz:line-test:';
const ECHO = lineScript("return {tonumber(ARGV[1]) + 1, redis.call('GET', KEYS[1]), false, ARGV[2], {redis.call('EXISTS', KEYS[1])}}");
let env: Env;
let redis: Redis;
const lines: ScriptLine[] = [];

const open = (url = env.redisUrl) => {
  const line = scriptLine(url, PREFIX, log);
  if (line) lines.push(line);
  return line;
};
const until = async (what: () => boolean | Promise<boolean>, ms = 10_000) => {
  for (const t0 = Date.now(); !(await what()); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() - t0 > ms) throw new Error('condition not reached');
};
const lineClientIds = async () =>
  String(await redis.client('LIST'))
    .split('\n')
    .filter((l) => l.includes(` name=${LINE_NAME} `))
    .map((l) => /^id=(\d+)/.exec(l)![1]);

beforeAll(async () => {
  env = await isolatedEnv();
  redis = new Redis(env.redisUrl, { keyPrefix: PREFIX });
  await redis.set('k', '定制游');
});
afterAll(async () => {
  for (const l of lines) l.close();
  redis.disconnect();
  await env.release();
});

describe('the script line', () => {
  it('answers as ioredis does, on the line itself, in the db and under the prefix it was given', async () => {
    const line = open()!;
    await until(() => line.up);
    const fallback = vi.fn(() => Promise.reject(new Error('not over the line')));
    const got = await line.run(ECHO, ['k'], [41, '张三'], fallback);
    expect(got).toEqual([42, '定制游', null, '张三', [1]]);
    expect(fallback).not.toHaveBeenCalled();
    // The engine's own scripts: the typed functions give the same answers over the line and over ioredis.
    const [viaLine, viaIoredis] = [scriptsFor(redis, line), scriptsFor(redis)];
    await redis.hset('r:{1}:meta', 'status', 'full');
    await redis.hset('r:{1}:planners', '7', 'wo-1');
    for (const lua of [viaLine, viaIoredis]) {
      expect(await lua.peekGrab({ meta: 'r:{1}:meta', planners: 'r:{1}:planners' }, { plannerId: 7 })).toEqual(['full', 1]);
      expect(await lua.peekGrab({ meta: 'r:{2}:meta', planners: 'r:{2}:planners' }, { plannerId: 7 })).toEqual([null, 0]);
      expect(await lua.releaseLock({ lock: 'no-such-lock' }, { token: 't' })).toBe(0);
    }
  });

  it('sends a script again as EVAL when Redis no longer has it (SCRIPT FLUSH, a restart)', async () => {
    const line = open()!;
    await until(() => line.up);
    const fallback = vi.fn(() => Promise.reject(new Error('not over the line')));
    await line.run(ECHO, ['k'], [1, 'a'], fallback);
    await redis.script('FLUSH');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => line.run(ECHO, ['k'], [i, 'b'], fallback)));
    expect(answers.map((a) => (a as number[])[0])).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(fallback).not.toHaveBeenCalled();
  });

  it('loses no call when the line is cut mid-flight: ioredis takes them until the line is back', async () => {
    const line = open()!;
    await until(() => line.up);
    const viaIoredis = vi.fn((n: number) => redis.eval(ECHO.lua, 1, 'k', n, 'ioredis') as Promise<unknown>);
    let stop = false;
    const answers: [number, unknown][] = [];
    const callers = Array.from({ length: 20 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        const n = c * 1_000_000 + i;
        answers.push([n, await line.run(ECHO, ['k'], [n, 'line'], () => viaIoredis(n))]);
      }
    });
    await until(() => answers.length > 500);
    const killed = await lineClientIds();
    for (const id of killed) await redis.client('KILL', 'ID', id);
    expect(killed.length).toBeGreaterThan(0);
    await until(() => viaIoredis.mock.calls.length > 0); // in flight, or called while the line was down
    await until(async () => line.up && (await lineClientIds()).length > 0); // back by itself
    const before = answers.length;
    await until(() => answers.length > before + 500);
    stop = true;
    await Promise.all(callers);
    for (const [n, a] of answers) expect((a as number[])[0]).toBe(n + 1);
    expect(answers.slice(-100).every(([, a]) => (a as string[])[3] === 'line')).toBe(true); // over the line again
  });

  it('tries again when the connection is lost during its handshake (not a refusal)', async () => {
    // A proxy in front of Redis that drops the first connection as soon as it speaks.
    let first = true;
    const proxy = createServer((client) => {
      if (first) {
        first = false;
        return void client.once('data', () => client.destroy());
      }
      const upstream = connect(6379, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    const u = new URL(env.redisUrl);
    u.port = String((proxy.address() as AddressInfo).port);
    const line = open(u.toString())!; // its db makes a SELECT: the handshake is cut there the first time
    await until(() => line.up);
    expect(first).toBe(false);
    expect(await line.run(ECHO, ['k'], [1, 'x'], () => Promise.reject(new Error('not over the line')))).toEqual([
      2,
      '定制游',
      null,
      'x',
      [1],
    ]);
    line.close();
    proxy.close();
  });

  it('gives up when Redis refuses its handshake (a wrong password), leaving every call to ioredis', async () => {
    const u = new URL(env.redisUrl);
    u.password = 'not-the-password'; // this Redis has none: AUTH is refused
    const said = { error: vi.fn(), warn: vi.fn(), info: vi.fn() };
    const line = scriptLine(u.toString(), PREFIX, said as unknown as typeof log)!;
    lines.push(line);
    await until(() => said.error.mock.calls.length > 0);
    expect(said.error.mock.calls[0][1]).toMatch(/refused/);
    await new Promise((r) => setTimeout(r, 500)); // longer than a reconnect's first wait: it does not try again
    expect(line.up).toBe(false);
    expect(said.error).toHaveBeenCalledTimes(1);
    const fallback = vi.fn(() => Promise.resolve('through ioredis'));
    expect(await line.run(ECHO, ['k'], [1, 'x'], fallback)).toBe('through ioredis');
    expect(fallback).toHaveBeenCalledTimes(1);
  });

  it('is only made for a redis:// or rediss:// address', () => {
    expect(scriptLine('/var/run/redis.sock', PREFIX, log)).toBeNull();
    expect(scriptLine('http://127.0.0.1:6379', PREFIX, log)).toBeNull();
  });
});
