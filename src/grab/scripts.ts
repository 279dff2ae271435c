/**
 * Loads every commands/<name>-<numberOfKeys>.lua once at start (includes resolved) and defines
 * it on the Redis connection as a command called by name. ioredis sends EVALSHA and falls back
 * to EVAL on NOSCRIPT by itself, so a Redis restart or failover needs nothing from us.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';

const DIR = resolve(import.meta.dirname, 'commands');
const INCLUDE = /^--- @include "([^"]+)"$/gm;

export interface Script {
  name: string;
  keys: number;
  lua: string;
}

export function readScripts(dir = DIR): Script[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((file) => {
      const m = /^(.+)-(\d+)\.lua$/.exec(file);
      if (!m) throw new Error(`Lua script ${file} must be named <verb>-<numberOfKeys>.lua`);
      const lua = readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, inc: string) => readFileSync(join(dir, `${inc}.lua`), 'utf8'));
      return { name: m[1], keys: Number(m[2]), lua };
    });
}

type Arg = string | number;
type Reply = number | (string | number | null)[];

/** The engine's scripts, callable by name with their keys then their arguments. */
export interface Scripts {
  reservePlanner(...args: Arg[]): Promise<Reply>;
  confirmPlanner(...args: Arg[]): Promise<number>;
  rateLimit(...args: Arg[]): Promise<number>;
  grab(...args: Arg[]): Promise<Reply>;
  release(...args: Arg[]): Promise<Reply>;
  expireSlot(...args: Arg[]): Promise<Reply>;
  restoreRequirement(...args: Arg[]): Promise<number>;
  restorePlanner(...args: Arg[]): Promise<number>;
  releaseLock(...args: Arg[]): Promise<number>;
  peekGrab(...args: Arg[]): Promise<Reply>;
}

const loaded = new WeakSet<Redis>();

export function loadScripts(redis: Redis): Redis & Scripts {
  if (!loaded.has(redis)) {
    for (const s of readScripts()) redis.defineCommand(s.name, { numberOfKeys: s.keys, lua: s.lua });
    loaded.add(redis);
  }
  return redis as Redis & Scripts;
}
