/**
 * Retention of the attempts table: attempts older than GRAB_EVENTS_KEEP_DAYS are folded into one
 * row per requirement and code and deleted; the requirement's timeline counts the same before and
 * after; recent attempts stay raw; a second pass finds nothing to do.
 */
import { expect, it } from 'vitest';
import { pruneGrabEvents } from '../../src/grab/index.js';
import { ops, requirementBody, withApp } from '../support.js';

const h = withApp();

it('folds old attempts into per-requirement counts, and the timeline counts the same', async () => {
  const r = (await ops(h.app.url).post('/requirements', requirementBody())).body.id as number;
  const day = 86_400_000;
  // 300 old attempts (100 days ago) and 20 recent ones, by code.
  await h.app.ctx.pool.query(
    `INSERT INTO grab_events (requirement_id, planner_id, channel, code, at)
     SELECT $1, 1 + k % 7, 'h5', (ARRAY['OK','FULL','NOT_RELEASED'])[1 + k % 3], (now() AT TIME ZONE 'UTC') - make_interval(days => CASE WHEN k < 300 THEN 100 ELSE 1 END, secs => k)
       FROM generate_series(0, 319) k`,
    [r],
  );
  const before = (await ops(h.app.url).get(`/requirements/${r}/timeline`)).body.attempts;
  expect(before.reduce((n: number, a: { count: number }) => n + a.count, 0)).toBe(320);

  const folded = await pruneGrabEvents(h.app.ctx.pool, 90, Date.now());
  expect(folded).toBe(300);
  expect(await h.app.ctx.db.grabEvent.count({ where: { requirementId: r } })).toBe(20);
  expect(await h.app.ctx.db.grabAttemptRollup.findMany({ where: { requirementId: r }, orderBy: { code: 'asc' } })).toMatchObject([
    { code: 'FULL', attempts: 100 },
    { code: 'NOT_RELEASED', attempts: 100 },
    { code: 'OK', attempts: 100 },
  ]);
  const after = (await ops(h.app.url).get(`/requirements/${r}/timeline`)).body.attempts;
  expect(after.map((a: { code: string; count: number }) => [a.code, a.count])).toEqual(
    before.map((a: { code: string; count: number }) => [a.code, a.count]),
  );
  // The first attempt of each code is still the old one.
  for (const a of after) expect(Date.now() - new Date(a.first).getTime()).toBeGreaterThan(99 * day);
  expect(await pruneGrabEvents(h.app.ctx.pool, 90, Date.now())).toBe(0);
});
