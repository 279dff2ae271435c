/** The ops API's inputs, checked at the edge: each says which field is wrong and why (English for machines, Chinese words for forms). */
import { z } from 'zod';
import { TIERS } from '../../config.js';
import { dbId } from '../../http/body.js';
import { fenOfYuan } from '../../money.js';
import { BROADCAST_CHANNELS } from '../../ops/index.js';
import { placesInput } from '../../requirements/index.js';
import { chinaDay } from '../ops-inputs.js';

export const supplierInput = z.object(
  { name: z.string().trim().min(1, 'must not be empty').max(100) },
  { error: 'body must be a JSON object' },
);
/** Suspending says why (the planner, their supplier and the audit log read it); resuming may. */
export const reason = z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
export const needsReason = (v: { status?: string; reason?: string }, c: z.RefinementCtx) => {
  if (v.status === 'suspended' && !v.reason)
    c.addIssue({ code: 'custom', path: ['reason'], message: 'is required to suspend', params: { zh: '停用请写明原因。' } });
};
export const supplierPatch = z
  .object(
    { status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }), reason: reason.optional() },
    { error: 'body must be a JSON object' },
  )
  .superRefine(needsReason);
export const plannerFields = {
  name: z.string().trim().min(1, 'must not be empty').max(50),
  phone: z
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/, 'must be an 11-digit mainland mobile number'),
  tier: z.enum(TIERS, { error: 'must be S, A, B or C' }),
  destinations: placesInput(1, 50),
  maxActive: z.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(500),
  dailyQuota: z.number().int().min(1).max(1000).optional(),
  openid: z.string().trim().min(1).max(64).optional(),
};
export const plannerInput = z.object({ supplierId: dbId('supplier'), ...plannerFields }, { error: 'body must be a JSON object' });
export const plannerPatch = z
  .object(
    { ...plannerFields, status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }), reason },
    { error: 'body must be a JSON object' },
  )
  .partial()
  .omit({ phone: true })
  .superRefine(needsReason);

export const funnelQuery = z
  .object({ from: chinaDay, to: chinaDay }, { error: 'from and to are required' })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { path: ['to'], message: 'at most a year after from' });
export const destinationsList = placesInput(0, 50);
export const audienceInput = z
  .object(
    {
      tiers: z
        .array(z.enum(TIERS, { error: 'must be S, A, B or C' }), { error: 'must be a list of tiers' })
        .max(4)
        .optional(),
      destinations: destinationsList.optional(),
      supplierIds: z
        .array(z.number({ error: 'must be supplier ids' }).int().positive(), { error: 'must be a list of supplier ids' })
        .max(1000)
        .optional(),
      plannerIds: z
        .array(z.number({ error: 'must be planner ids' }).int().positive(), { error: 'must be a list of planner ids' })
        .max(10_000)
        .optional(),
    },
    { error: 'must be an object: {tiers?, destinations?, supplierIds?, plannerIds?}' },
  )
  .strict();
export const broadcastInput = z.object(
  {
    audience: audienceInput,
    channels: z
      .array(z.enum(BROADCAST_CHANNELS, { error: 'must be live, template or mass' }), { error: 'must be a list: live, template, mass' })
      .min(1, 'choose at least one channel')
      .transform((cs) => [...new Set(cs)]),
    title: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(20, 'at most 20 characters (WeChat shows 20)'),
    body: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(600, 'at most 600 characters'),
    url: z
      .string()
      .trim()
      .regex(/^\/(h5|pc)\/[\w\-/]*$/, 'must be a page of this site, such as /h5/pool')
      .optional(),
  },
  { error: 'body must be a JSON object' },
);
/** A preview goes to one person the product knows: a planner (by id), or a WeChat user by openid (a planner's or a traveler's). */
export const previewInput = z
  .object(
    {
      plannerId: dbId('planner').optional(),
      openid: z
        .string()
        .trim()
        .regex(/^[\w-]{1,64}$/, 'must be a WeChat openid')
        .optional(),
    },
    { error: 'body must be a JSON object' },
  )
  .refine((b) => b.plannerId !== undefined || b.openid !== undefined, {
    path: ['plannerId'],
    message: 'choose a planner (or give an openid)',
    params: { zh: '请选择接收预览的定制师。' },
  });
export const paymentsQuery = z
  .object(
    { from: chinaDay, to: chinaDay, check: z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional() },
    { error: 'from and to are required' },
  )
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must not be before from' })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 366 * 86_400_000, { path: ['to'], message: 'at most a year after from' });
export const dispatchInput = z.object({ plannerId: dbId('planner') }, { error: 'body must be a JSON object' });
export const closeInput = z.object({ reason }, { error: 'body must be a JSON object' });
/**
 * A refund: all that is left, or an amount — `amountYuan` as a person types it (the console's form;
 * "1000" is ¥1,000), or `amountFen` for scripts. Never both: one of them would be a mistake.
 */
export const refundInput = z
  .object(
    {
      reason,
      amountFen: z.number({ error: 'must be a number of fen' }).int('must be whole fen').positive('must be more than 0').optional(),
      amountYuan: z
        .union([z.string(), z.number()], { error: 'must be an amount in yuan' })
        .transform((v, c) => {
          const fen = typeof v === 'string' && v.trim() === '' ? undefined : fenOfYuan(v);
          if (fen === null || fen === 0)
            c.addIssue({
              code: 'custom',
              message: 'must be an amount in yuan with at most two decimals',
              params: { zh: '请填写金额（元），最多两位小数，例如 1000 或 1000.50。' },
            });
          return fen ?? undefined;
        })
        .optional(),
    },
    { error: 'body must be a JSON object' },
  )
  .refine((b) => b.amountFen === undefined || b.amountYuan === undefined, {
    path: ['amountYuan'],
    message: 'give amountYuan or amountFen, not both',
  });
export const applyInput = z.object(
  {
    plannerIds: z
      .array(z.number({ error: 'must be planner ids' }).int().positive(), { error: 'must be a list of planner ids' })
      .min(1, 'name at least one planner')
      .max(1000)
      .optional(),
  },
  { error: 'body must be a JSON object' },
);
export const accountInput = z.object(
  {
    email: z.string({ error: 'is required' }).trim().email('must be an e-mail address').max(200),
    name: z.string().trim().min(1, 'must not be empty').max(50).optional(),
    // At creation only (default ops): resetting an existing account's password never changes its role.
    role: z.enum(['admin', 'ops'], { error: 'must be "admin" or "ops"' }).optional(),
  },
  { error: 'body must be a JSON object' },
);
export const accountPatch = z.object(
  {
    status: z.enum(['active', 'suspended'], { error: 'must be "active" or "suspended"' }).optional(),
    role: z.enum(['admin', 'ops'], { error: 'must be "admin" or "ops"' }).optional(),
  },
  { error: 'body must be a JSON object' },
);

export const signInInput = z.object(
  {
    email: z.string({ error: 'is required' }).trim().email('must be an e-mail address').max(200),
    password: z.string({ error: 'is required' }).min(1, 'is required').max(200),
  },
  { error: 'body must be a JSON object' },
);
