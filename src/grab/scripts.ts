/**
 * The engine's Lua scripts (commands/), one typed function each, with named keys and arguments:
 * the table below says what each file's `@keys`/`@args` say, checked at load (infra/scripts.ts).
 */
import { resolve } from 'node:path';
import type { RedisClient } from '../infra/redis.js';
import type { ScriptLine } from '../infra/script-line.js';
import { bindScripts, mismatches as mismatchesOf, readScripts as readFolder, type Script, type Scripts } from '../infra/scripts.js';

const DIR = resolve(import.meta.dirname, 'commands');

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
  markPaid: { keys: ['meta'], args: [] },
} as const;

/** What each script answers (see its header). */
interface Results {
  /** {0, tier, supplierId, phone, openid} reserved · {1, workOrderId, tier, supplierId} holder · <0 refused */
  reservePlanner: number | [0, string, string, string, string] | [1, string, string, string];
  confirmPlanner: number;
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
  /** 1 marked · 0 not loaded */
  markPaid: 0 | 1;
}

export type ScriptName = keyof typeof DEFS;
export type Lua = Scripts<typeof DEFS, Results>;

/** The engine's script files, includes resolved. */
export const readScripts = (): Script[] => readFolder(DIR);
/** Where the engine's script files and the table above disagree (empty when they agree). */
export const mismatches = (scripts: Script[]) => mismatchesOf(scripts, DEFS, 'grab/scripts.ts');

/** The engine's scripts on this connection, as typed functions; over `line` when it is up. */
export const scriptsFor = (redis: RedisClient, line?: ScriptLine | null): Lua =>
  bindScripts<typeof DEFS, Results>(redis, line, DIR, DEFS, 'grab/scripts.ts');

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
