/**
 * The H5 and PC pages: a small HTML shell per page (WeUI, the page's name and who is signed in),
 * and one client bundle (src/web/client, TypeScript, built by esbuild once per process and served
 * from memory under a content hash). No session → WeChat OAuth and back to the same page; a
 * session of the wrong kind → a page that says what to do (a guest may bind as a planner).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Ctx } from '../context.js';
import { esc } from '../format.js';
import { sessionOf } from '../http/auth.js';
import { COOKIE, type Role, type Session } from '../session/index.js';
import { PAGES, type PageRole } from '../shared/pages.js';
import { WELCOME_PAGE } from './welcome.js';

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#07c160" d="M16 2a10 10 0 0 0-10 10c0 7.5 10 18 10 18s10-10.5 10-18A10 10 0 0 0 16 2z"/><circle cx="16" cy="12" r="4" fill="#fff"/></svg>';

const HOME: Record<Role, string> = { planner: '/h5/pool', traveler: '/h5/my/requirements', guest: '/h5/trip', ops: '/ops' };

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** The pages' stylesheet: one file per idea (client/styles/), served as one, in this order (later rules win ties). */
const STYLES = ['base', 'pool', 'forms', 'trip', 'notices', 'details', 'deposit'];
const appCss = async () => Buffer.concat(await Promise.all(STYLES.map((name) => readFile(`${here}client/styles/${name}.css`))));

async function buildAssets(): Promise<Map<string, Asset>> {
  const { build } = await import('esbuild');
  const out = await build({
    // The pages' bundle, and the ops console's (charts, forms over the ops API).
    entryPoints: { app: `${here}client/main.ts`, ops: `${here}client/ops/main.ts` },
    outdir: '/assets',
    bundle: true,
    write: false,
    format: 'esm',
    target: ['es2020', 'chrome88', 'safari15'], // WeChat's in-app browsers of recent years
    minify: true,
    sourcemap: false,
    legalComments: 'none',
  });
  const weui = createRequire(import.meta.url).resolve('weui/dist/style/weui.min.css');
  const files: [string, Buffer, string][] = [
    ...out.outputFiles.map((f): [string, Buffer, string] => [
      f.path.split('/').pop()!,
      Buffer.from(f.contents),
      'text/javascript; charset=utf-8',
    ]),
    ['app.css', await appCss(), 'text/css; charset=utf-8'],
    ['ops.css', await readFile(`${here}client/ops/console.css`), 'text/css; charset=utf-8'],
    ['weui.min.css', await readFile(weui), 'text/css; charset=utf-8'],
  ];
  return new Map(
    files.map(([name, body, type]) => [name, { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) }]),
  );
}

function shell(
  assets: Map<string, Asset>,
  p: { page: string; title: string; session: Session | null; params?: Record<string, string> },
): string {
  const v = (name: string) => `/assets/${name}?v=${assets.get(name)!.hash}`;
  const user = p.session && p.session.role !== 'guest' ? `${p.session.role}:${p.session.id}` : '';
  const params = esc(JSON.stringify(p.params ?? {}));
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">
<meta name="format-detection" content="telephone=no">
<title>${esc(p.title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${v('weui.min.css')}">
<link rel="stylesheet" href="${v('app.css')}">
</head>
<body data-page="${esc(p.page)}" data-role="${esc(p.session?.role ?? '')}" data-user="${esc(user)}" data-params="${params}">
<div id="app" class="page"><div class="state state--loading"><i class="weui-loading"></i><p>正在加载…</p></div></div>
<noscript><div class="state"><p>请在微信或浏览器中开启 JavaScript 后使用。</p></div></noscript>
<script type="module" src="${v('app.js')}"></script>
</body>
</html>`;
}

// Built once per process (they depend on the source only), on first use.
let assets: Promise<Map<string, Asset>> | null = null;
const getAssets = () =>
  (assets ??= buildAssets().catch((err) => {
    assets = null; // try again on the next request
    throw err;
  }));

/** The URL of a built asset, with its content hash (cached for a year under that URL). */
export async function assetUrl(name: 'app.js' | 'ops.js' | 'app.css' | 'ops.css'): Promise<string> {
  return `/assets/${name}?v=${(await getAssets()).get(name)!.hash}`;
}

export function pageRoutes(app: Ctx): Router {
  const r = new Router();
  // Built in the background at start, so the first page view does not wait for esbuild.
  getAssets().catch((err) => app.log.error({ err }, 'page assets failed to build'));

  // The tab's icon (browsers also ask for /favicon.ico by themselves): a green travel pin.
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    r.get(path, (ctx) => {
      ctx.type = 'image/svg+xml';
      ctx.set('cache-control', 'public, max-age=86400');
      ctx.body = FAVICON;
    });
  }

  r.get('/assets/:name', async (ctx) => {
    const a = (await getAssets()).get(ctx.params.name);
    if (!a) {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: 'no such asset' } };
      return;
    }
    ctx.type = a.type;
    ctx.set('cache-control', ctx.query.v === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set('etag', `"${a.hash}"`);
    if (ctx.get('if-none-match') === `"${a.hash}"`) {
      ctx.status = 304;
      return;
    }
    ctx.body = a.body;
  });

  const render = async (ctx: Context, page: string, title: string, session: Session | null, params?: Record<string, string>) => {
    ctx.set('content-security-policy', CSP);
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'same-origin');
    ctx.set('cache-control', 'no-store');
    ctx.type = 'html';
    ctx.body = shell(await getAssets(), { page, title, session, params });
  };

  const toLogin = (ctx: Context) => ctx.redirect(`/auth/wechat?${new URLSearchParams({ next: ctx.originalUrl })}`);

  for (const p of PAGES) {
    r.get(p.path, async (ctx) => {
      const s = sessionOf(app, ctx.cookies.get(COOKIE));
      if (!s) return toLogin(ctx);
      if (!(p.roles as readonly Role[]).includes(s.role)) {
        // A guest on a planner page may bind; anyone else is told where their pages are.
        if (s.role === 'guest' && (p.roles as readonly PageRole[]).includes('planner'))
          return render(ctx, 'bind', '绑定定制师账号', s, { next: ctx.originalUrl });
        ctx.status = 403;
        return render(ctx, 'wrong-role', '无法访问', s, { home: HOME[s.role], need: p.roles[0] });
      }
      await render(ctx, p.page, p.title, s, ctx.params as Record<string, string>);
    });
  }

  r.get('/', (ctx) => {
    const s = sessionOf(app, ctx.cookies.get(COOKIE));
    if (s) return ctx.redirect(HOME[s.role]);
    // Development with the local sandbox: say what this is and where to start, not a bare sign-in.
    if (!app.config.sandbox) return toLogin(ctx);
    ctx.type = 'html';
    ctx.body = WELCOME_PAGE;
  });

  return r;
}
