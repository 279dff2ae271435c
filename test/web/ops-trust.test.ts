/**
 * The ops console as a person uses it (#26): pressing 筛选 with the form as it comes (empty fields
 * mean "any"), a refund typed in yuan and confirmed in words, the deposit's record in Chinese.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { upsertAccount } from '../../src/ops/index.js';
import { signSession } from '../../src/session/index.js';
import { call, ops, phone, planner, requirementBody, until, withApp } from '../support.js';
import { launch, open, shot, signedIn } from './browser.js';

const h = withApp();
let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** A signed-in console tab; every confirm() it shows is recorded, then accepted. */
async function consoleTab(role: 'admin' | 'ops' = 'admin') {
  const { email, password } = await upsertAccount(h.app.ctx, { email: `${role}-${phone()}@example.com`, role, name: '运营小林' });
  const profile = await signedIn(browser, h.app.url, null, { wide: true });
  const page = await open(profile, `${h.app.url}/ops/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/ops$/);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  return { profile, page, dialogs };
}

/** Until the page's main area shows `text` (a form reloads it once done; a read mid-reload is nothing yet). */
function mainShows(page: Awaited<ReturnType<typeof consoleTab>>['page'], text: string) {
  return until(async () =>
    (
      (await page
        .locator('main')
        .textContent()
        .catch(() => '')) ?? ''
    ).includes(text),
  );
}

async function market() {
  const place = `筛选地-${phone().slice(-5)}`;
  const s = (await ops(h.app.url).post('/suppliers', { name: `筛选社-${place}` })).body;
  const p = (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: '严筛',
      phone: phone(),
      tier: 'S',
      destinations: [place],
      maxActive: 5,
      openid: `o-filter-${phone()}`,
    })
  ).body;
  return { place, plannerId: p.id as number };
}

it('pressing 筛选 with the untouched fields empty filters by what was typed, on requirements and planners', async () => {
  const { place } = await market();
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place] }))).body;
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/requirements`);
  await page.fill('input[name=destination]', place);
  await page.click('form button[type=submit]:has-text("筛选")');
  await page.waitForURL(/destination=/);
  expect(await page.locator('p.err:not(.form-error)').count()).toBe(0);
  expect(await page.locator('main table tbody tr').count()).toBe(1);
  expect(await page.textContent('main table tbody')).toContain(r.code);
  // Nothing typed at all: every requirement, no complaint.
  await page.click('form button[type=submit]:has-text("筛选")');
  expect(await page.locator('p.err:not(.form-error)').count()).toBe(0);
  // A wrong value is said in a sentence, without machine field names.
  await page.goto(`${h.app.url}/ops/requirements?from=2026-99-01`);
  const err = (await page.textContent('.err')) ?? '';
  expect(err).not.toMatch(/[a-z]+：/);
  expect(err).toMatch(/[\u4e00-\u9fa5]/);

  await page.goto(`${h.app.url}/ops/planners`);
  await page.click('form button[type=submit]:has-text("筛选")');
  await page.waitForURL(/\/ops\/planners\?/);
  expect(await page.locator('p.err:not(.form-error)').count()).toBe(0);
  expect(await page.locator('main table tbody tr').count()).toBeGreaterThan(0);
  await shot(page, 'ops-planners-filtered');
  await profile.close();
});

it('a refund is typed in yuan, confirmed with the amount in figures and in words, and recorded with its reason', async () => {
  const { place, plannerId } = await market();
  const openid = `o-refund-${phone()}`;
  const r = (
    await ops(h.app.url).post(
      '/requirements',
      requirementBody({ destinations: [place], plannersWanted: 1, traveler: { name: '退先生', phone: phone(), openid } }),
    )
  ).body;
  const win = await planner(h.app.url, h.app.ctx, plannerId).grab(r.id);
  await planner(h.app.url, h.app.ctx, plannerId).propose(win.body.workOrderId, {
    itinerary: '第1天：抵达\n第2天：游览\n第3天：返程',
    priceFen: 2_000_000,
  });
  const cookie = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'traveler', id: r.traveler.id })}`;
  const chose = await call(
    h.app.url,
    'POST',
    `/api/traveler/requirements/${r.id}/choose`,
    { workOrderId: win.body.workOrderId },
    { cookie },
  );
  await call(h.app.url, 'POST', '/sandbox/pay/cashier', { prepayId: chose.body.deposit.payParams.package.slice(10) });
  await until(async () => (await ops(h.app.url).get(`/requirements/${r.id}`)).body.status === 'paid'); // ¥2,000 deposit

  const { profile, page, dialogs } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/requirements/${r.id}`);
  expect(await page.textContent('form[data-api$="/refund"]')).toContain('金额（元');
  await page.fill('input[name=reason]', '行程缩短一天');
  await page.fill('input[name=amountYuan]', '1000');
  await page.click('form[data-api$="/refund"] button');
  await until(() => dialogs.length === 1);
  expect(dialogs[0]).toContain('¥1,000（人民币壹仟元整）');
  await until(async () => (await h.app.ctx.db.deposit.findFirst({ where: { requirementId: r.id, refundedFen: 100_000 } })) !== null);
  await page.reload();
  const record = (await page.textContent('main')) ?? '';
  expect(record).toContain('行程缩短一天');
  expect(record).toContain('¥1,000');
  expect(record).toContain('已部分退款');
  expect(record).toContain('退款成功（微信支付通知）');
  expect(record).not.toContain('wechatpay-notify');
  await shot(page, 'ops-requirement-refunded');
  // A typo that is not an amount is said under the field, and nothing is sent.
  await page.fill('input[name=reason]', '再退');
  await page.fill('input[name=amountYuan]', '10.005');
  await page.click('form[data-api$="/refund"] button');
  await until(async () => (await page.textContent('.field-error[data-for="amountYuan"]'))?.includes('最多两位小数'));
  expect(dialogs).toHaveLength(1);
  await profile.close();
});

it('the console speaks Chinese: a duplicate name, a suspension without a reason, grab results, the audit and the grading schedule', async () => {
  const { place, plannerId } = await market();
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place] }))).body;
  // A planner of another place tries: NOT_CANDIDATE in the record, words on the page.
  const { plannerId: stranger } = await market();
  expect((await planner(h.app.url, h.app.ctx, stranger).grab(r.id)).status).toBe(409);
  expect((await ops(h.app.url).patch(`/planners/${plannerId}`, { tier: 'A' })).status).toBe(200);
  const { profile, page } = await consoleTab('admin');

  await page.goto(`${h.app.url}/ops/requirements/${r.id}`);
  const attempts = (await page.textContent('main')) ?? '';
  expect(attempts).toContain('该需求的目的地不在你的服务范围内');
  expect(attempts).not.toContain('NOT_CANDIDATE');

  await page.goto(`${h.app.url}/ops/suppliers`);
  const taken = (await ops(h.app.url).get('/suppliers')).body.items[0].name as string;
  await page.fill('form[data-api="/api/ops/suppliers"] input[name=name]', taken);
  await page.click('form[data-api="/api/ops/suppliers"] button');
  await until(async () => (await page.textContent('form[data-api="/api/ops/suppliers"]'))?.includes('这个名称已经有了'));
  // Suspending without a reason: said in Chinese, not `reason: is required to suspend`.
  await page.locator('form[data-method="PATCH"] button.danger').first().click();
  await until(async () => (await page.textContent('form[data-method="PATCH"]'))?.includes('停用请写明原因'));
  expect(await page.textContent('main')).not.toContain('is required');

  await page.goto(`${h.app.url}/ops/audit`);
  const audit = (await page.textContent('main table')) ?? '';
  expect(audit).toContain('修改定制师');
  expect(audit).toContain('等级：S → A');
  expect(audit).not.toContain('PATCH /api/ops');
  expect(audit).not.toContain('{"');
  await shot(page, 'ops-audit-words');

  await page.goto(`${h.app.url}/ops/grading`);
  const grading = (await page.textContent('main')) ?? '';
  expect(grading).toContain('每周一 03:00');
  expect(grading).not.toContain('0 3 * * 1');
  await profile.close();
});

it('a grading run with nothing to move still shows every planner’s score, so ops see why', async () => {
  await market();
  const run = (await ops(h.app.url).post('/grading', {})).body;
  expect(run.moves).toEqual([]);
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/grading/${run.id}`);
  const text = (await page.textContent('main')) ?? '';
  expect(text).toContain('这次评估没有建议变动');
  expect(text).toContain('各定制师当前得分');
  expect(await page.locator('main section.box:last-of-type tbody tr').count()).toBeGreaterThan(0);
  expect(await page.locator('main section.box:last-of-type td .num').first().textContent()).toMatch(/^\d\.\d\d$/);
  await shot(page, 'ops-grading-no-moves');
  await profile.close();
});

it('a pending dispatch shows as 待接受派单 with its answer-by time; no 派单 is offered to a candidate whose supplier already holds the slot', async () => {
  const place = `派单页地-${phone().slice(-4)}`;
  const s1 = (await ops(h.app.url).post('/suppliers', { name: `派单页社1-${place}` })).body;
  const s2 = (await ops(h.app.url).post('/suppliers', { name: `派单页社2-${place}` })).body;
  const mk = async (supplierId: number, name: string) =>
    (
      await ops(h.app.url).post('/planners', {
        supplierId,
        name,
        phone: phone(),
        tier: 'S',
        destinations: [place],
        maxActive: 5,
        openid: `o-dpage-${phone()}`,
      })
    ).body.id as number;
  const [a, colleague, other] = [await mk(s1.id, '甲'), await mk(s1.id, '同事乙'), await mk(s2.id, '丙')];
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], plannersWanted: 3 }))).body;
  expect((await planner(h.app.url, h.app.ctx, a).grab(r.id)).status).toBe(201);
  expect((await ops(h.app.url).post(`/requirements/${r.id}/dispatch`, { plannerId: other })).status).toBe(201);
  const { profile, page } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/requirements/${r.id}`);
  const main = (await page.textContent('main')) ?? '';
  expect(main).toContain('待接受派单');
  expect(main).toMatch(/前答复派单/);
  expect(main).toContain('同供应商已有人接单');
  expect(await page.locator(`form[data-api$="/dispatch"] input[name=plannerId][value="${colleague}"]`).count()).toBe(0);
  await shot(page, 'ops-requirement-pending-offer');
  await profile.close();
});

it('a phone is masked on the page and in the planner page; 显示完整号码 shows it and the audit says who saw it; the person’s data can be exported and erased', async () => {
  const { plannerId } = await market();
  const number = phone();
  const r = (await ops(h.app.url).post('/requirements', requirementBody({ traveler: { name: '赵敏', phone: number } }))).body;
  const { profile, page, dialogs } = await consoleTab('admin');
  await page.goto(`${h.app.url}/ops/requirements/${r.id}`);
  const row = page.locator('tr', { hasText: '出行人' });
  const masked = `${number.slice(0, 3)}****${number.slice(7)}`;
  expect(await row.textContent()).toContain(masked);
  expect(await page.content()).not.toContain(number);
  await row.locator('button', { hasText: '显示完整号码' }).click();
  await until(async () => (await row.textContent())?.includes(number));
  await shot(page, 'ops-contact-revealed');
  const seen = await h.app.ctx.db.opsAudit.findFirstOrThrow({
    where: { action: 'POST /api/ops/requirements/:id/contact', target: String(r.id) },
  });
  expect(seen.actor).toBeTruthy();
  expect(JSON.stringify(seen.after)).not.toContain(number);

  // The planner's page masks theirs the same way.
  await page.goto(`${h.app.url}/ops/planners/${plannerId}`);
  expect(await page.locator('main').textContent()).toMatch(/\d{3}\*{4}\d{4}/);

  // Erasing on request: the basis is required (said under its field), then it goes, after a confirmation.
  await page.goto(`${h.app.url}/ops/requirements/${r.id}`);
  await page.locator('summary', { hasText: '个人信息请求' }).click();
  const erase = page.locator('form[data-api$="/erase"]');
  await erase.locator('button').click();
  await until(async () => (await erase.locator('.field-error, .form-error').allTextContents()).join('').includes('依据'));
  await erase.locator('input[name=basis]').fill('旅客来电要求删除');
  await erase.locator('button').click();
  await until(async () => (await h.app.ctx.db.traveler.findUniqueOrThrow({ where: { id: r.traveler.id } })).erasedAt !== null);
  expect(dialogs.at(-1)).toContain('删除后无法恢复');
  // The form reloads the page once done.
  await mainShows(page, '这位旅客已注销账号');
  await profile.close();
});

it('事件: a dead-lettered event is shown with why it failed; 重试 sends it again and 丢弃 after a confirmation, both recorded', async () => {
  const event = { id: `ev-${phone()}`, type: 'released', requirementId: 424_242, tier: 'S', plannerIds: [1], at: Date.now() };
  const rows: { id: number }[] = [];
  for (const [i, listener] of ['notifications', 'live'].entries())
    rows.push(
      await h.app.ctx.db.deadLetter.create({
        data: {
          listener,
          eventId: `${event.id}-${i}`,
          event: { ...event, id: `${event.id}-${i}` },
          error: `模板发送失败 ${i}`,
          attempts: 12,
          firstFailedAt: new Date(Date.now() - 2 * 3_600_000),
        },
      }),
    );
  const { profile, page, dialogs } = await consoleTab('ops');
  await page.goto(`${h.app.url}/ops/events`);
  const row = (id: number) => page.locator('tr', { has: page.locator(`form[data-api="/api/ops/dead-letters/${id}/retry"]`) });
  expect(await row(rows[0].id).textContent()).toContain('模板发送失败 0');
  expect(await row(rows[0].id).textContent()).toContain('模板消息');
  await shot(page, 'ops-dead-letters');
  await row(rows[0].id).locator('button', { hasText: '重试' }).click();
  await until(async () => (await h.app.ctx.db.deadLetter.findUniqueOrThrow({ where: { id: rows[0].id } })).status === 'retried');
  await mainShows(page, '已重试');
  await row(rows[1].id).locator('button', { hasText: '丢弃' }).click();
  await until(async () => (await h.app.ctx.db.deadLetter.findUniqueOrThrow({ where: { id: rows[1].id } })).status === 'discarded');
  expect(dialogs.at(-1)).toContain('不会再被处理');
  // The route's change commits before its audit entry is written (the middleware's, after the route): wait for both entries.
  const audited = () =>
    h.app.ctx.db.opsAudit.findMany({ where: { action: { startsWith: 'POST /api/ops/dead-letters/' } }, orderBy: { id: 'asc' } });
  await until(async () => (await audited()).length >= 2);
  const audit = await audited();
  expect(audit.map((a) => [a.action, a.target])).toEqual([
    ['POST /api/ops/dead-letters/:id/retry', String(rows[0].id)],
    ['POST /api/ops/dead-letters/:id/discard', String(rows[1].id)],
  ]);
  await profile.close();
});
