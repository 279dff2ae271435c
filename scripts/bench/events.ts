// The event seam's cost. Run: npm run bench (or tsx scripts/bench/events.ts)
// (a) baseline: Redis pub/sub, publish → subscriber callback (what the engine used before: fire and
//     forget, nothing survives a crash); (b) the seam: ctx.events.publish (XADD) → a listener's
//     handle (XREADGROUP, done mark, XACK), at least once, configured as the live listener (ordered
//     per requirement, 64 requirements at once; events spread over 300 requirements). Latency of single events sent 2 ms apart
//     (p50/p99), then throughput draining a burst of 20,000. Median of 3 rounds → bench-results/events.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createEventBus, type DomainEvent, listen } from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';

const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SINGLES = 1000;
const BURST = 20_000;
const log = createLogger('silent');

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const median = (xs: number[]) => pct(xs, 50);
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function pubsub(): Promise<{ p50: number; p99: number; perSec: number }> {
  const pub = new Redis(REDIS);
  const sub = new Redis(REDIS);
  const sent = new Map<number, number>();
  const lat: number[] = [];
  let got = 0;
  await sub.subscribe('bench:events');
  sub.on('message', (_c, m) => {
    const i = Number(m);
    const t = sent.get(i);
    if (t !== undefined) lat.push(now() - t);
    got++;
  });
  for (let i = 0; i < SINGLES; i++) {
    sent.set(i, now());
    await pub.publish('bench:events', String(i));
    await pause(2);
  }
  while (got < SINGLES) await pause(5);
  got = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: BURST }, (_, i) => pub.publish('bench:events', String(SINGLES + i))));
  while (got < BURST) await pause(5);
  const perSec = BURST / ((now() - t0) / 1000);
  pub.disconnect();
  sub.disconnect();
  return { p50: pct(lat, 50), p99: pct(lat, 99), perSec };
}

async function seam(round: number): Promise<{ p50: number; p99: number; perSec: number }> {
  const redis = new Redis(REDIS, { keyPrefix: `dz:bench${round}:`, enableAutoPipelining: true });
  const bus = createEventBus(redis);
  const lat: number[] = [];
  const sent = new Map<string, number>();
  let got = 0;
  const listening = listen(
    redis,
    [
      {
        name: 'bench',
        applicableEvents: ['proposal'],
        // as the live listener: ordered per requirement, 64 at once
        orderBy: (e) => e.requirementId,
        concurrency: 64,
        async handle(e: DomainEvent) {
          const t = sent.get(e.id);
          if (t !== undefined) lat.push(now() - t);
          got++;
        },
      },
    ],
    { log },
  );
  await pause(300); // the group exists
  const event = (i: number) => ({
    type: 'proposal' as const,
    requirementId: i % 300,
    plannerId: 1,
    workOrderId: `wo-${round}-${i}`,
    at: Date.now(),
  });
  for (let i = 0; i < SINGLES; i++) {
    sent.set(`proposal:wo-${round}-${i}`, now());
    await bus.publish(event(i));
    await pause(2);
  }
  while (got < SINGLES) await pause(5);
  got = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: BURST }, (_, i) => bus.publish(event(SINGLES + i))));
  while (got < BURST) await pause(5);
  const perSec = BURST / ((now() - t0) / 1000);
  await listening.close();
  redis.disconnect();
  return { p50: pct(lat, 50), p99: pct(lat, 99), perSec };
}

const rounds: { pubsub: Awaited<ReturnType<typeof pubsub>>; seam: Awaited<ReturnType<typeof seam>> }[] = [];
const flush = new Redis(REDIS);
await flush.flushdb();
for (let r = 0; r < ROUNDS; r++) rounds.push({ pubsub: await pubsub(), seam: await seam(r) });
await flush.flushdb();
flush.disconnect();

const m = (f: (x: (typeof rounds)[number]) => number) => Math.round(median(rounds.map(f)) * 100) / 100;
const result = {
  at: new Date().toISOString(),
  note: 'single events 2 ms apart: latency ms from publish to handler; burst: 20,000 published at once, events/s until all handled; median of rounds',
  pubsub: { p50Ms: m((x) => x.pubsub.p50), p99Ms: m((x) => x.pubsub.p99), burstPerSec: Math.round(m((x) => x.pubsub.perSec)) },
  seam: { p50Ms: m((x) => x.seam.p50), p99Ms: m((x) => x.seam.p99), burstPerSec: Math.round(m((x) => x.seam.perSec)) },
  rounds,
};
const out = resolve(import.meta.dirname, '../../bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(resolve(out, 'events.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify({ pubsub: result.pubsub, seam: result.seam }, null, 2));
