/**
 * Browser tests' support: Debian's chromium driven by playwright-core, a signed-in context per
 * user, screenshots under test-results/screenshots (CI keeps them as artifacts), and a switch for
 * a tab's visibility. Headless Chromium reports every tab as visible (each is its own window), so
 * a test that needs "this tab is in the background" flips document.visibilityState the way a
 * browser does when you switch tabs: the property and the visibilitychange event.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = 'test-results/screenshots';

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

const VISIBILITY = `(() => {
  let state = 'visible';
  Object.defineProperty(Document.prototype, 'visibilityState', { get: () => state, configurable: true });
  Object.defineProperty(Document.prototype, 'hidden', { get: () => state !== 'visible', configurable: true });
  window.__setVisible = (v) => { state = v ? 'visible' : 'hidden'; document.dispatchEvent(new Event('visibilitychange')); };
})();`;

/** A browser profile (one cookie jar, shared by its tabs) signed in with the given session cookie. */
export async function signedIn(
  browser: Browser,
  url: string,
  cookie: string | null,
  opts: { wide?: boolean } = {},
): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport: opts.wide ? { width: 1280, height: 800 } : { width: 390, height: 844 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  await ctx.addInitScript(VISIBILITY);
  if (cookie) {
    const eq = cookie.indexOf('=');
    await ctx.addCookies([{ name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url }]);
  }
  return ctx;
}

export async function open(ctx: BrowserContext, url: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`page error on ${page.url()}: ${e.message}`));
  await page.goto(url);
  return page;
}

export const setVisible = (page: Page, visible: boolean) => page.evaluate((v) => (window as any).__setVisible(v), visible);

/** The page's live-link state, as the client records it (src/web/client/live.ts). */
export const liveOf = (page: Page) =>
  page.evaluate(
    () =>
      (window as any).__live as
        | {
            tab: string;
            leader: boolean;
            connects: number;
            delays: number[];
            told: number;
            events: { id?: string; type: string; data: any }[];
            popups: string[];
          }
        | undefined,
  );

export async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** Signs the page in through the sandbox's WeChat OAuth as `openid` (what WeChat's silent OAuth answers) and lands on `next`. */
export async function signInAs(page: Page, base: string, openid: string, next: string) {
  await page.goto(`${base}/auth/wechat?next=${encodeURIComponent(next)}`);
  if (page.url().includes('/sandbox/connect/oauth2/authorize'))
    await page.goto(page.url().replace('#wechat_redirect', '') + `&openid=${openid}`);
  await page.waitForURL((u) => u.pathname === next);
}
