/**
 * The ops console's pages (PC, Chinese, plain admin layout, server-rendered: no script at all, so
 * the default CSP holds): sign in, the signed-in home with the audit log for admins, sign out.
 * Forms post to this site only (CSP form-action 'self', and every POST is checked same-origin).
 */
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { sameOrigin, sessionOf } from '../http/auth.js';
import { OPS_COOKIE } from '../session/index.js';
import { accountOf, auditLog } from '../ops/index.js';
import { CodedError } from '../errors.js';
import { chinaTime, esc } from '../format.js';
import { closeOpsSession, openOpsSession } from './ops-session.js';

const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });

const STYLE = `body{margin:0;font:14px/1.6 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f6f7;color:#1f2329}
header{background:#1f2329;color:#fff;padding:10px 24px;display:flex;align-items:center;gap:16px}header b{font-size:16px}header .who{margin-left:auto;color:#c9cdd4}
main{max-width:1100px;margin:24px auto;padding:0 24px}.box{background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 2px rgba(0,0,0,.06);margin-bottom:16px}
.login{max-width:380px;margin:12vh auto}label{display:block;margin:12px 0 4px;color:#4e5969}input{width:100%;box-sizing:border-box;padding:9px 10px;border:1px solid #c9cdd4;border-radius:6px;font-size:14px}
button{margin-top:18px;background:#07c160;color:#fff;border:0;border-radius:6px;padding:9px 18px;font-size:14px;cursor:pointer}button.quiet{background:#e5e6eb;color:#1f2329;margin:0}
.err{color:#f53f3f;margin-top:12px}table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:8px;border-bottom:1px solid #e5e6eb;vertical-align:top;font-size:13px}
th{color:#86909c;font-weight:400}code{font-size:12px;color:#4e5969;word-break:break-all}.muted{color:#86909c}`;

function page(title: string, body: string, who?: { name: string; role: string }) {
  const head = who
    ? `<header><b>定制游抢单 · 运营后台</b><span class="who">${esc(who.name)}（${who.role === 'admin' ? '管理员' : '运营'}）</span><form method="post" action="/ops/logout"><button class="quiet">退出登录</button></form></header>`
    : '';
  return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style>${head}<main>${body}</main></html>`;
}

function loginPage(message = '', email = '') {
  return page(
    '运营后台登录',
    `<form class="box login" method="post" action="/ops/login"><h2>运营后台登录</h2>
<label for="email">邮箱</label><input id="email" name="email" type="email" autocomplete="username" required value="${esc(email)}">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
${message ? `<p class="err" role="alert">${esc(message)}</p>` : ''}<button type="submit">登录</button>
<p class="muted">没有账号？请管理员运行 <code>npm run ops-user -- --email 你的邮箱</code> 创建，并把一次性密码交给你。</p></form>`,
  );
}

const ACTIONS: Record<string, string> = { 'sign in': '登录', 'sign out': '退出登录' };

const brief = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const t = JSON.stringify(v);
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
};

export function opsConsoleRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/ops' });
  const signedIn = async (ctx: Context) => {
    const s = sessionOf(app, ctx.cookies.get(OPS_COOKIE));
    return s?.role === 'ops' ? accountOf(app, s.id) : null;
  };

  r.get('/login', async (ctx) => {
    if (await signedIn(ctx)) return ctx.redirect('/ops');
    ctx.type = 'html';
    ctx.body = loginPage();
  });

  r.post('/login', form, async (ctx) => {
    const b = (ctx.request.body ?? {}) as { email?: string; password?: string };
    const email = String(b.email ?? '').slice(0, 200);
    ctx.type = 'html';
    if (!sameOrigin(ctx, app.config.PUBLIC_URL)) {
      ctx.status = 403;
      ctx.body = loginPage('请在本站的登录页登录。', email);
      return;
    }
    try {
      await openOpsSession(app, ctx, email, String(b.password ?? '').slice(0, 200));
      ctx.status = 303;
      ctx.redirect('/ops');
    } catch (err) {
      if (!(err instanceof CodedError)) throw err;
      ctx.status = err.status;
      ctx.body = loginPage(err.message, email);
    }
  });

  r.post('/logout', async (ctx) => {
    const s = sessionOf(app, ctx.cookies.get(OPS_COOKIE));
    await closeOpsSession(app, ctx, s?.role === 'ops' && sameOrigin(ctx, app.config.PUBLIC_URL) ? s.id : null);
    ctx.status = 303;
    ctx.redirect('/ops/login');
  });

  r.get('/', async (ctx) => {
    const me = await signedIn(ctx);
    if (!me) return ctx.redirect('/ops/login');
    ctx.type = 'html';
    let audit = '';
    if (me.role === 'admin') {
      const rows = await auditLog(app, { limit: 50 });
      audit = `<section class="box"><h3>操作记录（最近 50 条）</h3><table><thead><tr><th>时间</th><th>谁</th><th>做了什么</th><th>对象</th><th>之前 → 之后</th></tr></thead><tbody>${
        rows
          .map(
            (a) =>
              `<tr><td>${esc(chinaTime(a.at))}</td><td>${esc(a.who)}</td><td>${esc(ACTIONS[a.action] ?? a.action)}</td><td>${esc(a.target ?? '')}</td><td><code>${esc(brief(a.before))}</code>${a.before ? ' → ' : ''}<code>${esc(brief(a.after))}</code></td></tr>`,
          )
          .join('') || '<tr><td colspan="5" class="muted">还没有操作记录。</td></tr>'
      }</tbody></table></section>`;
    }
    ctx.body = page(
      '运营后台',
      `<section class="box"><h2>你好，${esc(me.name)}</h2><p class="muted">已登录为 ${esc(me.email)}。运营接口（<code>/api/ops/…</code>）在这个浏览器里用本次登录即可调用；脚本仍可用 <code>OPS_API_TOKEN</code>。</p></section>${audit}`,
      me,
    );
  });

  return r;
}
