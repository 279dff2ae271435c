/** Query-string inputs shared by the ops API and the console's pages (same rules, same field errors). */
import { z } from 'zod';
import { TIERS } from '../config.js';
import { REQUIREMENT_STATUSES } from '../ops/index.js';

export const page = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(10_000)
  .default(1);
export const perPage = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(200, 'at most 200')
  .default(20);
export const chinaDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(d)), 'must be a real date');
/** A filter form sends every field, the untouched ones empty: empty means "any", never a wrong value. */
const anyWhenEmpty = (q: unknown) =>
  q && typeof q === 'object' ? Object.fromEntries(Object.entries(q).filter(([, v]) => !(typeof v === 'string' && v.trim() === ''))) : q;

export const requirementQuery = z.preprocess(
  anyWhenEmpty,
  z.object({
    status: z.enum(REQUIREMENT_STATUSES, { error: `must be one of ${REQUIREMENT_STATUSES.join(', ')}` }).optional(),
    destination: z.string().trim().min(1).max(50).optional(),
    from: chinaDay.optional(),
    to: chinaDay.optional(),
    tier: z.enum(TIERS, { error: 'must be S, A, B or C' }).optional(),
    flagged: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((v) => v === 'true')
      .optional(),
    q: z.string().trim().min(1).max(50).optional(),
    page,
    perPage,
  }),
);
export const plannerQuery = z.preprocess(
  anyWhenEmpty,
  z.object({
    q: z.string().trim().min(1).max(50).optional(),
    tier: z.enum(TIERS, { error: 'must be S, A, B or C' }).optional(),
    status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }).optional(),
    supplierId: z.coerce.number({ error: 'must be a number' }).int().positive().max(2_147_483_647).optional(),
    page,
    perPage,
  }),
);
