/**
 * A traveler's personal data, as China's personal-information law expects a marketplace to treat it:
 * - what is kept about them, to read or take away (我的数据 in H5; ops export it on request);
 * - deleting the account: personal fields erased (name, phone, WeChat identity, each trip's contact,
 *   notes and company, the payer's openid on deposits, the copies in sent messages, Redis's hot
 *   copies); open trips closed first (no planner keeps working for someone who left); the business
 *   records kept without them (trips, work orders, proposals, money), so the books still add up;
 *   every session of the account ended (PostgreSQL records it: a Redis loss does not bring them back);
 * - the retention rule: a set time after a trip ended or closed, its contact, notes and company are
 *   anonymised, and a traveler with nothing left but anonymised trips is too.
 */
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import { closeRequirement, ERASED_NAME, forgetContact } from '../grab/index.js';
import { maskPhone } from '../log.js';
import type { PersonalDataView } from '../shared/wire.js';

const DAY_MS = 86_400_000;
const BATCH = 1_000;

export type PersonalData = PersonalDataView<Date>;

export function policyOf(ctx: Ctx): string[] {
  const days = ctx.config.retentionDays;
  return [
    '我们保存你提交的出行需求（目的地、日期、人数、预算、备注）和联系人姓名、手机号，只给抢到你需求的定制师看。',
    '定制师的方案、你的选择和定金记录是交易记录，依法需要保留；注销账号后它们会保留，但不再带有你的姓名、手机号和微信身份。',
    days
      ? `行程结束或关闭 ${days} 天后，联系人姓名、手机号、备注和公司名会自动匿名化。`
      : '本环境未开启自动匿名化（开发环境）；正式环境会在行程结束一段时间后自动匿名化。',
    '你可以随时在这里注销账号；注销后无法恢复。',
  ];
}

/** What is kept about a traveler, in full (their own page, or ops' export on request). */
export async function personalData(ctx: Ctx, travelerId: number): Promise<PersonalData> {
  const t = await ctx.db.traveler.findUnique({ where: { id: travelerId } });
  if (!t) throw refusal('NOT_FOUND', 'traveler: no such traveler', 'id');
  const trips = await ctx.db.requirement.findMany({
    where: { travelerId },
    orderBy: { id: 'asc' },
    include: {
      workOrders: { include: { planner: { include: { supplier: true } }, proposal: true } },
      deposits: { orderBy: { createdAt: 'asc' } },
    },
  });
  const messagesToYou = t.openid ? await ctx.db.message.count({ where: { openid: t.openid } }) : 0;
  return {
    generatedAt: new Date(ctx.now()),
    traveler: {
      id: t.id,
      name: t.name,
      phone: t.erasedAt ? null : t.phone,
      phoneVerified: Boolean(t.phoneVerifiedAt),
      wechatBound: Boolean(t.openid),
      createdAt: t.createdAt,
      erasedAt: t.erasedAt,
    },
    trips: trips.map((r) => ({
      id: r.id,
      code: r.code,
      contactName: r.contactName,
      contactPhone: r.contactPhone,
      company: r.company,
      origin: r.origin,
      destinations: r.destinations,
      departDate: r.departDate,
      returnDate: r.returnDate,
      adults: r.adults,
      children: r.children,
      budgetFen: r.budgetFen,
      notes: r.notes,
      status: r.status,
      createdAt: r.createdAt,
      closedAt: r.closedAt,
      anonymisedAt: r.anonymisedAt,
      planners: r.workOrders.map((w) => ({
        planner: w.planner.name,
        supplier: w.planner.supplier.name,
        status: w.status,
        proposal: w.proposal ? { priceFen: w.proposal.priceFen, itinerary: w.proposal.itinerary } : null,
      })),
      deposits: r.deposits.map((d) => ({
        outTradeNo: d.outTradeNo,
        amountFen: d.amountFen,
        status: d.status,
        paidAt: d.paidAt,
        refundedFen: d.refundedFen,
      })),
    })),
    messagesToYou,
    policy: policyOf(ctx),
  };
}

/** Replaces a person's phones and name inside stored JSON (sent messages' data, the audit's before/after). */
function scrub(v: unknown, phones: string[], names: string[]): unknown {
  if (typeof v === 'string') {
    let s = v;
    for (const p of phones) if (p) s = s.split(p).join(maskPhone(p) ?? '');
    for (const n of names) if (n.length >= 2) s = s.split(n).join(ERASED_NAME);
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => scrub(x, phones, names));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, phones, names)]));
  return v;
}

/** The trips' contact, notes and company erased; the copies in their messages scrubbed; Redis's hot copies too. */
async function anonymiseTrips(ctx: Ctx, ids: number[], travelerGone: boolean): Promise<void> {
  if (!ids.length) return;
  const rows = await ctx.db.requirement.findMany({ where: { id: { in: ids } }, select: { contactName: true, contactPhone: true } });
  const phones = [...new Set(rows.map((r) => r.contactPhone).filter((p) => p.length > 0))];
  const names = [...new Set(rows.map((r) => r.contactName).filter((n) => n !== ERASED_NAME))];
  await ctx.db.$transaction(async (tx) => {
    await tx.requirement.updateMany({
      where: { id: { in: ids } },
      data: { contactName: ERASED_NAME, contactPhone: '', notes: null, company: null, anonymisedAt: new Date(ctx.now()) },
    });
    const messages = await tx.message.findMany({ where: { requirementId: { in: ids } }, select: { id: true, data: true } });
    for (const m of messages) {
      const data = scrub(m.data, phones, names);
      if (JSON.stringify(data) !== JSON.stringify(m.data)) await tx.message.update({ where: { id: m.id }, data: { data: data as object } });
    }
  });
  await forgetContact(ctx, ids, travelerGone);
}

export interface Erasure {
  erased: boolean;
  /** Trips still open that were closed because the account went. */
  closed: number[];
  /** Trips kept (without the personal fields) as business records. */
  kept: number;
}

/**
 * Deletes a traveler's account: open trips closed, personal fields erased, records kept without
 * them, every session ended. Repeating it does nothing more (`erased: false`).
 */
export async function eraseTraveler(ctx: Ctx, travelerId: number): Promise<Erasure> {
  const t = await ctx.db.traveler.findUnique({ where: { id: travelerId } });
  if (!t) throw refusal('NOT_FOUND', 'traveler: no such traveler', 'id');
  const trips = await ctx.db.requirement.findMany({ where: { travelerId }, select: { id: true, status: true } });
  if (t.erasedAt) return { erased: false, closed: [], kept: trips.length };
  const closed: number[] = [];
  for (const r of trips.filter((x) => x.status === 'open' || x.status === 'full')) {
    await closeRequirement(ctx, r.id, '旅客注销了账号').then(
      () => closed.push(r.id),
      () => {}, // chosen in between: kept as a record like the others
    );
  }
  const ids = trips.map((r) => r.id);
  await anonymiseTrips(ctx, ids, true);
  const at = new Date(ctx.now());
  await ctx.db.$transaction(async (tx) => {
    await tx.traveler.update({
      where: { id: travelerId },
      // The phone column is not null and unique among unclaimed rows: a placeholder that names nobody.
      data: { name: ERASED_NAME, phone: `erased-${travelerId}`, phoneVerifiedAt: null, openid: null, erasedAt: at },
    });
    await tx.deposit.updateMany({ where: { travelerId }, data: { openid: '' } });
    if (t.openid) await tx.message.updateMany({ where: { openid: t.openid }, data: { openid: '' } });
    // The audit kept who did what to this person's records: still kept, without their phone and name.
    const audit = await tx.$queryRaw<{ id: bigint; before: unknown; after: unknown }[]>`
      SELECT id, before, after FROM ops_audit WHERE before::text LIKE ${`%${t.phone}%`} OR after::text LIKE ${`%${t.phone}%`}`;
    for (const a of audit)
      await tx.opsAudit.update({
        where: { id: a.id },
        data: {
          before: (scrub(a.before, [t.phone], [t.name]) ?? undefined) as object,
          after: (scrub(a.after, [t.phone], [t.name]) ?? undefined) as object,
        },
      });
  });
  await ctx.revocations.revoke(`traveler:${travelerId}`, '*');
  return { erased: true, closed, kept: trips.length };
}

/**
 * The retention rule: trips that ended (return date) or closed more than `retentionDays` ago lose
 * their contact, notes and company; travelers whose every trip is anonymised and who joined before
 * that lose their name and phone (they keep their WeChat sign-in and the trips' records). In
 * batches, walking partial indexes of what is not yet anonymised: bounded at a year of data.
 */
export async function applyRetention(ctx: Ctx, days = ctx.config.retentionDays): Promise<{ trips: number; travelers: number }> {
  if (!days) return { trips: 0, travelers: 0 };
  const cutoff = new Date(ctx.now() - days * DAY_MS);
  let trips = 0;
  for (;;) {
    const rows = await ctx.db.$queryRaw<{ id: number }[]>`
      SELECT id FROM requirements WHERE anonymised_at IS NULL AND return_date < ${cutoff}::date AND status NOT IN ('open', 'full', 'chosen')
      UNION
      SELECT id FROM requirements WHERE anonymised_at IS NULL AND closed_at < ${cutoff}
      LIMIT ${BATCH}`;
    if (!rows.length) break;
    await anonymiseTrips(
      ctx,
      rows.map((r) => r.id),
      false,
    );
    trips += rows.length;
  }
  const travelers = await ctx.db.$executeRaw`
    UPDATE travelers t SET name = ${ERASED_NAME}, phone = 'erased-' || t.id, phone_verified_at = NULL
     WHERE t.erased_at IS NULL AND t.created_at < ${cutoff} AND t.phone NOT LIKE 'erased-%'
       AND EXISTS (SELECT 1 FROM requirements r WHERE r.traveler_id = t.id)
       AND NOT EXISTS (SELECT 1 FROM requirements r WHERE r.traveler_id = t.id AND r.anonymised_at IS NULL)`;
  if (trips || travelers) ctx.log.info({ trips, travelers, days }, 'retention: personal fields anonymised');
  return { trips, travelers };
}
