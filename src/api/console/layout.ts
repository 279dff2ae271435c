/**
 * The ops console's frame: one layout (header, navigation, who is signed in), the styles, and the
 * small helpers every page uses (tables, labels, forms that post JSON to the ops API through the
 * console script). Pages are rendered on the server from the same capabilities the API uses; the
 * script (src/web/client/ops) only sends forms to /api/ops/… (one audited write path), shows each
 * field's error under it, and draws and refreshes the dashboard's charts.
 */
import type { Context } from 'koa';
import { chinaTime, esc } from '../../format.js';
import { assetUrl } from '../../web/index.js';

export interface Me {
  id: number;
  name: string;
  email: string;
  role: string;
}

export const STYLE = `*{box-sizing:border-box}body{margin:0;font:14px/1.6 -apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;background:#f5f6f7;color:#1f2329}
a{color:#1664ff;text-decoration:none}a:hover{text-decoration:underline}
header{background:#1f2329;color:#fff;padding:0 24px;display:flex;align-items:center;gap:20px;height:52px}header b{font-size:16px;white-space:nowrap}
header nav{display:flex;gap:2px;height:100%}header nav a{color:#c9cdd4;padding:0 12px;display:flex;align-items:center;height:100%}header nav a.on{color:#fff;background:#3a3f47}header nav a:hover{text-decoration:none;color:#fff}
header .who{margin-left:auto;color:#c9cdd4;white-space:nowrap}header form{margin:0}
main{max-width:1240px;margin:20px auto;padding:0 24px}.box{background:#fff;border-radius:8px;padding:20px 24px;box-shadow:0 1px 2px rgba(0,0,0,.06);margin-bottom:16px}
h1{font-size:20px;margin:0 0 16px}h2{font-size:16px;margin:0 0 12px}h3{font-size:14px;margin:16px 0 8px;color:#4e5969}
.login{max-width:380px;margin:12vh auto}label{display:block;margin:10px 0 4px;color:#4e5969}
input,select,textarea{width:100%;padding:7px 9px;border:1px solid #c9cdd4;border-radius:6px;font:inherit;background:#fff}textarea{min-height:60px}
button,.button{display:inline-block;margin-top:14px;background:#07c160;color:#fff;border:0;border-radius:6px;padding:7px 16px;font:inherit;cursor:pointer}
button.quiet,.button.quiet{background:#e5e6eb;color:#1f2329}button.danger{background:#f53f3f}button.small{margin:0;padding:3px 10px;font-size:13px}button:disabled{opacity:.5;cursor:wait}
.err,.field-error{color:#f53f3f}.field-error{font-size:13px;margin-top:2px}.ok{color:#00a854}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #e5e6eb;vertical-align:top;font-size:13px}
th{color:#86909c;font-weight:400;white-space:nowrap}code{font-size:12px;color:#4e5969;word-break:break-all}.muted{color:#86909c}.num{font-variant-numeric:tabular-nums}
.grid{display:grid;gap:16px}.g2{grid-template-columns:1fr 1fr}.g3{grid-template-columns:repeat(3,1fr)}.g4{grid-template-columns:repeat(4,1fr)}.g5{grid-template-columns:repeat(5,1fr)}
.stat{background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 2px rgba(0,0,0,.06)}.stat .v{font-size:26px;font-weight:600}.stat .l{color:#86909c}
.filters{display:flex;gap:10px;align-items:flex-end;flex-wrap:wrap}.filters label{margin:0 0 4px}.filters>div{min-width:120px}.filters button{margin:0}
.inline{display:flex;gap:10px;align-items:flex-end;flex-wrap:wrap}.inline>div{flex:1;min-width:140px}.inline button{margin:0}
.tag{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;background:#e8f3ff;color:#1664ff;white-space:nowrap}
.tag.open{background:#e8ffea;color:#00a854}.tag.full{background:#fff7e8;color:#d25f00}.tag.chosen,.tag.paid{background:#f5e8ff;color:#722ed1}
.tag.sending{background:#fff7e8;color:#d25f00}.tag.done{background:#e8ffea;color:#00a854}.tag.draft{background:#f2f3f5;color:#4e5969}
.tag.closed,.tag.cancelled,.tag.suspended,.tag.expired,.tag.failed{background:#f2f3f5;color:#86909c}.tag.flag{background:#ffece8;color:#f53f3f}
.pager{display:flex;gap:12px;align-items:center;margin-top:12px}.chart{height:300px}
.range button{margin:0 0 0 6px}.range button.on{background:#1f2329;color:#fff}
.qr{display:flex;gap:20px;align-items:center;margin-top:12px}.qr img{width:200px;height:200px;border:1px solid #e5e6eb}
.timeline{list-style:none;padding:0;margin:0}.timeline li{padding:6px 0 6px 16px;border-left:2px solid #e5e6eb;position:relative}
.timeline li:before{content:"";position:absolute;left:-5px;top:13px;width:8px;height:8px;border-radius:50%;background:#c9cdd4}
.timeline time{color:#86909c;font-size:12px;margin-right:8px}.secret{font:600 18px monospace;background:#fff7e8;padding:6px 10px;border-radius:6px}`;

const NAV: [string, string, boolean][] = [
  ['/ops', '看板', false],
  ['/ops/requirements', '需求', false],
  ['/ops/planners', '定制师', false],
  ['/ops/suppliers', '供应商', false],
  ['/ops/grading', '分级', false],
  ['/ops/broadcasts', '群发', false],
  ['/ops/payments', '收款', false],
  ['/ops/queues', '任务队列', false],
  ['/ops/accounts', '账号', true],
  ['/ops/audit', '操作记录', true],
];

/** The console's CSP: its own script only (no inline script), data: images (QR codes), its own API. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A whole page: for a signed-in account with the navigation (`here` marks the current section), else bare (sign-in). */
export async function render(ctx: Context, title: string, body: string, me?: Me, here = '') {
  const nav = me
    ? `<header><b>定制游抢单 · 运营后台</b><nav>${NAV.filter(([, , admin]) => !admin || me.role === 'admin')
        .map(([href, label]) => `<a href="${href}"${href === here ? ' class="on"' : ''}>${label}</a>`)
        .join(
          '',
        )}</nav><span class="who">${esc(me.name)}（${me.role === 'admin' ? '管理员' : '运营'}）</span><form method="post" action="/ops/logout"><button class="quiet small">退出登录</button></form></header>`
    : '';
  const script = me ? `<script type="module" src="${await assetUrl('ops.js')}"></script>` : '';
  ctx.type = 'html';
  ctx.set('content-security-policy', CONSOLE_CSP);
  ctx.set('referrer-policy', 'same-origin');
  ctx.body = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · 运营后台</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${STYLE}</style></head><body>${nav}<main>${body}</main>${script}</body></html>`;
}

export const STATUS: Record<string, string> = {
  open: '开放中',
  full: '已满',
  chosen: '已选定',
  paid: '已付定金',
  closed: '已关闭',
  cancelled: '已取消',
  active: '进行中',
  proposed: '已交方案',
  expired: '已超时',
  declined: '未接受派单',
  offered: '待接受派单',
  suspended: '已停用',
  queued: '排队中',
  sent: '已发送',
  delivered: '已送达',
  failed: '失败',
};
export const tag = (status: string) => `<span class="tag ${esc(status)}">${esc(STATUS[status] ?? status)}</span>`;
export const CHANNEL: Record<string, string> = { h5: '手机页', pc: '电脑', wechat: '公众号回复', dispatch: '派单' };

/** A time as China time, to the minute. */
export const when = (d: Date | string | null | undefined): string => (d ? chinaTime(new Date(d)) : '');

export const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 0 })}`;

export function table(head: string[], rows: string[][], empty = '没有记录。'): string {
  const body = rows.length
    ? rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${head.length}" class="muted">${esc(empty)}</td></tr>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * A form the console script sends as JSON to the ops API. `next`: reload (default), go:<url> (with
 * {id} from the answer), qr, secret. Fields: name=… with data-type number | list | ids | bool.
 */
export function apiForm(
  method: string,
  path: string,
  inner: string,
  opts: { next?: string; confirm?: string; cls?: string; id?: string; confirmYuan?: { field: string; allFen: number } } = {},
): string {
  return `<form data-api="${esc(path)}" data-method="${esc(method)}" data-then="${esc(opts.next ?? 'reload')}"${opts.confirm ? ` data-confirm="${esc(opts.confirm)}"` : ''}${opts.confirmYuan ? ` data-confirm-yuan="${esc(opts.confirmYuan.field)}" data-yuan-all="${opts.confirmYuan.allFen}"` : ''}${opts.cls ? ` class="${esc(opts.cls)}"` : ''}${opts.id ? ` id="${esc(opts.id)}"` : ''} novalidate>${inner}<p class="form-error err" role="alert" hidden></p></form>`;
}

export function field(label: string, name: string, input: string): string {
  return `<div><label for="f-${esc(name)}">${esc(label)}</label>${input}<div class="field-error" data-for="${esc(name)}"></div></div>`;
}

export const input = (name: string, value: unknown = '', attrs = '') =>
  `<input id="f-${esc(name)}" name="${esc(name)}" value="${esc(value ?? '')}" ${attrs}>`;

export function select(name: string, options: [string, string][], value: unknown = '', attrs = ''): string {
  return `<select id="f-${esc(name)}" name="${esc(name)}" ${attrs}>${options
    .map(([v, l]) => `<option value="${esc(v)}"${String(value ?? '') === v ? ' selected' : ''}>${esc(l)}</option>`)
    .join('')}</select>`;
}

/** Query-string links that keep the other filters (paging, filters). */
export function withQuery(ctx: Context, change: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams(ctx.querystring);
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return `${ctx.path}${s ? `?${s}` : ''}`;
}

export function pager(ctx: Context, page: number, perPage: number, total: number): string {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return `<div class="pager"><span class="muted">共 ${total} 条，第 ${page} / ${pages} 页</span>${
    page > 1 ? `<a href="${esc(withQuery(ctx, { page: page - 1 }))}">上一页</a>` : ''
  }${page < pages ? `<a href="${esc(withQuery(ctx, { page: page + 1 }))}">下一页</a>` : ''}</div>`;
}
