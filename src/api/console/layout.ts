/**
 * The ops console's frame: one layout (header, navigation, who is signed in) and the small helpers
 * every page uses (tables, labels, forms that post JSON to the ops API through the console script),
 * all written with the `html` template (html.ts: every value escaped unless it is markup). Pages
 * are rendered on the server from the same capabilities the API uses; the script
 * (src/web/client/ops) only sends forms to /api/ops/… (one audited write path), shows each field's
 * error under it, and draws and refreshes the dashboard's charts. Styles: web/client/ops/console.css.
 */
import type { Context } from 'koa';
import type { Ctx } from '../../context.js';
import { chinaTime } from '../../format.js';
import { STATUS } from '../../shared/words.js';
import { assetUrl } from '../../web/index.js';
import { type Html, html, raw, type Value } from './html.js';

export interface Me {
  id: number;
  name: string;
  email: string;
  role: string;
}

/** What a console page is handed: the product, and the frame to answer in. */
export interface Console {
  app: Ctx;
  me(ctx: Context): Me;
  /** The page in the frame, `here` marking its section in the navigation. */
  page(ctx: Context, title: string, body: Html, here: string): Promise<void>;
  notFound(ctx: Context, words: string, back: string): Promise<void>;
  /** An admin-only page asked for by an ops account: false (and the refusal page) unless an admin. */
  adminOnly(ctx: Context): Promise<boolean>;
}

const NAV: [string, string, boolean][] = [
  ['/ops', '看板', false],
  ['/ops/requirements', '需求', false],
  ['/ops/planners', '定制师', false],
  ['/ops/suppliers', '供应商', false],
  ['/ops/grading', '分级', false],
  ['/ops/broadcasts', '群发', false],
  ['/ops/payments', '收款', false],
  ['/ops/simulations', '模拟', false],
  ['/ops/queues', '任务队列', false],
  ['/ops/events', '事件', false],
  ['/ops/accounts', '账号', true],
  ['/ops/audit', '操作记录', true],
];

/** The console's CSP: its own script and stylesheet only (nothing inline), data: images (QR codes), its own API. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A whole page: for a signed-in account with the navigation (`here` marks the current section), else bare (sign-in). */
export async function render(ctx: Context, title: string, body: Html, me?: Me, here = '') {
  const nav = me
    ? html`<header><b>定制游抢单 · 运营后台</b><nav>${NAV.filter(([, , admin]) => !admin || me.role === 'admin').map(
        ([href, label]) => html`<a href="${href}"${href === here ? raw(' class="on"') : ''}>${label}</a>`,
      )}</nav><span class="who">${me.name}（${me.role === 'admin' ? '管理员' : '运营'}）</span><form method="post" action="/ops/logout"><button class="quiet small">退出登录</button></form></header>`
    : '';
  const script = me ? html`<script type="module" src="${await assetUrl('ops.js')}"></script>` : '';
  ctx.type = 'html';
  ctx.set('content-security-policy', CONSOLE_CSP);
  ctx.set('referrer-policy', 'same-origin');
  ctx.body =
    html`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · 运营后台</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="${await assetUrl('ops.css')}"></head><body>${nav}<main>${body}</main>${script}</body></html>`.value;
}

/** A status as a coloured tag, in words. */
export const tag = (status: string, words = STATUS[status] ?? status) => html`<span class="tag ${status}">${words}</span>`;

/** A time as China time, to the minute. */
export const when = (d: Date | string | null | undefined): string => (d ? chinaTime(new Date(d)) : '');

export const yuan = (fen: number) => `¥${(fen / 100).toLocaleString('zh-CN', { maximumFractionDigits: 0 })}`;
export const num = (v: Value) => html`<span class="num">${v}</span>`;
export const link = (href: string, text: Value) => html`<a href="${href}">${text}</a>`;
export const list = (xs: string[]) => xs.join('、');

export function table(head: string[], rows: Value[][], empty = '没有记录。'): Html {
  const body = rows.length
    ? rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)
    : html`<tr><td colspan="${head.length}" class="muted">${empty}</td></tr>`;
  return html`<table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * A form the console script sends as JSON to the ops API. `next`: reload (default), go:<url> (with
 * {id} from the answer), qr, secret, notice:<words>. Fields: name=… with data-type number | list | ids | bool.
 */
export function apiForm(
  method: string,
  path: string,
  inner: Value,
  opts: { next?: string; confirm?: string; cls?: string; id?: string; confirmYuan?: { field: string; allFen: number } } = {},
): Html {
  const attrs = [
    opts.confirm ? html` data-confirm="${opts.confirm}"` : '',
    opts.confirmYuan ? html` data-confirm-yuan="${opts.confirmYuan.field}" data-yuan-all="${opts.confirmYuan.allFen}"` : '',
    opts.cls ? html` class="${opts.cls}"` : '',
    opts.id ? html` id="${opts.id}"` : '',
  ];
  return html`<form data-api="${path}" data-method="${method}" data-then="${opts.next ?? 'reload'}"${attrs} novalidate>${inner}<p class="form-error err" role="alert" hidden></p></form>`;
}

export function field(label: string, name: string, input: Value): Html {
  return html`<div><label for="f-${name}">${label}</label>${input}<div class="field-error" data-for="${name}"></div></div>`;
}

/** An input; `attrs` is markup the page writes (never data: values go through `value`). */
export const input = (name: string, value: unknown = '', attrs = '') =>
  html`<input id="f-${name}" name="${name}" value="${String(value ?? '')}" ${raw(attrs)}>`;

export function select(name: string, options: [string, string][], value: unknown = '', attrs = ''): Html {
  return html`<select id="f-${name}" name="${name}" ${raw(attrs)}>${options.map(
    ([v, l]) => html`<option value="${v}"${String(value ?? '') === v ? raw(' selected') : ''}>${l}</option>`,
  )}</select>`;
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

/** `more`: the total was counted up to its cap (more rows match): said as "10000+", and the next page stays open. */
export function pager(ctx: Context, page: number, perPage: number, total: number, more = false): Html {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const words = more ? html`共 ${total}+ 条，第 ${page} 页` : html`共 ${total} 条，第 ${page} / ${pages} 页`;
  return html`<div class="pager"><span class="muted">${words}</span>${
    page > 1 ? html`<a href="${withQuery(ctx, { page: page - 1 })}">上一页</a>` : ''
  }${page < pages || more ? html`<a href="${withQuery(ctx, { page: page + 1 })}">下一页</a>` : ''}</div>`;
}

/** A big number with its label; `k` lets the console script fill or refresh it. */
export const stat = (label: string, v: Value, k?: string) =>
  html`<div class="stat"><div class="v num"${k ? html` data-k="${k}"` : ''}>${v ?? '—'}</div><div class="l">${label}</div></div>`;
