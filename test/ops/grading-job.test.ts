/**
 * The weekly grading run is a BullMQ job scheduler with GRADING_CRON (China time): here every
 * 2 seconds, so the test sees the scheduler registered with its pattern and a run it made.
 */
import { Queue } from 'bullmq';
import { expect, it } from 'vitest';
import { queuePrefix } from '../../src/infra/keys.js';
import { queueConnection } from '../../src/infra/redis.js';
import { GRADING_QUEUE } from '../../src/ops/index.js';
import { until, withApp } from '../support.js';

const h = withApp({ GRADING_CRON: '*/2 * * * * *' });

it('the grading job scheduler is registered with the configured pattern and proposes a run by itself', async () => {
  const conn = queueConnection({ kind: 'server', url: h.env.redisUrl });
  const queue = new Queue(GRADING_QUEUE, { connection: conn, prefix: queuePrefix(h.app.ctx.ns, GRADING_QUEUE) });
  try {
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([['weekly', '*/2 * * * * *', 'Asia/Shanghai']]);
    const run = await until(() => h.app.ctx.db.gradingRun.findFirst({ where: { trigger: 'schedule' } }), 20_000);
    expect(run.windowDays).toBe(28);
  } finally {
    await queue.close();
    conn.disconnect();
  }
});
