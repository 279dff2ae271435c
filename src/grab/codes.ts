/**
 * Grab outcomes: the small negative integers the Lua scripts return, mapped in this one place to
 * a stable code (API, logs, audit trail) and a message in words (pages, WeChat replies).
 */
export interface Rejection {
  ok: false;
  code: RejectCode;
  rule: number;
  message: string;
}

const table = {
  REQUIREMENT_NOT_FOUND: [1, '需求不存在'],
  REQUIREMENT_CLOSED: [1, '需求已关闭，不再接受抢单'],
  NOT_RELEASED: [2, '该需求还未向你的等级开放，请稍候'],
  NOT_CANDIDATE: [3, '该需求的目的地不在你的服务范围内'],
  NOT_MATCHED: [3, '这个需求在你的服务范围内，但匹配时没有选中你（按等级、评分和当前工作量挑选），暂时不能抢'],
  PLANNER_NOT_FOUND: [4, '定制师账号不存在'],
  PLANNER_SUSPENDED: [4, '你的定制师账号已停用'],
  PLANNER_UNBOUND: [4, '请先绑定微信后再抢单'],
  SUPPLIER_SUSPENDED: [5, '你所在的供应商已被暂停'],
  SUPPLIER_HOLDS_SLOT: [6, '你所在的供应商已有定制师抢到此单'],
  FULL: [8, '手慢了，名额已满'],
  OVER_CAPACITY: [9, '你进行中的工单已达上限'],
  DAILY_QUOTA: [10, '今日抢单次数已用完'],
  RATE_LIMITED: [11, '操作太频繁，请稍后再试'],
  IP_RATE_LIMITED: [11, '该网络操作太频繁，请稍后再试'],
  SLOT_EXPIRED_BEFORE: [12, '你曾超时未提交方案，不能再抢此单'],
  BLOCKED: [13, '用户暂不接受你的服务'],
  OWN_REQUIREMENT: [14, '不能抢自己提交的需求'],
  TIER_TOO_LOW: [15, '该需求要求更高的定制师等级'],
} as const;

export type RejectCode = keyof typeof table;

export function reject(code: RejectCode): Rejection {
  const [rule, message] = table[code];
  return { ok: false, code, rule, message };
}

/** Lua return value → rejection code (reservePlanner-5 and grab-8 share one numbering). */
const byNumber: Record<number, RejectCode> = {
  [-1]: 'REQUIREMENT_CLOSED',
  [-2]: 'NOT_RELEASED',
  [-3]: 'NOT_CANDIDATE',
  [-4]: 'PLANNER_SUSPENDED',
  [-41]: 'PLANNER_UNBOUND',
  [-5]: 'SUPPLIER_SUSPENDED',
  [-6]: 'SUPPLIER_HOLDS_SLOT',
  [-8]: 'FULL',
  [-9]: 'OVER_CAPACITY',
  [-10]: 'DAILY_QUOTA',
  [-11]: 'RATE_LIMITED',
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

export const allCodes = Object.keys(table) as RejectCode[];
