/**
 * Configuration, parsed once at boot from the environment by one schema. Nothing else in the
 * code reads process.env: a wrong value stops the boot with a message naming the variable.
 */
import { z } from 'zod';
import { clusterTarget } from './infra/redis.js';

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
    for (const part of raw
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const m = /^([SABC]):(\d+)$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not TIER:SECONDS (e.g. A:120)` });
        return z.NEVER;
      }
      plan.push({ tier: m[1] as Tier, delaySec: Number(m[2]) });
    }
    const tiers = plan
      .map((p) => p.tier)
      .sort()
      .join('');
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
  /** A Redis Cluster's nodes (host:port,host:port; or redis://user:password@host:port,…): used instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        clusterTarget(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^REDIS_CLUSTER_NODES: /, '') });
      }
    }),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
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
  /** Seconds a planner has to accept a dispatched requirement; silence counts as declining. */
  DISPATCH_ACCEPT_WITHIN: positive(1800),
  ENTERPRISE_MIN_TIER: z.enum(TIERS).default('A'),
  DAILY_GRAB_QUOTA: positive(30),
  GRAB_RATE_PLANNER: positive(20),
  GRAB_RATE_IP: positive(600),
  GRAB_RATE_WINDOW: positive(60),
  RECONCILE_EVERY: positive(30),
  /** The engine's Lua scripts over a direct line to one Redis server (infra/script-line.ts); off: through ioredis only. */
  REDIS_SCRIPT_LINE: z.enum(['on', 'off']).default('on'),
  /** Web processes sharing PORT (node:cluster); the primary runs the workers (unless ROLE=web). Needs DATABASE_URL. */
  WEB_CONCURRENCY: positive(1),
  /** On SIGTERM, how long in-flight requests get before their connections are closed anyway (ms). */
  SHUTDOWN_GRACE_MS: positive(10_000),
  /** Database connections of the workers (apart from the web side's, ROLE=all; a ROLE=worker process's whole pool). */
  WORKER_DB_POOL: positive(10),
  /**
   * How much a worker process (ROLE=worker) gives way to the web processes on a shared machine: its
   * niceness (0-19; 0: none). A storm's follow-up (messages, live fan-out, schedules) waits a moment;
   * the grabs and replies, answered against WeChat's 5 s, do not.
   */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** Seconds between derivations of the job schedule from PostgreSQL (releases, deadlines, messages, deposit expiries). */
  SCHEDULE_REBUILD_EVERY: positive(300),
  /**
   * Days after a trip ended (its return date) or closed after which its contact, notes and company
   * are anonymised (src/traveler/privacy.ts). "off" turns the rule off; unset: 365 in production, off
   * elsewhere (a developer's data is made up).
   */
  PRIVACY_RETENTION_DAYS: z
    .string()
    .regex(/^(off|\d{1,5})$/, 'must be a number of days, or off')
    .optional(),
  /** Days of raw grab attempts kept; older ones are folded into per-requirement counts (grab/audit.ts). */
  GRAB_EVENTS_KEEP_DAYS: positive(90),
  /** Poison events: a listener gives an event up (to dead_letters, the console's 事件) after this many attempts… */
  EVENT_DEAD_LETTER_ATTEMPTS: positive(10),
  /** …and at least this many seconds after its first failure (an outage of minutes must not bury good events). */
  EVENT_DEAD_LETTER_AFTER: positive(3600),
  MATCH_LIMIT: positive(500),
  /** WeChat Pay APIv3 (CONTRACT); no WECHATPAY_MCHID outside production: the sandbox is WeChat Pay. */
  WECHATPAY_MCHID: optional,
  WECHATPAY_SERIAL: optional,
  WECHATPAY_PRIVATE_KEY: optional,
  WECHATPAY_APIV3_KEY: z.string().length(32, 'must be the 32-character APIv3 key').optional(),
  WECHATPAY_PUBLIC_KEY: optional,
  WECHATPAY_PUBLIC_KEY_ID: optional,
  WECHATPAY_PLATFORM_CERT: optional,
  WECHATPAY_API_BASE: z.string().url().optional(),
  /** The deposit: "percent:10;min:20000;max:200000" (of the chosen proposal's price, fen) or "fixed:50000". */
  DEPOSIT_RULE: z
    .string()
    .regex(/^(fixed:\d+|percent:\d{1,3}(;min:\d+)?(;max:\d+)?)$/, 'must be fixed:<fen> or percent:<n>[;min:<fen>][;max:<fen>]')
    .default('percent:10;min:20000;max:200000'),
  /** Seconds a deposit order can be paid (time_expire); after it the order is closed and a new one made. */
  DEPOSIT_WINDOW: positive(1800),
  /** Seconds a bind QR code shown by ops stays scannable (WeChat allows up to 30 days; short is safer). */
  BIND_QR_TTL: positive(600),
  /** Tier grading: a cron pattern (China time) for the proposal run, and the window it measures, in days. */
  GRADING_CRON: z
    .string()
    .trim()
    .regex(/^([\d*/,\-?LW#A-Za-z]+\s+){4,5}[\d*/,\-?LW#A-Za-z]+$/, 'must be a cron pattern of 5 or 6 fields, such as "0 3 * * 1"')
    .default('0 3 * * 1'),
  GRADING_WINDOW_DAYS: positive(28),
  /** How many proxies in front of us append to X-Forwarded-For: false/0 (none: the socket's address
   *  is the client), true (one), or a number. Only that many right-most entries are believed: a
   *  client-written left-most entry never becomes "the client's IP". */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const hops = v === 'false' ? 0 : v === 'true' ? 1 : /^\d{1,2}$/.test(v) ? Number(v) : NaN;
      if (Number.isNaN(hops)) {
        ctx.addIssue({ code: 'custom', message: 'must be false, true (one proxy) or the number of proxies' });
        return z.NEVER;
      }
      return hops;
    }),
  /** Open connections above which requests other than /healthz are answered 503 (health checks keep room). */
  MAX_CONNECTIONS: positive(10_000),
  /** Connections one client address may hold open (applies when no proxy is trusted: behind one, the proxy limits). */
  MAX_CONNECTIONS_PER_IP: positive(1_000),
  /** Live streams per user and per client address; a new one beyond the cap replaces the oldest. */
  LIVE_MAX_PER_USER: positive(5),
  LIVE_MAX_PER_IP: positive(300),
  /** A client has this long to send its headers, and this long to send a whole request (body included). */
  HEADERS_TIMEOUT_MS: positive(10_000),
  REQUEST_TIMEOUT_MS: positive(30_000),
  /** Calls to WeChat (OAuth exchange, JS-SDK ticket, SMS webhook) give up after this long. */
  UPSTREAM_TIMEOUT_MS: positive(5_000),
  /** Where verification texts go (POST {phone, text}); unset in development: the sandbox phone shows them. */
  SMS_WEBHOOK_URL: z.string().url().optional(),
  SMS_WEBHOOK_TOKEN: optional,
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
  FAULT_INJECT: z.enum(['crash-after-grab', 'crash-after-record', 'record-unavailable']).optional(),
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
    throw new Error(
      'invalid configuration:\n  WECHAT_SECRET, WECHAT_TOKEN: required when WECHAT_APPID is set (unset WECHAT_APPID for the sandbox)',
    );
  }
  if (c.WECHATPAY_MCHID) {
    // A merchant needs its key, serial and APIv3 key, and one way to verify WeChat Pay's signatures.
    const need = (['WECHATPAY_SERIAL', 'WECHATPAY_PRIVATE_KEY', 'WECHATPAY_APIV3_KEY'] as const).filter((k) => !c[k]);
    if (!(c.WECHATPAY_PUBLIC_KEY && c.WECHATPAY_PUBLIC_KEY_ID) && !c.WECHATPAY_PLATFORM_CERT)
      need.push('WECHATPAY_PUBLIC_KEY + WECHATPAY_PUBLIC_KEY_ID, or WECHATPAY_PLATFORM_CERT' as never);
    if (need.length) throw new Error(`invalid configuration:\n${need.map((k) => `  ${k}: required with WECHATPAY_MCHID`).join('\n')}`);
  }
  if (c.REDIS_URL && c.REDIS_CLUSTER_NODES)
    throw new Error('invalid configuration:\n  REDIS_CLUSTER_NODES: set it or REDIS_URL, not both (a Redis Cluster, or one server)');
  if (c.NODE_ENV === 'production') {
    // The sandbox signs anyone in as anyone: it never runs in production. Nor does a guessed Redis
    // or database (another application's keys could be dropped), nor a generated secret.
    const required = [
      'PUBLIC_URL',
      'REDIS_URL',
      'DATABASE_URL',
      'SESSION_SECRET',
      'WECHAT_APPID',
      'WECHAT_SECRET',
      'WECHAT_TOKEN',
      'WECHAT_TEMPLATE_IDS',
      'SMS_WEBHOOK_URL',
    ] as const;
    const missing = required.filter((k) => !c[k] && !(k === 'REDIS_URL' && c.REDIS_CLUSTER_NODES));
    if (missing.length) {
      throw new Error(
        `invalid configuration:\n${missing.map((k) => `  ${k}: required in production${k === 'WECHAT_APPID' ? ' (the local WeChat sandbox runs only in development and test)' : k === 'REDIS_URL' ? ' (or REDIS_CLUSTER_NODES)' : ''}`).join('\n')}`,
      );
    }
  }
  return {
    ...c,
    PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}`,
    sandbox: !c.WECHAT_APPID && c.NODE_ENV !== 'production',
    /** Days of the retention rule, or null when it is off (PRIVACY_RETENTION_DAYS). */
    retentionDays:
      c.PRIVACY_RETENTION_DAYS === 'off' || Number(c.PRIVACY_RETENTION_DAYS) === 0
        ? null
        : c.PRIVACY_RETENTION_DAYS
          ? Number(c.PRIVACY_RETENTION_DAYS)
          : c.NODE_ENV === 'production'
            ? 365
            : null,
    /** WeChat Pay: a merchant, else (outside production) the sandbox; in production without one, deposits are not open. */
    pay: c.WECHATPAY_MCHID ? ('merchant' as const) : c.NODE_ENV !== 'production' ? ('sandbox' as const) : ('off' as const),
    /** Behind TLS (PUBLIC_URL is https): cookies are Secure and HSTS is sent, whatever the hop to us speaks. */
    https: (c.PUBLIC_URL ?? '').startsWith('https://'),
    wechat: {
      appid: c.WECHAT_APPID ?? 'wxsandbox0000000',
      token: c.WECHAT_TOKEN ?? 'sandbox-token',
      aesKey: c.WECHAT_AES_KEY, // set: safe mode
      apiBase: c.WECHAT_API_BASE,
      templateIds: Object.fromEntries(
        (c.WECHAT_TEMPLATE_IDS ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=') as [string, string]),
      ),
    },
    releasePlan: c.TIER_DELAYS,
  };
}
