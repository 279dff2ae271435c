/**
 * Ops accounts: e-mail, name, role (`admin` manages accounts and reads the audit log; `ops` runs the
 * marketplace), status. Passwords are scrypt hashes (memory-hard: N=2^15, r=8, p=1, 32 MB), compared
 * in constant time and never logged; an account is created, or its password reset, by
 * `npm run ops-user`, which prints a one-time password. Sign-in tries are throttled per (account,
 * address) and per address; an unknown e-mail costs the same hash as a known one (nothing to enumerate).
 */
import { randomBytes, type ScryptOptions, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { opsKeys } from '../infra/keys.js';
import { recordAudit } from './audit.js';

export type OpsRole = 'admin' | 'ops';

const N = 32_768;
const R = 8;
const P = 1;
const KEYLEN = 32;
const WINDOW_MS = 15 * 60_000;
const FAILS_PER_IP = 30;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  const opts: ScryptOptions = { N: n, r, p, maxmem: 128 * n * r * 2 };
  return new Promise((ok, fail) => scryptCb(password.normalize('NFKC'), salt, KEYLEN, opts, (err, key) => (err ? fail(err) : ok(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !key) return false;
  const want = Buffer.from(key, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A password nobody chose: 16 characters a person can read out (no 0/O, 1/l/I). */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const normal = (email: string) => email.trim().toLowerCase();

/**
 * Creates the account, or resets its password; returns the one-time password. A reset changes the
 * password only: the role changes with `role` only when `setRole` says so (the server's own
 * `npm run ops-user --role`, the way back in when no admin can sign in), never from the console.
 */
export async function upsertAccount(
  ctx: Ctx,
  input: { email: string; role?: OpsRole; name?: string },
  opts: { setRole?: boolean } = {},
): Promise<{ id: number; email: string; role: string; created: boolean; password: string }> {
  const email = normal(input.email);
  const password = oneTimePassword();
  const passwordHash = await hashPassword(password);
  const existing = await ctx.db.opsAccount.findUnique({ where: { email } });
  const row = existing
    ? await ctx.db.opsAccount.update({
        where: { email },
        data: {
          passwordHash,
          passwordSetAt: new Date(ctx.now()),
          ...(opts.setRole && input.role ? { role: input.role } : {}),
        },
      })
    : await ctx.db.opsAccount.create({ data: { email, name: input.name ?? email.split('@')[0], role: input.role ?? 'ops', passwordHash } });
  // A reset password ends the sessions signed in with the old one.
  if (existing) await ctx.revocations.revoke(`ops:${row.id}`, ctx.now());
  return { id: row.id, email: row.email, role: row.role, created: !existing, password };
}

const DUMMY = hashPassword('not-a-password'); // the cost an unknown e-mail pays too

/** Sign-in throttling: 3 free tries per (account, address), then 1 s, 2 s, 4 s… up to 15 minutes between tries. */
const THROTTLE = { free: 3, baseMs: 1_000, maxMs: WINDOW_MS, ttlMs: 24 * 3_600_000 };

/** "abc@example.com" → "a***@example.com": who was tried, for the audit, without the whole address of a stranger's typo. */
const masked = (email: string) => email.replace(/^(.)[^@]*/, '$1***');

/**
 * Checks a sign-in; refusals say why in words. Each try is counted before its password is checked
 * (so concurrent guesses are cut off, not all evaluated), per (account, address) with a growing
 * delay and per address over every account: the right password from elsewhere is never locked out
 * by a stranger's wrong ones. A suspended account's right password is answered as a wrong one.
 * Failed and throttled tries are logged and audited.
 */
export async function signIn(ctx: Ctx, emailIn: string, password: string, ip = 'unknown') {
  const email = normal(emailIn);
  const refused = async (action: string, accountId: number | null, err: DomainError) => {
    ctx.log.warn({ email: masked(email), ip, action }, 'ops sign-in refused');
    await recordAudit(ctx, { accountId, actor: `sign-in:${masked(email)}`, action, ip });
    throw err;
  };
  const [turn, perIp] = await Promise.all([
    ctx.lua.throttle({ state: opsKeys.loginThrottle(email, ip) }, { now: ctx.now(), ...THROTTLE }),
    ctx.lua.rateLimit({ counter: opsKeys.loginByIp(ip) }, { limit: FAILS_PER_IP, windowMs: WINDOW_MS }),
  ]);
  if (turn < 0 || perIp === 0) {
    const wait = turn < 0 ? Math.ceil(-turn / 1000) : Math.ceil(WINDOW_MS / 60_000) * 60;
    const words = wait < 120 ? `${wait} 秒` : `${Math.ceil(wait / 60)} 分钟`;
    return refused(
      'sign-in throttled',
      null,
      new DomainError('LOGIN_RATE_LIMITED', { field: 'password', message: `登录尝试太频繁，请 ${words}后再试。` }),
    );
  }
  const account = await ctx.db.opsAccount.findUnique({ where: { email } });
  let ok = false;
  if (account) ok = await verifyPassword(password, account.passwordHash);
  else await verifyPassword(password, await DUMMY); // the same cost as a known e-mail: nothing to time
  if (!ok || !account || account.status !== 'active')
    return refused(
      account && ok ? 'sign-in refused: account suspended' : 'sign-in failed',
      account?.id ?? null,
      new DomainError('LOGIN_FAILED', { field: 'password' }),
    );
  // A success forgets this pair's tries and gives back the address's.
  await Promise.all([ctx.redis.del(opsKeys.loginThrottle(email, ip)), ctx.redis.decr(opsKeys.loginByIp(ip))]);
  return { id: account.id, email: account.email, name: account.name, role: account.role as OpsRole };
}

export async function accountOf(ctx: Ctx, id: number) {
  const a = await ctx.db.opsAccount.findUnique({ where: { id }, select: { id: true, email: true, name: true, role: true, status: true } });
  return a && a.status === 'active' ? a : null;
}

export async function countAccounts(ctx: Ctx): Promise<number> {
  return ctx.db.opsAccount.count();
}

export async function listAccounts(ctx: Ctx) {
  return ctx.db.opsAccount.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, email: true, name: true, role: true, status: true, createdAt: true, passwordSetAt: true },
  });
}

/**
 * Suspends or resumes an account, or changes its role, by another admin (`by`: nobody changes their
 * own); a suspended account's sessions end at once. The last active admin is never suspended or
 * demoted: the active admins' rows are locked while that is checked, so two admins demoting each
 * other at once cannot both succeed.
 */
export async function updateAccount(ctx: Ctx, id: number, input: { status?: 'active' | 'suspended'; role?: OpsRole }, by: number | null) {
  if (by === id && (input.status !== undefined || input.role !== undefined)) throw new DomainError('NOT_YOURSELF');
  const { row, updated } = await ctx.db.$transaction(async (tx) => {
    const admins = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM ops_accounts WHERE role = 'admin' AND status = 'active' FOR UPDATE`;
    const row = await tx.opsAccount.findUnique({ where: { id } });
    if (!row) throw new DomainError('ACCOUNT_NOT_FOUND');
    const stopsBeingAdmin = row.role === 'admin' && row.status === 'active' && (input.role === 'ops' || input.status === 'suspended');
    if (stopsBeingAdmin && admins.length <= 1) throw new DomainError('LAST_ADMIN');
    const updated = await tx.opsAccount.update({
      where: { id },
      data: input,
      select: { id: true, email: true, name: true, role: true, status: true },
    });
    return { row, updated };
  });
  if (input.status === 'suspended' || (input.role && input.role !== row.role)) await ctx.revocations.revoke(`ops:${id}`, ctx.now());
  return updated;
}
