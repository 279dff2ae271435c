/**
 * A trip's contact is what was true when it was submitted (#26): a traveler who verifies a number
 * links the trips ops entered for it, but never rewrites the contact a planner holds on another
 * trip, renames anyone else's trip, or hides a trip from ops' search by the number it was made with.
 */
import { expect, it } from 'vitest';
import { signSession } from '../../src/session/index.js';
import { call, ops, phone, planner, requirementBody, until, withApp } from '../support.js';

const h = withApp();

async function plannerFor(place: string) {
  const s = (await ops(h.app.url).post('/suppliers', { name: `联系社-${place}` })).body;
  return (
    await ops(h.app.url).post('/planners', {
      supplierId: s.id,
      name: '联络员',
      phone: phone(),
      tier: 'S',
      destinations: [place],
      maxActive: 5,
      openid: `o-contact-pl-${phone()}`,
    })
  ).body.id as number;
}

/** Proves `number` for the WeChat user `openid` through the sandbox's SMS. */
async function verify(cookie: string, openid: string, number: string) {
  expect((await call(h.app.url, 'POST', '/api/traveler/phone/code', { phone: number }, { cookie })).status).toBe(200);
  const sms = await until(async () =>
    (await (await fetch(`${h.app.url}/sandbox/users/${openid}/inbox`)).json()).items.find(
      (m: { kind: string; text: string }) => m.kind === 'sms' && m.text.includes('验证码'),
    ),
  );
  const code = /验证码 (\d{6})/.exec(sms.text)![1];
  const res = await call(h.app.url, 'POST', '/api/traveler/phone/verify', { phone: number, code }, { cookie });
  expect(res.status).toBe(200);
}

it("verifying a number links ops' trips for it, and rewrites nobody's contact: not the planner's, not another trip's, not ops' search", async () => {
  const place = `联系地-${phone().slice(-4)}`;
  const plannerId = await plannerFor(place);
  const first = phone();
  const openid = `o-contact-${phone()}`;
  // The traveler's own trip, with their first number; a planner wins it and holds that contact.
  const mine = (
    await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], traveler: { name: '赵一', phone: first, openid } }))
  ).body;
  const win = await planner(h.app.url, h.app.ctx, plannerId).grab(mine.id);
  expect(win.body.contact).toEqual({ name: '赵一', phone: first });
  // Ops entered a trip for another number, for someone else's name.
  const second = phone();
  const theirs = (
    await ops(h.app.url).post('/requirements', requirementBody({ destinations: [place], traveler: { name: '钱二', phone: second } }))
  ).body;

  // The traveler proves the second number (it is now theirs): ops' trip for it joins their trips.
  const cookie = `sid=${signSession(h.app.ctx.sessionSecret, { role: 'traveler', id: mine.traveler.id })}`;
  await verify(cookie, openid, second);
  const trips = (await call(h.app.url, 'GET', '/api/traveler/requirements', undefined, { cookie })).body.items.map(
    (x: { id: number }) => x.id,
  );
  expect(trips.sort()).toEqual([mine.id, theirs.id].sort());

  // The planner still holds the contact the trip was made with, on the work order and the page.
  const wo = (await planner(h.app.url, h.app.ctx, plannerId).workOrders()).body.items.find(
    (w: { id: string }) => w.id === win.body.workOrderId,
  );
  expect(wo.contact).toEqual({ name: '赵一', phone: first });
  const again = await planner(h.app.url, h.app.ctx, plannerId).grab(mine.id); // a repeated grab answers the contact too
  expect(again.body.contact).toEqual({ name: '赵一', phone: first });
  // Ops' trip keeps its own contact; search by either number finds its trip.
  // (Masked in the view; shown in full on request, which the audit records.)
  const masked = `${second.slice(0, 3)}****${second.slice(7)}`;
  expect((await ops(h.app.url).get(`/requirements/${theirs.id}`)).body).toMatchObject({ contactName: '钱二', contactPhone: masked });
  expect((await ops(h.app.url).post(`/requirements/${theirs.id}/contact`, {})).body).toMatchObject({ name: '钱二', phone: second });
  const byFirst = (await ops(h.app.url).get(`/requirements?q=${first}`)).body.items.map((x: { id: number }) => x.id);
  expect(byFirst).toContain(mine.id);
  const bySecond = (await ops(h.app.url).get(`/requirements?q=${second}`)).body.items.map((x: { id: number }) => x.id);
  expect(bySecond).toContain(theirs.id);
});

it('ops entering a second trip for a number under a new name renames neither the first trip nor its contact', async () => {
  const number = phone();
  const a = (await ops(h.app.url).post('/requirements', requirementBody({ traveler: { name: '孙三', phone: number } }))).body;
  const b = (await ops(h.app.url).post('/requirements', requirementBody({ traveler: { name: '孙三的同事', phone: number } }))).body;
  expect((await ops(h.app.url).get(`/requirements/${a.id}`)).body.contactName).toBe('孙三');
  expect((await ops(h.app.url).get(`/requirements/${b.id}`)).body.contactName).toBe('孙三的同事');
  const listed = (await ops(h.app.url).get(`/requirements?q=${number}`)).body.items;
  expect(listed.map((x: { traveler: string }) => x.traveler).sort()).toEqual(['孙三', '孙三的同事']);
});
