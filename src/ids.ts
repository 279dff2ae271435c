/** Database ids as they arrive from outside: PostgreSQL's integer bounds them. */
import { z } from 'zod';

/** PostgreSQL's integer: ids beyond it cannot exist. */
export const MAX_ID = 2_147_483_647;

/** A database id in a JSON body. */
export const dbId = (what: string) =>
  z
    .number({ error: `must be a ${what} id (number)` })
    .int(`must be a ${what} id`)
    .positive(`must be a ${what} id`)
    .max(MAX_ID, `must be a ${what} id`);

/** An integer id from a path or text, or null when it cannot name a row (the caller answers "not found"). */
export function idParam(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,10}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_ID ? n : null;
}
