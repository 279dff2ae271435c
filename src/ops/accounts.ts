/**
 * Ops accounts: e-mail, name, role (`admin` manages accounts and reads the audit log; `ops` runs the
 * marketplace), status. Passwords are scrypt hashes (memory-hard: N=2^15, r=8, p=1, 32 MB), compared
 * in constant time and never logged; an account is created, or its password reset, by
 * `npm run ops-user`, which prints a one-time password. Failed sign-ins are limited per account and
 * per address; an unknown e-mail costs the same hash as a known one (nothing to enumerate).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Ctx } from '../context.js';
import { opsKeys } from '../infra/keys.js';
import { DomainError } from '../errors.js';

export type OpsRole = 'admin' | 'ops';

const N = 32_768;
const R = 8;
const P = 1;
const KEYLEN = 32;
const WINDOW_MS = 15 * 60_000;
const FAILS_PER_ACCOUNT = 5;
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

/** Creates the account, or resets its password (and role, when given); returns the one-time password. */
export async function upsertAccount(
  ctx: Ctx,
  input: { email: string; role?: OpsRole; name?: string },
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
          ...(input.role ? { role: input.role } : {}),
          ...(input.name ? { name: input.name } : {}),
        },
      })
    : await ctx.db.opsAccount.create({ data: { email, name: input.name ?? email.split('@')[0], role: input.role ?? 'ops', passwordHash } });
  // A reset password ends the sessions signed in with the old one.
  if (existing) await ctx.revocations.revoke(`ops:${row.id}`, ctx.now());
  return { id: row.id, email: row.email, role: row.role, created: !existing, password };
}

const DUMMY = hashPassword('not-a-password'); // the cost an unknown e-mail pays too

/** Checks a sign-in; refusals say why in words (wrong pair, too many tries, suspended). */
export async function signIn(ctx: Ctx, emailIn: string, password: string, ip?: string) {
  const email = normal(emailIn);
  const [perAccount, perIp] = await Promise.all([
    ctx.redis.get(opsKeys.loginByAccount(email)),
    ip ? ctx.redis.get(opsKeys.loginByIp(ip)) : null,
  ]);
  if (Number(perAccount) >= FAILS_PER_ACCOUNT || Number(perIp) >= FAILS_PER_IP)
    throw new DomainError('LOGIN_RATE_LIMITED', { field: 'password' });
  const account = await ctx.db.opsAccount.findUnique({ where: { email } });
  let ok = false;
  if (account) ok = await verifyPassword(password, account.passwordHash);
  else await verifyPassword(password, await DUMMY); // the same cost as a known e-mail: nothing to time
  if (!ok || !account) {
    // Count the failure (fixed windows, set with their expiry in one step).
    await Promise.all([
      ctx.lua.rateLimit({ counter: opsKeys.loginByAccount(email) }, { limit: Number.MAX_SAFE_INTEGER, windowMs: WINDOW_MS }),
      ip ? ctx.lua.rateLimit({ counter: opsKeys.loginByIp(ip) }, { limit: Number.MAX_SAFE_INTEGER, windowMs: WINDOW_MS }) : null,
    ]);
    throw new DomainError('LOGIN_FAILED', { field: 'password' });
  }
  if (account.status !== 'active') throw new DomainError('ACCOUNT_SUSPENDED');
  await ctx.redis.del(opsKeys.loginByAccount(email));
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

/** Suspends or resumes an account, or changes its role; a suspended account's sessions end at once. */
export async function updateAccount(ctx: Ctx, id: number, input: { status?: 'active' | 'suspended'; role?: OpsRole }) {
  const row = await ctx.db.opsAccount.findUnique({ where: { id } });
  if (!row) throw new DomainError('ACCOUNT_NOT_FOUND');
  const updated = await ctx.db.opsAccount.update({
    where: { id },
    data: input,
    select: { id: true, email: true, name: true, role: true, status: true },
  });
  if (input.status === 'suspended' || (input.role && input.role !== row.role)) await ctx.revocations.revoke(`ops:${id}`, ctx.now());
  return updated;
}
