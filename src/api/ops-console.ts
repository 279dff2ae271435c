/**
 * The ops console (PC, Chinese, server-rendered): sign in and out here; every other page behind
 * the console's session (src/api/console/pages/). Sign-in and sign-out are plain forms that post
 * to this site only (CSP form-action 'self', and every POST is checked same-origin); the pages'
 * changes go through the ops API with the console script.
 */

import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { DomainError } from '../errors.js';
import { sameOrigin, sessionOf } from '../http/auth.js';
import { accountOf } from '../ops/index.js';
import { OPS_COOKIE } from '../session/index.js';
import { html } from './console/html.js';
import { type Me, render } from './console/layout.js';
import { consolePages } from './console/pages/index.js';
import { closeOpsSession, openOpsSession } from './ops-session.js';

const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });

function loginPage(ctx: Context, message = '', email = '') {
  return render(
    ctx,
    '登录',
    html`<form class="box login" method="post" action="/ops/login"><h2>运营后台登录</h2>
<label for="email">邮箱</label><input id="email" name="email" type="email" autocomplete="username" required value="${email}">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password" required>
${message ? html`<p class="err" role="alert">${message}</p>` : ''}<button type="submit">登录</button>
<p class="muted">没有账号？请管理员在「账号」页创建，或运行 <code>npm run ops-user -- --email 你的邮箱</code>，并把一次性密码交给你。</p></form>`,
  );
}

export function opsConsoleRoutes(app: Ctx): Router {
  const r = new Router({ prefix: '/ops' });
  const signedIn = async (ctx: Context) => {
    const s = sessionOf(app, ctx.cookies.get(OPS_COOKIE));
    return s?.role === 'ops' ? accountOf(app, s.id) : null;
  };

  r.get('/login', async (ctx) => {
    if (await signedIn(ctx)) return ctx.redirect('/ops');
    await loginPage(ctx);
  });

  r.post('/login', form, async (ctx) => {
    const b = (ctx.request.body ?? {}) as { email?: string; password?: string };
    const email = String(b.email ?? '').slice(0, 200);
    if (!sameOrigin(ctx, app.config.PUBLIC_URL)) {
      ctx.status = 403;
      return loginPage(ctx, '请在本站的登录页登录。', email);
    }
    try {
      await openOpsSession(app, ctx, email, String(b.password ?? '').slice(0, 200));
      ctx.status = 303;
      ctx.redirect('/ops');
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      ctx.status = err.status;
      await loginPage(ctx, err.message, email);
    }
  });

  r.post('/logout', async (ctx) => {
    const s = sessionOf(app, ctx.cookies.get(OPS_COOKIE));
    await closeOpsSession(app, ctx, s?.role === 'ops' && sameOrigin(ctx, app.config.PUBLIC_URL) ? s.id : null);
    ctx.status = 303;
    ctx.redirect('/ops/login');
  });

  // Every other console page: signed in (a suspended account or an ended session goes back to sign in).
  r.use(async (ctx, next) => {
    const me = await signedIn(ctx);
    if (!me) return ctx.redirect('/ops/login');
    ctx.state.me = me satisfies Me;
    return next();
  });
  consolePages(app, r, (ctx) => ctx.state.me as Me);
  return r;
}
