/**
 * Configuration, parsed once at boot from the environment by one schema. Nothing else in the
 * code reads process.env: a wrong value stops the boot with a message naming the variable.
 */
import { z } from 'zod';

const TIERS = ['S', 'A', 'B', 'C'] as const;
export type Tier = (typeof TIERS)[number];
export { TIERS };

const seconds = (def: number) => z.coerce.number().int().nonnegative().default(def);
const positive = (def: number) => z.coerce.number().int().positive().default(def);
const optional = z.string().trim().min(1).optional().catch(undefined);

/** "S:0,A:120,B:300,C:600" → ordered release plan; every tier must appear once. */
const tierDelays = z
  .string()
  .default('S:0,A:120,B:300,C:600')
  .transform((raw, ctx) => {
    const plan: { tier: Tier; delaySec: number }[] = [];
    for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = /^([SABC]):(\d+)$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not TIER:SECONDS (e.g. A:120)` });
        return z.NEVER;
      }
      plan.push({ tier: m[1] as Tier, delaySec: Number(m[2]) });
    }
    const tiers = plan.map((p) => p.tier).sort().join('');
    if (tiers !== [...TIERS].sort().join('')) {
      ctx.addIssue({ code: 'custom', message: 'must name each of S, A, B, C exactly once' });
      return z.NEVER;
    }
    return plan.sort((a, b) => a.delaySec - b.delaySec);
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('.data'),
  REDIS_URL: z.string().url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  OPS_API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  WECHAT_APPID: optional,
  WECHAT_SECRET: optional,
  WECHAT_TOKEN: optional,
  WECHAT_AES_KEY: z.string().length(43, 'must be the 43-character EncodingAESKey').optional(),
  WECHAT_API_BASE: z.string().url().optional(),
  TIER_DELAYS: tierDelays,
  PROPOSAL_DEADLINE: positive(86_400),
  /** Seconds before the proposal deadline that the winner is reminded (template "proposal-due"). */
  PROPOSAL_REMINDER: positive(7_200),
  FALLBACK: z.enum(['dispatch', 'flag']).default('dispatch'),
  FALLBACK_AFTER: seconds(300),
  ENTERPRISE_MIN_TIER: z.enum(TIERS).default('A'),
  DAILY_GRAB_QUOTA: positive(30),
  GRAB_RATE_PLANNER: positive(20),
  GRAB_RATE_IP: positive(600),
  GRAB_RATE_WINDOW: positive(60),
  RECONCILE_EVERY: positive(30),
  MATCH_LIMIT: positive(500),
  TRUST_PROXY: z.stringbool().default(false),
  /** key=templateId,… for each file in templates/ (sandbox: sandbox-<key>). */
  WECHAT_TEMPLATE_IDS: z
    .string()
    .regex(/^([\w-]+=[\w-]+)(,[\w-]+=[\w-]+)*$/, 'must be key=templateId,key=templateId')
    .optional(),
  /** Passive replies not ready within this many ms are answered "success" and sent as a
   *  customer-service message when ready (WeChat gives up at 5 s). */
  WECHAT_REPLY_WITHIN_MS: z.coerce.number().int().min(1).max(4800).default(4500),
  /** Template messages sent per second, across all workers (WeChat limits the rate). */
  NOTIFY_RATE: positive(20),
  // Test-only fault hooks: exit between the Redis grab and the PostgreSQL insert (crash-after-grab),
  // or after the insert but before the deadline is scheduled and the journal mark cleared (crash-after-record).
  FAULT_INJECT: z.enum(['crash-after-grab', 'crash-after-record']).optional(),
});

export type Config = ReturnType<typeof loadConfig>;

/** Parses the environment; throws one Error listing every bad variable by name. */
export function loadConfig(env: Record<string, string | undefined> = process.env) {
  const cleaned = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.WECHAT_APPID && (!c.WECHAT_SECRET || !c.WECHAT_TOKEN)) {
    throw new Error('invalid configuration:\n  WECHAT_SECRET, WECHAT_TOKEN: required when WECHAT_APPID is set (unset WECHAT_APPID for the sandbox)');
  }
  return {
    ...c,
    PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}`,
    sandbox: !c.WECHAT_APPID,
    wechat: {
      appid: c.WECHAT_APPID ?? 'wxsandbox0000000',
      token: c.WECHAT_TOKEN ?? 'sandbox-token',
      aesKey: c.WECHAT_AES_KEY, // set: safe mode
      apiBase: c.WECHAT_API_BASE,
      templateIds: Object.fromEntries((c.WECHAT_TEMPLATE_IDS ?? '').split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string])),
    },
    releasePlan: c.TIER_DELAYS,
  };
}
