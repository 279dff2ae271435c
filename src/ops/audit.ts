/** The audit log: every ops action, who (an account, or the API token), what, on what, before → after, when, from where. */
import type { Ctx } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { maskPhone } from '../log.js';

export interface AuditRecord {
  accountId: number | null;
  actor: string;
  action: string;
  target?: string;
  before?: unknown;
  after?: unknown;
  ip?: string;
}

/** Phones masked wherever they are (a planner's row before a change, a contact shown to ops): the audit says who saw or changed what, not the number. */
const masked = (k: string, v: unknown) => (/phone$/i.test(k) && typeof v === 'string' ? maskPhone(v) : v);

/** JSON as stored: dates as strings, phones masked, nothing a password could hide in (callers never pass one). */
const json = (v: unknown) => (v === undefined || v === null ? undefined : (JSON.parse(JSON.stringify(v), masked) as Prisma.InputJsonValue));

export async function recordAudit(ctx: Ctx, r: AuditRecord): Promise<void> {
  await ctx.db.opsAudit.create({
    data: {
      accountId: r.accountId,
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: json(r.before),
      after: json(r.after),
      ip: r.ip,
    },
  });
}

export async function auditLog(ctx: Ctx, opts: { limit?: number; beforeId?: bigint } = {}) {
  const rows = await ctx.db.opsAudit.findMany({
    where: opts.beforeId ? { id: { lt: opts.beforeId } } : {},
    orderBy: { id: 'desc' },
    take: Math.min(200, Math.max(1, opts.limit ?? 50)),
    include: { account: { select: { name: true, email: true } } },
  });
  return rows.map(({ account, ...r }) => ({ ...r, id: String(r.id), who: account ? `${account.name}（${account.email}）` : 'API 令牌' }));
}
