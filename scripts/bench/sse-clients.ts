// Holds N idle SSE connections to a server and times one broadcast's arrival at each.
// Run (by scripts/bench/stream.ts): npx tsx scripts/bench/sse-clients.ts PORT N COOKIE_FILE|-
// Prints JSON lines: {"connected":N} once all are open, then {"p50":..,"p99":..,"received":..} after a broadcast.

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const port = Number(process.argv[2]);
const n = Number(process.argv[3]);
const cookies = process.argv[4] && process.argv[4] !== '-' ? readFileSync(process.argv[4], 'utf8').split('\n').filter(Boolean) : [];
const latencies: number[] = [];
let open = 0;

for (let i = 0; i < n; i++) {
  const s = connect({ port, host: '127.0.0.1' });
  const cookie = cookies.length ? `Cookie: ${cookies[i % cookies.length]}\r\n` : '';
  s.setNoDelay(true);
  s.write(`GET ${cookies.length ? '/api/live/stream' : '/'} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${cookie}\r\n`);
  let counted = false;
  s.on('data', (buf: Buffer) => {
    const text = buf.toString();
    if (!counted && text.includes('connected')) {
      counted = true;
      if (++open === n) console.log(JSON.stringify({ connected: open }));
    }
    const m = /"t":(\d+)/.exec(text);
    if (m) {
      latencies.push(Date.now() - Number(m[1]));
      if (latencies.length === n) {
        latencies.sort((a, b) => a - b);
        console.log(
          JSON.stringify({ received: n, p50: latencies[Math.floor(n / 2)], p99: latencies[Math.floor(n * 0.99)], max: latencies[n - 1] }),
        );
      }
    }
  });
  s.on('error', (e) => console.error('socket error', e.message));
}
setTimeout(() => process.exit(2), 240_000).unref(); // bounded: never outlives the benchmark
