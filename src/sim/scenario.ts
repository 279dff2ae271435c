/**
 * A scenario: the simulated marketplace's people and their behaviour (every parameter of the
 * model), and the settings tried on it. A scenario file names only what it changes: it is laid
 * over scenarios/default.json, then checked field by field.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TIERS } from '../config.js';

export const SCENARIOS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');

const p = z.number().min(0).max(1);
const pos = z.number().positive();
const logNormal = z.object({ median: pos, sigma: z.number().min(0).max(3) });
const perTier = <T extends z.ZodType>(t: T) => z.object({ S: t, A: t, B: t, C: t });
const hours24 = z.array(z.number().min(0)).length(24, 'must have 24 values, one per hour of the day (Beijing time)');
const tierDelays = z.string().regex(/^S:\d+,A:\d+,B:\d+,C:\d+$/, 'must read like S:0,A:120,B:300,C:600 (seconds after intake)');

export const settingsSchema = z.object({
  tierDelays,
  /** At most this many planners per requirement (a traveler asking for more gets this many). */
  cap: z.number().int().min(1).max(3),
  proposalDeadline: z
    .number()
    .int()
    .min(600)
    .max(7 * 86_400),
  fallback: z.enum(['dispatch', 'flag']),
  fallbackAfter: z.number().int().min(0).max(86_400),
  dispatchAcceptWithin: z.number().int().min(60).max(86_400),
});
export type Settings = z.infer<typeof settingsSchema>;

export const LADDER = ['constant', 'constraints', 'logit'] as const;
export type Rung = (typeof LADDER)[number];

export const scenarioSchema = z.object({
  name: z.string().min(1).max(80),
  description: z.string().max(500).default(''),
  /** The first simulated day (Beijing), YYYY-MM-DD. */
  start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
  /** After the last arrival, the run goes on this long (no new requirements) for outcomes to settle. */
  drainHours: z
    .number()
    .min(0)
    .max(24 * 14),
  demand: z.object({
    perDay: z.number().min(0).max(20_000),
    hourly: hours24,
    weekday: z.array(z.number().min(0)).length(7, 'must have 7 factors, Monday first'),
    dayFactorSigma: z.number().min(0).max(2),
    destinations: z.number().int().min(1).max(500),
    destinationZipf: z.number().min(0).max(3),
    destinationsPerTrip: z.array(z.number().min(0)).min(1).max(10),
    perPersonDayYuan: logNormal,
    adults: z.array(z.number().min(0)).min(1).max(30),
    childrenShare: p,
    tripDays: logNormal,
    leadDays: logNormal,
    plannersWanted: z.array(z.number().min(0)).length(3, 'must weigh 1, 2 and 3 planners'),
    enterpriseShare: p,
    notesShare: p,
    /** Bootstrapped from our own records (fit.ts): the destinations by weight, and budgets drawn from these. */
    destinationNames: z.array(z.string()).optional(),
    destinationWeights: z.array(z.number().min(0)).optional(),
  }),
  supply: z.object({
    suppliers: z.number().int().min(1).max(5000),
    planners: z.number().int().min(1).max(20_000),
    largeSuppliers: z.number().int().min(0),
    largeShare: p,
    midSuppliers: z.number().int().min(0),
    midShare: p,
    tiers: perTier(z.number().min(0)),
    destinationsPerPlanner: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }),
    maxActive: perTier(z.number().int().min(1).max(100)),
    /** The chance a planner is on line in each hour of the day (times their own activity). */
    online: hours24,
    activity: z.object({ min: p, max: p }),
  }),
  behaviour: z.object({
    ladder: z.enum(LADDER),
    constant: perTier(p),
    logit: z.object({
      intercept: z.number(),
      fit: z.number(),
      budget: z.number(),
      tier: perTier(z.number()),
      load: z.number(),
      perHourSinceRelease: z.number(),
      taken: z.number(),
    }),
    reactionSeconds: perTier(logNormal),
    proposal: z.object({ never: p, fastShare: p, fastMinutes: logNormal, slowMinutes: logNormal }),
    priceToBudget: logNormal,
    dispatch: z.object({ accept: p }),
  }),
  travelers: z.object({
    choice: z.object({ price: z.number(), fit: z.number(), perProposal: z.number(), outside: z.number() }),
    decideHours: logNormal,
    abandon: z.object({ shape: pos, scaleHours: pos }),
    pay: p,
    payMinutes: logNormal,
  }),
  settings: settingsSchema,
  sweep: z.object({
    tierDelays: z.array(tierDelays).min(1),
    cap: z.array(z.number().int().min(1).max(3)).min(1),
    proposalDeadline: z
      .array(
        z
          .number()
          .int()
          .min(600)
          .max(7 * 86_400),
      )
      .min(1),
  }),
});
export type Scenario = z.infer<typeof scenarioSchema>;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `over` laid on `base`: objects merged key by key, anything else replaced. */
export function overlay(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(base[k]) ? overlay(base[k], v) : v;
  return out;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** A scenario from its JSON (partial: laid over the default), checked; errors name the field. */
export function scenarioFrom(raw: unknown, source = 'scenario'): Scenario {
  if (!isObject(raw)) throw new ScenarioError(`${source}: must be a JSON object`);
  const base = JSON.parse(readFileSync(resolve(SCENARIOS_DIR, 'default.json'), 'utf8')) as Json;
  const parsed = scenarioSchema.safeParse(overlay(base, raw));
  if (!parsed.success)
    throw new ScenarioError(`${source}:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const s = parsed.data;
  if (s.supply.destinationsPerPlanner.min > s.supply.destinationsPerPlanner.max)
    throw new ScenarioError(`${source}:\n  supply.destinationsPerPlanner: min must not exceed max`);
  if (s.supply.largeSuppliers + s.supply.midSuppliers >= s.supply.suppliers)
    throw new ScenarioError(`${source}:\n  supply: large and mid suppliers must leave room for the long tail`);
  return s;
}

/** A scenario file: a path, or a name under scenarios/ ("default", "tiny"). */
export function loadScenario(pathOrName = 'default'): Scenario {
  const path = /[/\\]|\.json$/.test(pathOrName) ? resolve(pathOrName) : resolve(SCENARIOS_DIR, `${pathOrName}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ScenarioError(`${pathOrName}: no such scenario file (${path})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${path}: not JSON (${(err as Error).message})`);
  }
  return scenarioFrom(raw, path);
}

/** What identifies a scenario's content in metrics.json: its canonical JSON's SHA-256 (first 16 hex). */
export function scenarioHash(s: Scenario): string {
  const canonical = (v: unknown): unknown =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical(v[k])]),
        )
      : Array.isArray(v)
        ? v.map(canonical)
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(s)))
    .digest('hex')
    .slice(0, 16);
}

/** The engine's configuration for a setting (what a deployment would put in its environment). */
export function engineEnv(s: Settings): Record<string, string> {
  return {
    TIER_DELAYS: s.tierDelays,
    PROPOSAL_DEADLINE: String(s.proposalDeadline),
    // The reminder an hour before, as in production (never past the deadline itself).
    PROPOSAL_REMINDER: String(Math.min(3600, Math.floor(s.proposalDeadline / 4))),
    FALLBACK: s.fallback,
    FALLBACK_AFTER: String(s.fallbackAfter),
    DISPATCH_ACCEPT_WITHIN: String(s.dispatchAcceptWithin),
  };
}

export const TIER_LIST = TIERS;
