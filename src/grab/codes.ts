/**
 * Grab outcomes: the small negative integers the Lua scripts return, mapped in this one place to
 * a stable code (API, logs, audit trail); its words and HTTP status are the error catalogue's (errors.ts).
 */
import { CATALOGUE, type ErrorCode } from '../errors.js';

export interface Rejection {
  ok: false;
  code: RejectCode;
  rule: number;
  message: string;
}

/** The codes a grab can be refused with: the catalogue's entries that carry a rule. */
export type RejectCode = {
  [K in ErrorCode]: (typeof CATALOGUE)[K] extends { rule: number } ? K : never;
}[ErrorCode];

export function reject(code: RejectCode): Rejection {
  const { rule, words } = CATALOGUE[code];
  return { ok: false, code, rule, message: words };
}

/** The scripts' number for rule 3's refusal, told apart by the engine (grab.ts asks why). */
export const NOT_CANDIDATE_LUA = -3;

/** Lua return value → rejection code (reservePlanner-4, grab-8 and grabOne-14 share one numbering). */
const byNumber: Record<number, RejectCode> = {
  [-1]: 'REQUIREMENT_CLOSED',
  [-2]: 'NOT_RELEASED',
  [NOT_CANDIDATE_LUA]: 'NOT_CANDIDATE',
  [-4]: 'PLANNER_SUSPENDED',
  [-41]: 'PLANNER_UNBOUND',
  [-5]: 'SUPPLIER_SUSPENDED',
  [-6]: 'SUPPLIER_HOLDS_SLOT',
  [-8]: 'FULL',
  [-9]: 'OVER_CAPACITY',
  [-10]: 'DAILY_QUOTA',
  [-11]: 'RATE_LIMITED',
  [-111]: 'IP_RATE_LIMITED',
  [-12]: 'SLOT_EXPIRED_BEFORE',
  [-13]: 'BLOCKED',
  [-14]: 'OWN_REQUIREMENT',
  [-15]: 'TIER_TOO_LOW',
};

export function fromLua(n: number): Rejection {
  const code = byNumber[n];
  if (!code) throw new Error(`unknown grab script result ${n}`);
  return reject(code);
}

export const allCodes = (Object.keys(CATALOGUE) as ErrorCode[]).filter((c): c is RejectCode => 'rule' in CATALOGUE[c]);
