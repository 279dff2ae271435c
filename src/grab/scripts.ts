/**
 * The engine's Lua scripts, one typed function each, with named keys and arguments. Each
 * commands/<name>-<numberOfKeys>.lua declares its names (`@keys …`, `@args …`); the table below
 * says the same, and `scriptsFor` refuses to start when the two differ, so a key added or moved on
 * one side cannot silently feed a script the wrong key. ioredis sends EVALSHA and falls back to
 * EVAL on NOSCRIPT by itself, so a Redis restart or failover needs nothing from us. On one server
 * the scripts go over a direct line when there is one (infra/script-line.ts), through ioredis
 * otherwise: the same answers either way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RedisClient } from '../infra/redis.js';
import { lineScript, type ScriptLine } from '../infra/script-line.js';

const DIR = resolve(import.meta.dirname, 'commands');
const INCLUDE = /^--- @include "([^"]+)"$/gm;

/** A script's answer when the state it needs is not in Redis: load it from PostgreSQL and retry (`orLoad`). */
export const NOT_LOADED = -100;
/** grabOne-14's answer when the planner was there but the requirement is not (NOT_LOADED is the planner's there). */
export const REQUIREMENT_NOT_LOADED = -101;

const DEFS = {
  reservePlanner: {
    keys: ['meta', 'active', 'reservations', 'day'],
    args: ['requirementId', 'token', 'now', 'ttlMs', 'defaultQuota', 'dispatch'],
  },
  confirmPlanner: { keys: ['active', 'reservations', 'day'], args: ['requirementId', 'workOrderId', 'token', 'dispatch'] },
  rateLimit: { keys: ['counter'], args: ['limit', 'windowMs'] },
  peekGrab: { keys: ['meta', 'planners'], args: ['plannerId'] },
  grab: {
    keys: ['meta', 'candidates', 'planners', 'suppliers', 'expired', 'blocked', 'workOrders', 'unsynced'],
    args: ['plannerId', 'supplierId', 'tier', 'phone', 'openid', 'workOrderId', 'channel', 'now', 'dispatch'],
  },
  grabOne: {
    keys: [
      'ipCounter',
      'plannerCounter',
      'plannerMeta',
      'active',
      'reservations',
      'day',
      'meta',
      'candidates',
      'planners',
      'suppliers',
      'expired',
      'blocked',
      'workOrders',
      'unsynced',
    ],
    args: ['ipLimit', 'plannerLimit', 'windowMs', 'plannerId', 'requirementId', 'workOrderId', 'channel', 'now', 'defaultQuota'],
  },
  release: { keys: ['meta'], args: ['tier', 'now'] },
  expireSlot: { keys: ['meta', 'planners', 'suppliers', 'expired', 'workOrders'], args: ['plannerId', 'supplierId', 'workOrderId'] },
  restoreRequirement: { keys: ['meta', 'candidates', 'planners', 'suppliers', 'expired', 'blocked', 'workOrders'], args: ['state'] },
  restorePlanner: { keys: ['meta', 'active', 'day', 'pool'], args: ['state'] },
  releaseLock: { keys: ['lock'], args: ['token'] },
  arrive: {
    keys: ['nonce', 'claim', 'window', 'openids', 'codes'],
    args: ['digest', 'nonceTtl', 'claimTtl', 'pending', 'opens', 'now', 'windowTtl', 'openid', 'code'],
  },
  remember: { keys: ['claim'], args: ['value', 'ttlSec'] },
  throttle: { keys: ['state'], args: ['now', 'free', 'baseMs', 'maxMs', 'ttlMs'] },
} as const;

/** What each script answers (see its header). */
interface Results {
  /** {0, tier, supplierId, phone, openid} reserved · {1, workOrderId, tier, supplierId} holder · <0 refused */
  reservePlanner: number | [0, string, string, string, string] | [1, string, string, string];
  confirmPlanner: number;
  rateLimit: 0 | 1;
  peekGrab: [string | null, number];
  /** {kind 1 won | 2 repeat, workOrderId, filled, wanted, becameFull, contact JSON, grabbed at ms} · <0 refused */
  grab: number | [1 | 2, string, number, number, 0 | 1, string, number | null];
  /** {kind 1 won | 2 repeat, workOrderId, filled, wanted, becameFull, contact JSON, grabbed at ms, supplierId} · <0 refused (-100/-101 not loaded) */
  grabOne: number | [1 | 2, string, number, number, 0 | 1, string, number | null, string];
  /** {fresh, status} */
  release: number | [0 | 1, string];
  /** {1, reopened, filled} freed · {0} nothing to free */
  expireSlot: number | [number, number?, number?];
  restoreRequirement: 0 | 1;
  restorePlanner: 0 | 1;
  releaseLock: 0 | 1;
  /** {fresh, claimed, planner id or null, requirement id or null} */
  arrive: [0 | 1, 0 | 1, string | null, string | null];
  remember: 1;
  /** >0 allowed (the try's number) · <0 minus the ms to wait */
  throttle: number;
}

type Defs = typeof DEFS;
export type ScriptName = keyof Defs;
type Arg = string | number | boolean;
export type Lua = {
  [N in ScriptName]: (
    keys: { [K in Defs[N]['keys'][number]]: string },
    args: { [A in Defs[N]['args'][number]]: Arg },
  ) => Promise<Results[N]>;
};

export interface Script {
  name: string;
  keys: number;
  lua: string;
  keyNames: string[];
  argNames: string[];
}

export function readScripts(dir = DIR): Script[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((file) => {
      const m = /^(.+)-(\d+)\.lua$/.exec(file);
      if (!m) throw new Error(`Lua script ${file} must be named <verb>-<numberOfKeys>.lua`);
      const lua = readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, inc: string) => readFileSync(join(dir, `${inc}.lua`), 'utf8'));
      const names = (tag: string) => (new RegExp(`^\\s*@${tag} (.+)$`, 'm').exec(lua)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
      return { name: m[1], keys: Number(m[2]), lua, keyNames: names('keys'), argNames: names('args') };
    });
}

/** Where a script's file and its typed caller disagree (empty when they agree). */
export function mismatches(scripts: Script[]): string[] {
  const out: string[] = [];
  const byName = new Map(scripts.map((s) => [s.name, s]));
  for (const [name, def] of Object.entries(DEFS) as [ScriptName, Defs[ScriptName]][]) {
    const s = byName.get(name);
    if (!s) {
      out.push(`${name}: no commands/${name}-<n>.lua`);
      continue;
    }
    if (s.keys !== def.keys.length) out.push(`${name}: the file name says ${s.keys} keys, the caller passes ${def.keys.length}`);
    if (s.keyNames.join(' ') !== def.keys.join(' ')) out.push(`${name}: @keys ${s.keyNames.join(' ')} ≠ ${def.keys.join(' ')}`);
    if (s.argNames.join(' ') !== def.args.join(' ')) out.push(`${name}: @args ${s.argNames.join(' ')} ≠ ${def.args.join(' ')}`);
  }
  for (const s of scripts) if (!(s.name in DEFS)) out.push(`${s.name}: a script without a typed caller in grab/scripts.ts`);
  return out;
}

const bound = new WeakMap<RedisClient, Lua>();

/** The scripts on this connection (defined once per connection), as typed functions; over `line` when it is up. */
export function scriptsFor(redis: RedisClient, line?: ScriptLine | null): Lua {
  const known = line ? undefined : bound.get(redis);
  if (known) return known;
  const scripts = readScripts();
  const wrong = mismatches(scripts);
  if (wrong.length) throw new Error(`Lua scripts and their callers disagree:\n  ${wrong.join('\n  ')}`);
  for (const s of scripts) redis.defineCommand(s.name, { numberOfKeys: s.keys, lua: s.lua });
  const raw = redis as unknown as Record<ScriptName, (...a: (string | number)[]) => Promise<unknown>>;
  const lua = {} as Record<ScriptName, unknown>;
  const sources = new Map(scripts.map((s) => [s.name, lineScript(s.lua)]));
  for (const [name, def] of Object.entries(DEFS) as [ScriptName, Defs[ScriptName]][]) {
    const keyNames = def.keys as readonly string[];
    const argNames = def.args as readonly string[];
    const source = sources.get(name)!;
    lua[name] = (keys: Record<string, string>, args: Record<string, Arg>) => {
      const k = keyNames.map((n) => keys[n]);
      const a = argNames.map((n) => {
        const v = args[n];
        return typeof v === 'boolean' ? (v ? '1' : '0') : v;
      });
      const viaIoredis = () => raw[name](...k, ...a);
      return line ? line.run(source, k, a, viaIoredis) : viaIoredis();
    };
  }
  if (!line) bound.set(redis, lua as Lua);
  return lua as Lua;
}

/**
 * "Not loaded → load from PostgreSQL → retry once", the one way: runs `step`; if it answers
 * NOT_LOADED, `load`s (false: PostgreSQL has no such thing) and runs it again. Null when there is
 * nothing to load.
 */
export async function orLoad<T>(step: () => Promise<T>, load: () => Promise<boolean>): Promise<T | null> {
  const first = await step();
  if (first !== NOT_LOADED) return first;
  if (!(await load())) return null;
  const again = await step();
  return again === NOT_LOADED ? null : again;
}
