/**
 * Intake: a traveler's requirement, validated field by field, then written in one transaction
 * (traveler, requirement, candidates). Only after the commit does it enter Redis and the release
 * schedule; if that part fails, the reconciler finishes it, so nothing is half-written.
 */

import { z } from 'zod';
import { TIERS, type Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { refusal } from '../errors.js';
import { chinaDate } from '../format.js';
import { Prisma } from '../generated/prisma/client.js';
import { goLive, match } from '../grab/index.js';
import { dbId } from '../ids.js';
import { splitList } from '../lists.js';
import { travelerFor } from './travelers.js';

const phone = z
  .string()
  .trim()
  .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'is not a real date',
    params: { zh: '这一天不存在，请重新选择日期。' },
  });
const count = (min: number) =>
  z.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(200, 'must be at most 200');

/**
 * A list of places. Each item is split again as a person types a list (src/lists.ts), so
 * ["京都，巴黎"] is two places wherever it came from (an old page, a script, the ops form); repeats count once.
 */
export const placesInput = (min: number, max: number) =>
  z.preprocess(
    (v) => (Array.isArray(v) ? [...new Set(v.flatMap((x) => (typeof x === 'string' ? splitList(x) : [x])))] : v),
    z.array(text(50), { error: 'must be a list of places' }).min(min, 'must name at least one place').max(max, `at most ${max} places`),
  );

/**
 * What a plausible custom trip looks like; past these a trip is a typo or a test, and no planner
 * would take it: at most 60 days; a party of at most 30 (individual) or 200 (enterprise); at least
 * ¥100 per person per day (a budget hotel and meals in a Chinese city; custom trips cost more).
 */
export const LIMITS = { maxDays: 60, maxParty: 30, maxPartyEnterprise: 200, minFenPerPersonDay: 10_000 };

/** Days of a trip, both ends counted ("2027-05-01" to "2027-05-03" is 3 days). */
const tripDays = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

export const requirementInput = z
  .object(
    {
      traveler: z.object({ name: text(50), phone, openid: text(64).optional() }, { error: 'is required' }),
      subject: z.enum(['individual', 'enterprise'], { error: 'must be "individual" or "enterprise"' }),
      company: text(100).optional(),
      origin: text(50),
      destinations: placesInput(1, 10),
      departDate: date,
      returnDate: date,
      adults: count(1),
      children: count(0),
      budgetFen: z
        .number({ error: 'must be a number (fen)' })
        .int('must be whole fen')
        .min(100, 'must be at least 100 fen (1 yuan)')
        .max(2_000_000_000, 'is too large'),
      budgetType: z.enum(['total', 'per_person']).default('total'),
      plannersWanted: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3' }),
      notes: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
      minTier: z.enum(TIERS, { error: 'must be S, A, B or C' }).optional(),
      blockedPlannerIds: z.array(dbId('planner')).max(100).default([]),
      blockedSupplierIds: z.array(dbId('supplier')).max(100).default([]),
    },
    { error: 'body must be a JSON object' },
  )
  .superRefine((r, ctx) => {
    if (r.subject === 'enterprise' && !r.company)
      ctx.addIssue({
        code: 'custom',
        path: ['company'],
        message: 'is required for an enterprise trip',
        params: { zh: '企业出行请填写公司名称。' },
      });
    if (r.returnDate < r.departDate)
      ctx.addIssue({
        code: 'custom',
        path: ['returnDate'],
        message: 'must not be before departDate',
        params: { zh: '返回日期不能早于出发日期。' },
      });
    const days = tripDays(r.departDate, r.returnDate);
    if (days > LIMITS.maxDays)
      ctx.addIssue({
        code: 'custom',
        path: ['returnDate'],
        message: `a trip of at most ${LIMITS.maxDays} days`,
        params: { zh: `行程最长 ${LIMITS.maxDays} 天（现在是 ${days} 天），更长的行程请分段提交。` },
      });
    const people = r.adults + r.children;
    const maxParty = r.subject === 'enterprise' ? LIMITS.maxPartyEnterprise : LIMITS.maxParty;
    if (people > maxParty)
      ctx.addIssue({
        code: 'custom',
        path: ['adults'],
        message: `at most ${maxParty} people for a ${r.subject} trip`,
        params: {
          zh:
            r.subject === 'enterprise'
              ? `企业出行最多 ${maxParty} 人，更大的团队请联系客服。`
              : `个人出行最多 ${maxParty} 人；更多人同行请选择“企业”或联系客服。`,
        },
      });
    if (days >= 1 && days <= LIMITS.maxDays && people <= maxParty) {
      const total = r.budgetType === 'per_person' ? r.budgetFen * people : r.budgetFen;
      const perDay = total / people / days;
      if (perDay < LIMITS.minFenPerPersonDay)
        ctx.addIssue({
          code: 'custom',
          path: ['budgetFen'],
          message: `below ${LIMITS.minFenPerPersonDay / 100} yuan per person per day`,
          params: {
            zh: `预算过低：${people} 人 ${days} 天，人均每天不到 ${LIMITS.minFenPerPersonDay / 100} 元，定制师难以安排。请至少填写 ${Math.ceil((LIMITS.minFenPerPersonDay * people * days) / (r.budgetType === 'per_person' ? people : 1) / 100)} 元${r.budgetType === 'per_person' ? '（人均）' : ''}。`,
          },
        });
    }
  });

export type RequirementInput = z.infer<typeof requirementInput>;

const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'; // no 0/O, 1/I/L: typed from a phone

function newCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += CODE_ALPHABET[Math.floor(Math.random() * CODE_ALPHABET.length)];
  return s;
}

/** The departure may not be in the past (China Standard Time). Checked here, not in the schema: it depends on now. */
export function departsInPast(ctx: Ctx, departDate: string): boolean {
  return departDate < chinaDate(ctx.now());
}

export async function createRequirement(ctx: Ctx, input: RequirementInput) {
  if (departsInPast(ctx, input.departDate))
    throw refusal('VALIDATION', 'departDate: must not be in the past', 'departDate', { departDate: '出发日期不能早于今天。' });
  const minTier: Tier = input.minTier ?? (input.subject === 'enterprise' ? ctx.config.ENTERPRISE_MIN_TIER : 'C');
  const candidates = await match(ctx, {
    destinations: input.destinations,
    minTier,
    blockedPlannerIds: input.blockedPlannerIds,
    blockedSupplierIds: input.blockedSupplierIds,
  });
  const t = input.traveler;
  for (let attempt = 0; ; attempt++) {
    try {
      const req = await ctx.db.$transaction(async (tx) => {
        const traveler = await travelerFor(tx, t);
        const created = await tx.requirement.create({
          data: {
            code: newCode(),
            travelerId: traveler.id,
            contactName: t.name,
            contactPhone: t.phone,
            subject: input.subject,
            company: input.company,
            origin: input.origin,
            destinations: input.destinations,
            departDate: new Date(`${input.departDate}T00:00:00Z`),
            returnDate: new Date(`${input.returnDate}T00:00:00Z`),
            adults: input.adults,
            children: input.children,
            budgetFen: input.budgetFen,
            budgetType: input.budgetType,
            plannersWanted: input.plannersWanted,
            notes: input.notes,
            minTier,
            blockedPlannerIds: input.blockedPlannerIds,
            blockedSupplierIds: input.blockedSupplierIds,
            createdAt: new Date(ctx.now()), // the product's clock (a simulation's virtual one), not the database's
            // No planner serves it: ops must act now, not after every tier's window has passed.
            flaggedAt: candidates.length === 0 ? new Date(ctx.now()) : null,
          },
        });
        // One statement of arrays, not Prisma's createMany: a requirement has hundreds of candidates
        // on a big marketplace, and building that many rows' parameters cost ~20 ms of CPU an intake.
        if (candidates.length)
          await tx.$executeRaw`INSERT INTO candidates (requirement_id, planner_id, tier, score)
            SELECT ${created.id}, * FROM unnest(${candidates.map((c) => c.plannerId)}::int[], ${candidates.map((c) => c.tier)}::"Tier"[], ${candidates.map((c) => c.score)}::float8[])`;
        return created;
      });
      await goLive(ctx, req.id, candidates);
      if (candidates.length === 0)
        await ctx.events.publish({ type: 'flagged', requirementId: req.id, slotsLeft: req.plannersWanted, at: ctx.now() });
      return { ...req, candidates: candidates.length };
    } catch (err) {
      // A code collision (1 in ~900M per pair) is retried with a new code; two ops entries racing
      // to create the row for one phone are retried and the second finds the first's row.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002' && attempt < 5) continue;
      throw err;
    }
  }
}
