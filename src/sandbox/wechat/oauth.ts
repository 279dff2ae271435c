/** 网页授权: the authorize page and the code → openid exchange, as WeChat documents them. */
import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { Ctx } from '../../context.js';
import { esc } from '../../format.js';
import { SANDBOX_WHO } from '../inbox.js';
import { err, K, type Kit, type SandboxUser } from './kit.js';

export function oauthRoutes(app: Ctx, r: Router, k: Kit) {
  const { appid } = k;
  r.get('/connect/oauth2/authorize', async (ctx) => {
    const redirect = String(ctx.query.redirect_uri ?? '');
    const state = String(ctx.query.state ?? '');
    if (ctx.query.appid !== appid || !/^https?:\/\//.test(redirect)) {
      ctx.status = 400;
      ctx.body = 'sandbox OAuth: wrong appid or redirect_uri';
      return;
    }
    const go = async (openid: string) => {
      const code = randomBytes(16).toString('hex');
      await app.redis.set(K.oauth(code), openid, 'EX', 300);
      const u = new URL(redirect);
      u.searchParams.set('code', code);
      u.searchParams.set('state', state);
      ctx.redirect(u.toString());
    };
    // ?openid= for scripts; a browser showing a sandbox phone is that user, as inside WeChat.
    const chosen = String(ctx.query.openid ?? '') || (ctx.cookies.get(SANDBOX_WHO) ?? '');
    if (chosen) return go(chosen);
    const users = Object.values(await app.redis.hgetall(K.users)).map((u) => JSON.parse(u) as SandboxUser);
    const planners = await app.db.planner.findMany({ where: { openid: { not: null } }, select: { name: true, openid: true }, take: 50 });
    const known = new Map<string, string>([
      ...planners.map((p) => [p.openid!, p.name] as [string, string]),
      ...users.map((u) => [u.openid, u.nickname] as [string, string]),
    ]);
    const link = (openid: string) => `?${new URLSearchParams({ ...(ctx.query as Record<string, string>), openid })}`;
    ctx.type = 'html';
    ctx.body = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>微信授权（沙箱）</title>
<body style="font-family:sans-serif;max-width:420px;margin:2em auto"><h3>微信授权（本地沙箱）</h3><p style="color:#555;font-size:.9em">这一页代替微信的授权：在微信里，用户打开链接时微信会告诉我们他是谁。这里请选择你要扮演的微信用户，或在下面输入一个新的 openid（任意字母和数字，代表一位新的微信用户）。</p><ul>${[
      ...known,
    ]
      .map(([openid, name]) => `<li><a href="${esc(link(openid))}">${esc(name)}</a> <small>${esc(openid)}</small></li>`)
      .join(
        '',
      )}</ul><form method="get"><input type="hidden" name="appid" value="${esc(appid)}"><input type="hidden" name="redirect_uri" value="${esc(redirect)}"><input type="hidden" name="state" value="${esc(state)}"><input type="hidden" name="response_type" value="code"><input type="hidden" name="scope" value="snsapi_base">
<input name="openid" placeholder="新的 openid，如 o-traveler-1" aria-label="新的 openid"> <button>以这个用户授权</button></form><p style="font-size:.9em"><a href="/sandbox/phone">打开沙箱手机</a></p></body>`;
  });

  r.get('/sns/oauth2/access_token', async (ctx) => {
    if (ctx.query.appid !== appid) return err(ctx, 40013, 'invalid appid');
    const key = K.oauth(String(ctx.query.code ?? ''));
    const openid = await app.redis.getdel(key); // a code is good once, as at WeChat
    if (!openid) return err(ctx, 40029, 'invalid code');
    ctx.body = {
      access_token: randomBytes(16).toString('hex'),
      expires_in: 7200,
      refresh_token: randomBytes(16).toString('hex'),
      openid,
      scope: 'snsapi_base',
    };
  });
}
