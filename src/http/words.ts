/**
 * Validation problems as a person reads them: one Chinese sentence per field, full-width
 * punctuation, the field's everyday name inside the sentence （请至少填写一个目的地。), amounts in
 * yuan though the API counts fen. Forms show these (`fields`); the API's `message` stays English
 * for machines and logs.
 */
import type { z } from 'zod';

/** API field → what the form calls it. */
const LABELS: Record<string, string> = {
  traveler: '联系人',
  'traveler.name': '称呼',
  'traveler.phone': '手机号',
  subject: '出行类型',
  company: '公司名称',
  origin: '出发地',
  destinations: '目的地',
  departDate: '出发日期',
  returnDate: '返回日期',
  adults: '成人人数',
  children: '儿童人数',
  budgetFen: '预算',
  budgetType: '预算方式',
  plannersWanted: '定制师人数',
  notes: '备注',
  minTier: '最低等级',
  blockedPlannerIds: '屏蔽的定制师',
  blockedSupplierIds: '屏蔽的供应商',
  itinerary: '行程方案',
  priceFen: '报价',
  requirementId: '需求',
  workOrderId: '方案',
  channel: '渠道',
  phone: '手机号',
  code: '验证码',
  name: '名称',
  supplierId: '供应商',
  tier: '等级',
  maxActive: '同时进行的工单上限',
  dailyQuota: '每日抢单上限',
  status: '状态',
  reason: '原因',
  basis: '依据',
  plannerId: '定制师',
  plannerIds: '定制师',
  email: '邮箱',
  role: '角色',
  destination: '目的地',
  from: '开始日期',
  to: '结束日期',
  page: '页码',
  perPage: '每页条数',
  q: '搜索词',
  flagged: '人工处理',
  title: '标题',
  body: '内容',
  url: '链接',
  channels: '渠道',
  openid: '微信 openid',
  audience: '受众',
  'audience.tiers': '等级',
  scenario: '场景',
  fitDays: '拟合的天数',
  days: '模拟的天数',
  seed: '随机种子',
  replications: '重复次数',
  compare: '对比',
  delays: '分级释放时间',
  'delays.S': 'S 级释放时间（分钟）',
  'delays.A': 'A 级释放时间（分钟）',
  'delays.B': 'B 级释放时间（分钟）',
  'delays.C': 'C 级释放时间（分钟）',
  cap: '每单定制师人数',
  deadlineHours: '方案期限（小时）',
  'audience.destinations': '目的地',
  'audience.supplierIds': '供应商',
  'audience.plannerIds': '定制师编号',
};
const FEN = new Set(['budgetFen', 'priceFen']);
const CJK = /[\u3400-\u9fff]/;

const yuan = (fen: number) => (fen >= 1_000_000 && fen % 1_000_000 === 0 ? `${fen / 1_000_000}万` : `${fen / 100}`);

/** The Chinese sentence for one problem. `input` is the whole body (to tell "missing" from "wrong"). */
export function inChinese(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.map(String);
  const item = path.length > 1 && /^\d+$/.test(path.at(-1)!); // one entry of a list
  const field = (item ? path.slice(0, -1) : path).join('.');
  const label = LABELS[field] ?? LABELS[path.at(-1) ?? ''] ?? field;
  const each = item ? `每个${label}` : label;
  const given = path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), input);
  const i = issue as z.core.$ZodIssue & {
    minimum?: number | bigint;
    maximum?: number | bigint;
    origin?: string;
    expected?: string;
    format?: string;
    params?: { zh?: string };
  };
  const n = Number(i.minimum ?? i.maximum);
  switch (issue.code) {
    case 'too_small':
      if (i.origin === 'string') return n <= 1 ? `请填写${each}。` : `${each}至少写${n}个字。`;
      if (i.origin === 'array') return n <= 1 ? `请至少填写一个${label}。` : `${label}至少${n}个。`;
      return FEN.has(field) ? `${label}至少${yuan(n)}元。` : `${label}至少为${n}。`;
    case 'too_big':
      if (i.origin === 'string') return `${each}最多${n}个字。`;
      if (i.origin === 'array') return `${label}最多${n}个。`;
      return FEN.has(field) ? `${label}不能超过${yuan(n)}元，请确认金额。` : `${label}不能超过${n}。`;
    case 'invalid_type':
      if (given === undefined || given === null || given === '') return field.endsWith('Date') ? `请选择${label}。` : `请填写${each}。`;
      if (i.expected === 'int') return `${label}必须是整数。`;
      if (i.expected === 'number') return `${label}请填写数字。`;
      if (i.expected === 'array') return `请填写${label}，多个用顿号分隔。`;
      return `${label}的格式不对。`;
    case 'invalid_format':
      if (field.endsWith('phone')) return '请填写11位手机号。';
      if (field.endsWith('Date')) return `${label}不是有效的日期。`;
      return CJK.test(issue.message) ? issue.message : `${label}的格式不对。`;
    case 'invalid_value':
    case 'invalid_union':
      // A sentence the schema wrote for this value (a typed confirmation) says it best.
      return CJK.test(issue.message) ? issue.message : `请选择${label}。`;
    default:
      return i.params?.zh ?? (CJK.test(issue.message) ? issue.message : `${label}不符合要求。`);
  }
}
