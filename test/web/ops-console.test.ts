/**
 * The ops console in Chromium: sign in by the form (a wrong password first) and out; the dashboard
 * with a scripted day's numbers; requirements (filter, dispatch, close); planners (create, suspend);
 * binding by QR code on the sandbox phone; grading; suppliers, accounts, the audit log and the
 * queue dashboard. Each page's screenshot goes to test-results/screenshots/.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fallback } from '../../src/grab/index.js';
import { upsertAccount } from '../../src/ops/index.js';
import { ops, phone, planner, requirementBody, withApp } from '../support.js';
import { launch, open, shot, signedIn } from './browser.js';

// S at once, the rest in an hour; nobody taking a requirement flags it for ops; an hour to propose.
const h = withApp({ TIER_DELAYS: 'S:0,A:3600,B:3600,C:3600', FALLBACK: 'flag', PROPOSAL_DEADLINE: '3600', PROPOSAL_REMINDER: '600' });
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

it('signs in with the form, shows who and the audit log, signs out', async () => {
  const { email, password } = await upsertAccount(h.app.ctx, { email: 'console@example.com', role: 'admin', name: '运营小王' });
  const profile = await signedIn(browser, h.app.url, null, { wide: true });
  const page = await open(profile, `${h.app.url}/ops`);
  await page.waitForURL(/\/ops\/login$/);
  await page.fill('#email', email);
  await page.fill('#password', 'wrong-password');
  await page.click('button[type=submit]');
  expect(await page.locator('.err').textContent()).toBe('邮箱或密码不正确。');
  expect(await page.inputValue('#email')).toBe(email); // kept, only the password is typed again
  await shot(page, 'ops-login-error');
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ops$/);
  expect(await page.locator('header .who').textContent()).toBe('运营小王（管理员）');
  await page.click('header nav a:has-text("操作记录")');
  await page.waitForURL(/\/ops\/audit$/);
  expect(await page.locator('table tbody tr').first().textContent()).toContain('运营小王（console@example.com）登录');
  const cookie = (await profile.cookies()).find((c) => c.name === 'ops_sid')!;
  expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, 'Strict']);
  await page.click('header button');
  await page.waitForURL(/\/ops\/login$/);
  await page.goto(`${h.app.url}/ops`);
  await page.waitForURL(/\/ops\/login$/);
  await profile.close();
});

// ── the console's pages, on a scripted marketplace ──────────────────────────────────────────

let seq = 0;
async function market(tiers: ('S' | 'A' | 'B' | 'C')[], bound = true) {
  const place = `后台地${++seq}-${phone().slice(-4)}`;
  const ids: number[] = [];
  for (const [i, tier] of tiers.entries()) {
    const s = (await ops(h.app.url).post('/suppliers', { name: `后台社-${place}-${i}` })).body;
    const p = await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: `${['张', '李', '王', '赵'][i % 4]}${tier}${i}`,
      phone: phone(),
      tier,
      destinations: [place],
      maxActive: 5,
      ...(bound ? { openid: `o-console-${phone()}` } : {}),
    });
    ids.push(p.body.id);
  }
  return { place, ids };
}

async function requirement(place: string, over: Record<string, unknown> = {}) {
  const r = await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], ...over }));
  expect(r.status).toBe(201);
  return { id: r.body.id as number, code: r.body.code as string };
}

/** A signed-in console tab (through the sign-in form), confirms accepted. */
async function consoleTab(role: 'admin' | 'ops' = 'admin') {
  const { email, password } = await upsertAccount(h.app.ctx, {
    email: `${role}-${phone()}@example.com`,
    role,
    name: role === 'admin' ? '管理员老周' : '运营小林',
  });
  const profile = await signedIn(browser, h.app.url, null, { wide: true });
  const page = await open(profile, `${h.app.url}/ops/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ops$/);
  page.on('dialog', (d) => void d.accept());
  return { profile, page };
}

it('the dashboard shows a scripted day in real numbers and charts, and updates without a reload', async () => {
  const { place, ids } = await market(['S', 'S', 'A']);
  const busy = await requirement(place, { plannersWanted: 2 });
  const quiet = await requirement(place, { plannersWanted: 1 });
  const p0 = planner(h.app.url, h.app.ctx, ids[0]);
  const win = await p0.grab(busy.id);
  expect(win.status).toBe(201);
  await planner(h.app.url, h.app.ctx, ids[1]).grab(busy.id);
  await p0.propose(win.body.workOrderId, { itinerary: '京都五日：岚山、清水寺、伏见稻荷', priceFen: 2_600_000 });
  await fallback(h.app.ctx, quiet.id); // FALLBACK=flag: nobody took it, ops are asked
  const today = (await ops(h.app.url).get('/stats/today')).body;

  const { profile, page } = await consoleTab();
  await page.waitForSelector('#dashboard[data-loaded]');
  expect(await page.textContent('[data-k=newRequirements]')).toBe(String(today.newRequirements));
  expect(await page.textContent('[data-k=fillRate]')).toBe(`${Math.round(today.fillRate * 100)}%`);
  expect(await page.textContent('[data-k=firstS]')).toMatch(/^\d+ (秒|分钟)$/);
  expect(await page.textContent('#due')).toContain(busy.code); // the other S holder has an hour left, no proposal
  expect(await page.textContent('#flagged')).toContain(quiet.code);
  expect(await page.locator('#chart-funnel canvas').count()).toBe(1);
  expect(await page.textContent('#funnel-total')).toMatch(/近 14 天：需求 \d+ → 被抢 \d+ → 交方案 [1-9]\d* → 选定 \d+ → 付定金 \d+/);
  await page.evaluate(() => ((window as any).__same = true));
  await shot(page, 'ops-dashboard');

  await requirement(place); // a new requirement arrives; the board shows it at its next refresh
  await page.click('.range button[data-days="30"]');
  await page.waitForFunction(
    (n) => document.querySelector('[data-k=newRequirements]')?.textContent === String(n),
    today.newRequirements + 1,
  );
  await page.waitForFunction(() => document.querySelector('#funnel-total')?.textContent?.includes('近 30 天')); // its own request
  expect(await page.evaluate(() => (window as any).__same)).toBe(true); // same document: no reload
  await profile.close();
});

it('requirements: filter, open one, dispatch to a candidate, close with a reason (a missing reason is said under its field)', async () => {
  const { place, ids } = await market(['S', 'A']);
  const r = await requirement(place, { plannersWanted: 2 });
  await requirement(place);
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/requirements?destination=${encodeURIComponent(place)}`);
  expect(await page.locator('main table tbody tr').count()).toBe(2);
  expect(await page.textContent('.pager')).toContain('共 2 条');
  await shot(page, 'ops-requirements');
  await page.goto(`${h.app.url}/ops/requirements?from=2026-99-01`);
  expect(await page.textContent('main .err')).toContain('开始日期');

  await page.goto(`${h.app.url}/ops/requirements?destination=${encodeURIComponent(place)}`);
  await page.click(`text=${r.code}`);
  await page.waitForURL(new RegExp(`/ops/requirements/${r.id}$`));
  await page.click('button:has-text("派单给 李A1")');
  await page.waitForSelector('td:has-text("派单")');
  const wo = await h.app.ctx.db.workOrder.findFirst({ where: { requirementId: r.id, plannerId: ids[1] } });
  expect(wo?.channel).toBe('dispatch');

  await page.click('button:has-text("关闭需求")');
  await page.waitForSelector('.field-error[data-for=reason]:has-text("请填写原因。")');
  await page.fill('#f-reason', '出行人改期到明年');
  await page.click('button:has-text("关闭需求")');
  await page.waitForSelector('h1 .tag.closed');
  expect(await page.textContent('main')).toContain('已关闭：出行人改期到明年');
  expect(await page.textContent('.timeline')).toContain('出行人改期到明年');
  await shot(page, 'ops-requirement');
  expect((await planner(h.app.url, h.app.ctx, ids[0]).grab(r.id)).body.error.code).toBe('REQUIREMENT_CLOSED');
  await profile.close();
});

it('planners: create one (a bad phone is said under its field), suspend one with a reason, who then can no longer grab', async () => {
  const { place, ids } = await market(['S', 'S']);
  const r = await requirement(place);
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/planners?q=${encodeURIComponent(place)}`);
  expect(await page.locator('main section table tbody tr').count()).toBe(2);
  await page.selectOption('#f-supplierId', { index: 1 });
  await page.fill('form[data-api="/api/ops/planners"] #f-name', '新来的周');
  await page.fill('#f-phone', '12345');
  await page.fill('#f-destinations', `${place}, 大阪`);
  await page.click('button:has-text("创建")');
  await page.waitForSelector('.field-error[data-for=phone]:has-text("请填写11位手机号。")');
  await page.fill('#f-phone', phone());
  await page.click('button:has-text("创建")');
  await page.waitForURL(/\/ops\/planners\/\d+$/);
  expect(await page.textContent('h1')).toContain('新来的周');
  await page.goto(`${h.app.url}/ops/planners?q=${encodeURIComponent(place)}`);
  await shot(page, 'ops-planners');

  await page.goto(`${h.app.url}/ops/planners/${ids[0]}`);
  await page.fill('#f-reason', '冒用他人资质');
  await page.click('button:has-text("停用")');
  await page.waitForSelector('text=已停用：冒用他人资质');
  const refused = await planner(h.app.url, h.app.ctx, ids[0]).grab(r.id);
  expect(refused.status).toBe(401); // every session of theirs ended
  const p = (await h.app.ctx.db.planner.findUnique({ where: { id: ids[0] } }))!;
  expect([p.status, p.statusReason]).toEqual(['suspended', '冒用他人资质']);
  await shot(page, 'ops-planner');
  await profile.close();
});

it('binding by QR code: ops show the code, the planner scans it on the sandbox phone and is bound', async () => {
  const { ids } = await market(['B'], false);
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/planners/${ids[0]}`);
  await page.click('button:has-text("生成绑定二维码")');
  await page.waitForSelector('#qr img');
  const url = await page.getAttribute('#qr', 'data-url');
  expect(url).toMatch(/^http:\/\/weixin\.qq\.com\/q\//);
  await shot(page, 'ops-bind-qr');

  const who = `o-qr-${phone()}`;
  const phonePage = await open(profile, `${h.app.url}/sandbox/phone/${who}`);
  await phonePage.fill('.scan input', url!);
  await phonePage.click('.scan button');
  await phonePage.waitForSelector('.bubble.account:has-text("绑定成功")');
  await shot(phonePage, 'sandbox-phone-scan');
  expect((await h.app.ctx.db.planner.findUnique({ where: { id: ids[0] } }))!.openid).toBe(who);
  await page.reload();
  expect(await page.textContent('main')).toContain('已绑定微信');
  await profile.close();
});

it('grading: evaluate now, read the preview with its numbers, apply one move', async () => {
  const { place, ids } = await market(['C', 'C']);
  const db = h.app.ctx.db;
  for (let i = 0; i < 4; i++) {
    const { id } = await requirement(place, { plannersWanted: 1 });
    const at = new Date(Date.now() - 2 * 86_400_000 - i * 60_000);
    const p = await db.planner.findUniqueOrThrow({ where: { id: ids[0] } });
    await db.workOrder.create({
      data: {
        id: `wo-console-grade-${ids[0]}-${i}`,
        requirementId: id,
        plannerId: ids[0],
        supplierId: p.supplierId,
        status: 'chosen',
        channel: 'pc',
        grabbedAt: at,
        deadlineAt: new Date(at.getTime() + 86_400_000),
        proposedAt: new Date(at.getTime() + 3_600_000),
      },
    });
  }
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/grading`);
  await shot(page, 'ops-grading-history');
  await page.click('button:has-text("立即评估")');
  await page.waitForURL(/\/ops\/grading\/\d+$/);
  const row = page.locator('tr', { hasText: `张C0` });
  expect(await row.textContent()).toContain('C → B');
  await row.locator('input[type=checkbox]').check();
  await page.click('button:has-text("应用所选")');
  await page.waitForSelector(`tr:has-text("张C0") .ok:has-text("已应用")`);
  expect((await db.planner.findUnique({ where: { id: ids[0] } }))!.tier).toBe('B');
  await shot(page, 'ops-grading');
  await profile.close();
});

it('suppliers, accounts (a one-time password shown once), the audit log and the queue dashboard', async () => {
  const { profile, page } = await consoleTab('admin');
  await page.goto(`${h.app.url}/ops/suppliers`);
  await page.fill('form[data-api="/api/ops/suppliers"] #f-name', `山海旅行-${phone().slice(-4)}`);
  await page.click('button:has-text("创建")');
  await page.waitForSelector('td:has-text("山海旅行")');
  await shot(page, 'ops-suppliers');

  await page.goto(`${h.app.url}/ops/accounts`);
  const email = `xin-${phone()}@example.com`;
  await page.fill('#f-email', email);
  await page.fill('#f-name', '新同事');
  await page.click('button:has-text("创建")');
  await page.waitForSelector('#secret .secret');
  expect(await page.textContent('#secret .secret')).toMatch(/^\S{16}$/);
  await shot(page, 'ops-accounts');

  await page.goto(`${h.app.url}/ops/audit`);
  expect(await page.textContent('main table')).toContain('新建账号');
  await shot(page, 'ops-audit');

  await page.goto(`${h.app.url}/ops/payments?check=1`);
  expect(await page.textContent('h1')).toBe('收款与对账');
  await shot(page, 'ops-payments');

  await page.goto(`${h.app.url}/ops/queues`);
  await page.click('text=lifecycle');
  await page.waitForURL(/\/ops\/queues\/queue\/lifecycle/);
  await page.waitForLoadState('networkidle');
  await shot(page, 'ops-queues');

  // An ops (not admin) account sees neither accounts nor the audit log.
  const plain = await consoleTab('ops');
  expect(await plain.page.locator('header nav a', { hasText: '账号' }).count()).toBe(0);
  const res = await plain.page.goto(`${h.app.url}/ops/accounts`);
  expect(res!.status()).toBe(403);
  await plain.profile.close();
  await profile.close();
});
