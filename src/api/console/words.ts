/**
 * The console's words for what the product stores as codes: grab attempts by result, the audit's
 * actions and changes, the grading schedule. Ops read Chinese sentences; the code stays in a
 * tooltip (title) for whoever needs to search the logs.
 */
import { CATALOGUE } from '../../errors.js';
import { type Html, html } from './html.js';

/** A grab attempt's result code in words. */
export function attemptWords(code: string): string {
  if (code === 'OK') return '抢到';
  if (code === 'OK_REPEAT') return '重复抢（已持有名额）';
  return (CATALOGUE as Record<string, { words: string }>)[code]?.words ?? code;
}

/** The words, with the code in a tooltip. */
export const withCode = (words: string, code: string) => html`<span title="${code}">${words}</span>`;

const ACTIONS: Record<string, string> = {
  'sign in': '登录',
  'sign out': '退出登录',
  'sign-in failed': '登录失败（密码错误或账号不存在）',
  'sign-in throttled': '登录被限流（尝试太频繁）',
  'sign-in refused: account suspended': '登录被拒（账号已停用）',
  'create account': '新建账号',
  'reset password': '重置密码',
  'POST /api/ops/suppliers': '新建供应商',
  'PATCH /api/ops/suppliers/:id': '修改供应商',
  'POST /api/ops/planners': '新建定制师',
  'PATCH /api/ops/planners/:id': '修改定制师',
  'POST /api/ops/planners/:id/bind-qr': '生成绑定二维码',
  'DELETE /api/ops/planners/:id/bind-qr': '作废绑定二维码',
  'POST /api/ops/planners/:id/unbind': '解绑定制师的微信',
  'POST /api/ops/requirements': '代客提交需求',
  'POST /api/ops/requirements/:id/dispatch': '派单',
  'POST /api/ops/requirements/:id/close': '关闭需求',
  'POST /api/ops/requirements/:id/reopen': '重新开放需求',
  'POST /api/ops/requirements/:id/refund': '退款',
  'POST /api/ops/grading': '发起分级评估',
  'POST /api/ops/grading/:id/apply': '应用分级调整',
  'POST /api/ops/notify/resume': '恢复模板消息发送',
  'POST /api/ops/wechat/menu': '发布公众号菜单',
  'POST /api/ops/broadcasts': '新建群发',
  'POST /api/ops/broadcasts/:id/preview': '发送群发预览',
  'POST /api/ops/broadcasts/:id/send': '发送群发',
  'POST /api/ops/broadcasts/:id/cancel': '取消群发',
  'PATCH /api/ops/accounts/:id': '修改运营账号',
};

/** An audit action in words (the route or name in a tooltip). */
export function actionWords(action: string): string {
  if (ACTIONS[action]) return ACTIONS[action];
  if (/^(PUT|POST|DELETE|PATCH) \/ops\/queues\//.test(action)) return '任务队列操作';
  return action;
}

const FIELDS: Record<string, string> = {
  name: '名称',
  status: '状态',
  statusReason: '原因',
  reason: '原因',
  tier: '等级',
  destinations: '服务目的地',
  maxActive: '最多同时接单',
  dailyQuota: '每日抢单上限',
  phone: '手机号',
  role: '角色',
  email: '邮箱',
  plannerId: '定制师',
  supplierId: '供应商',
  amountFen: '金额',
  amountYuan: '金额（元）',
  title: '标题',
  bindCode: '绑定码',
  id: '编号',
  code: '需求编号',
  outRefundNo: '退款单号',
};
const VALUES: Record<string, string> = {
  active: '在岗',
  suspended: '已停用',
  admin: '管理员',
  ops: '运营',
  open: '开放中',
  closed: '已关闭',
  processing: '处理中',
};

const show = (k: string, v: unknown): string => {
  if (v === null || v === undefined || v === '') return '（空）';
  if (Array.isArray(v)) return v.map((x) => show(k, x)).join('、');
  if (k === 'amountFen' && typeof v === 'number') return `¥${(v / 100).toLocaleString('en-US')}`;
  if (typeof v === 'object') return '…';
  return VALUES[String(v)] ?? String(v);
};

/**
 * Before → after as a person reads it: each field named in Chinese, "旧 → 新" where both are known,
 * at most six fields; the raw record in the tooltip.
 */
export function changeWords(before: unknown, after: unknown): Html | string {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => k in FIELDS);
  const parts = keys.slice(0, 6).map((k) => {
    const was = k in b ? show(k, b[k]) : null;
    const now = k in a ? show(k, a[k]) : null;
    return `${FIELDS[k]}：${was !== null && now !== null && was !== now ? `${was} → ${now}` : (now ?? was)}`;
  });
  if (!parts.length) return '';
  const raw = JSON.stringify({ before: before ?? null, after: after ?? null }).slice(0, 2000);
  return html`<span title="${raw}">${parts.join('；')}</span>`;
}

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六', '日'];

/** A cron pattern as a sentence ("0 3 * * 1" → 每周一 03:00); anything unusual is said as a schedule with the pattern in a tooltip. */
export function cronWords(pattern: string): Html {
  const f = pattern.trim().split(/\s+/);
  const [m, h, dom, mon, dow] = f.length === 6 ? f.slice(1) : f;
  const time = /^\d+$/.test(m ?? '') && /^\d+$/.test(h ?? '') ? `${h.padStart(2, '0')}:${m.padStart(2, '0')}` : null;
  let words: string | null = null;
  if (time && mon === '*' && dom === '*' && dow === '*') words = `每天 ${time}`;
  else if (time && mon === '*' && dom === '*' && /^[0-7]$/.test(dow ?? '')) words = `每周${WEEKDAYS[Number(dow)]} ${time}`;
  else if (time && mon === '*' && /^\d+$/.test(dom ?? '') && dow === '*') words = `每月 ${dom} 日 ${time}`;
  return html`<span title="${pattern}">${words ?? '按设定的计划'}</span>`;
}

/** WeChat's MASSSENDJOBFINISH Status in words ("send success", "send fail", "err(30001)"…). */
export function massStatusWords(status: string): string {
  const s = status.replace(/\s+/g, ' ').trim().toLowerCase();
  if (s === 'send success' || s === 'sendsuccess') return '发送成功';
  if (s === 'send fail' || s === 'sendfail') return '发送失败';
  if (s.startsWith('err')) return `发送失败（微信错误 ${status.replace(/\D+/g, '') || '未知'}）`;
  return status;
}
