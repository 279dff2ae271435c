/**
 * Opening and closing an ops console session, the same for the API (`/api/ops/session`) and the
 * console's forms: the account is checked, the `ops_sid` cookie set (HttpOnly, SameSite=Strict,
 * Secure under https) or cleared, and the audit log says so.
 */
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { recordAudit, signIn } from '../ops/index.js';
import { issueSession } from '../session/index.js';

const SESSION_HOURS = 12;

function setOpsCookie(app: Ctx, ctx: Context, accountId: number | null) {
  const exp = Math.floor(app.now() / 1000) + SESSION_HOURS * 3600;
  issueSession(ctx, app.sessionSecret, accountId === null ? null : { role: 'ops', id: accountId, exp }, {
    now: app.now(),
    secure: app.config.https,
    ops: true,
  });
}

/** Checks the pair (refusals are DomainErrors in words), signs the account in, records it. */
export async function openOpsSession(app: Ctx, ctx: Context, email: string, password: string) {
  const account = await signIn(app, email, password, ctx.ip);
  setOpsCookie(app, ctx, account.id);
  await recordAudit(app, { accountId: account.id, actor: `account:${account.id}`, action: 'sign in', ip: ctx.ip });
  return account;
}

/** Clears the cookie; for an account, every session of it issued until now ends, and the log says so. */
export async function closeOpsSession(app: Ctx, ctx: Context, accountId: number | null) {
  if (accountId !== null) {
    await app.revocations.revoke(`ops:${accountId}`, app.now());
    await recordAudit(app, { accountId, actor: `account:${accountId}`, action: 'sign out', ip: ctx.ip });
  }
  setOpsCookie(app, ctx, null);
}
