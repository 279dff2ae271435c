/**
 * Request input at the edge. Bodies are parsed only by the routes that take them, after the caller
 * is known (a stranger's half-sent body is never waited for), and nothing PostgreSQL cannot store
 * gets further: a NUL character anywhere is a 400 naming its field, an id past PostgreSQL's
 * integer is "not found", never a 500 (src/ids.ts).
 */
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import type { z } from 'zod';
import { HttpError, validationError } from './errors.js';

export { dbId, idParam } from '../ids.js';

/** The path of the first string holding a NUL (PostgreSQL's text refuses it), or null. */
export function nulAt(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nulAt(value[i], [...path, String(i)]);
      if (at) return at;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = k.includes('\u0000') ? [...path, k.replaceAll('\u0000', '\\0')].join('.') : nulAt(v, [...path, k]);
      if (at) return at;
    }
  }
  return null;
}

const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' });

/** JSON bodies up to 64 KB, checked for NUL characters. Put it after the route's authentication. */
export const json: Middleware = (ctx, next) =>
  parseJson(ctx, async () => {
    const at = nulAt(ctx.request.body);
    if (at)
      throw new HttpError(400, 'VALIDATION', `${at}: must not contain NUL characters`, at, {
        [at]: '内容里有无法保存的字符，请删掉后再试。',
      });
    return next();
  });

/** A body (or any input) through its schema: the value, or a 400 naming every field that is wrong. */
export function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw validationError(r.error, input);
  return r.data;
}
