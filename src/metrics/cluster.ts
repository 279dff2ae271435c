/**
 * One scrape for a node:cluster (WEB_CONCURRENCY=N): the web process a scrape reaches asks the
 * primary, which collects every process's metrics over IPC (its own too, when it runs the workers)
 * and merges them with prom-client's AggregatorRegistry. Every series keeps its `pid` label, so
 * nothing is summed away: one scrape shows each process. A process that does not answer within
 * ASK_MS is left out (the scrape is not held up by a process being replaced).
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

type Json = MetricObjectWithValues<MetricValue<string>>[];
type Message =
  | { type: 'metrics:ask'; id: number }
  | { type: 'metrics:collect'; id: number }
  | { type: 'metrics:part'; id: number; json: Json }
  | { type: 'metrics:answer'; id: number; text: string | null };

const ASK_MS = 2000;

/** In a web process of a cluster: answers the primary's collection, and asks it for everyone's metrics. */
export function clusterMember(registry: Registry) {
  const asked = new Map<number, (text: string | null) => void>();
  let seq = 0;
  process.on('message', (m: Message) => {
    if (m?.type === 'metrics:collect') {
      void registry.getMetricsAsJSON().then((json) => process.send?.({ type: 'metrics:part', id: m.id, json } satisfies Message));
    } else if (m?.type === 'metrics:answer') {
      asked.get(m.id)?.(m.text);
      asked.delete(m.id);
    }
  });
  return {
    /** Every process's metrics; this process's alone if the primary does not answer in time. */
    async text(): Promise<string> {
      const id = ++seq;
      const text = await new Promise<string | null>((ok) => {
        asked.set(id, ok);
        setTimeout(() => {
          asked.delete(id);
          ok(null);
        }, ASK_MS * 2).unref();
        process.send?.({ type: 'metrics:ask', id } satisfies Message);
      });
      return text ?? registry.metrics();
    },
  };
}

/** In the primary: gathers everyone's metrics (and `own`, the primary's workers', when it has them) for whoever asks. */
export function clusterPrimary(own: (() => Promise<Json>) | null): void {
  let seq = 0;
  const gathering = new Map<number, (json: Json) => void>();
  cluster.on('message', (from, m: Message) => {
    if (m?.type === 'metrics:part') return void gathering.get(m.id)?.(m.json);
    if (m?.type !== 'metrics:ask') return;
    const members = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected());
    const parts: Json[] = [];
    const id = ++seq;
    void new Promise<void>((done) => {
      let left = members.length;
      const timer = setTimeout(done, ASK_MS);
      gathering.set(id, (json) => {
        parts.push(json);
        if (--left === 0) {
          clearTimeout(timer);
          done();
        }
      });
      if (left === 0) done();
      for (const w of members) w!.send({ type: 'metrics:collect', id } satisfies Message);
    })
      .then(async () => {
        gathering.delete(id);
        if (own) parts.push(await own());
        return AggregatorRegistry.aggregate(parts).metrics();
      })
      .then(
        (text) => from.isConnected() && from.send({ type: 'metrics:answer', id: m.id, text } satisfies Message),
        () => from.isConnected() && from.send({ type: 'metrics:answer', id: m.id, text: null } satisfies Message),
      );
  });
}
