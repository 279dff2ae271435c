// (f) the grab refusal's floor: the least a grab endpoint can do for one of (c2)'s requests, with
// the product's own fastest pieces and nothing else. node:http (no Koa, no lean-route table), the
// JSON body read and parsed, the `sid` cookie's signature checked on every request (no cache), the
// product's grabOne-14 script run once over the product's script line on the product's own keys,
// and a JSON answer. No audit row, no metrics, no arrival clock, no error mapping, no session
// revocation check, no hot-state loading: what the product adds on top of this is its overhead.
// Only meaningful on requirements that are full (every grab refused or a repeat): a win here is
// not recorded anywhere. The rate limits and the quota are the product's settings in the bench (run.ts).
// Run: npx tsx scripts/bench/servers/grab-floor.ts PORT REDIS_URL KEY_PREFIX SESSION_SECRET IP_LIMIT PLANNER_LIMIT QUOTA

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { pino } from 'pino';
import { NOT_LOADED, REQUIREMENT_NOT_LOADED, readScripts } from '../../../src/grab/scripts.js';
import { lineScript, scriptLine } from '../../../src/infra/script-line.js';
import { verifySession } from '../../../src/session/session.js';
import { grabOneKeys } from './floor-keys.js';

const [port, redisUrl, prefix, secret, ipLimit, plannerLimit, quota] = process.argv.slice(2);
const line = scriptLine(redisUrl, prefix, pino({ level: 'warn' }));
if (!line) throw new Error(`not a single Redis server: ${redisUrl}`);
const grabOne = lineScript(readScripts().find((s) => s.name === 'grabOne')!.lua);
const unused = () => Promise.reject(new Error('the floor has no fallback'));

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { requirementId: number };
      const token = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
      const now = Date.now();
      const s = verifySession(secret, token, now);
      if (!s) return void res.writeHead(401).end();
      const keys = grabOneKeys(req.socket.remoteAddress ?? '-', s.id, body.requirementId, now);
      const args = [ipLimit, plannerLimit, 60_000, s.id, body.requirementId, randomUUID(), 'h5', now, quota];
      line.run(grabOne, keys, args, unused).then((g) => {
        if (g === NOT_LOADED || g === REQUIREMENT_NOT_LOADED) {
          console.error(`the floor does not see the product's hot state under ${prefix}: it would measure nothing`);
          process.exit(1);
        }
        const text =
          typeof g === 'number' ? JSON.stringify({ error: { code: g } }) : JSON.stringify({ ok: true, workOrderId: (g as string[])[1] });
        res.writeHead(typeof g === 'number' ? 409 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
  })
  .listen(Number(port), async () => {
    while (!line.up) await new Promise((ok) => setTimeout(ok, 20)); // calls go over the line itself, never a fallback
    console.log('ready');
  });
process.on('SIGTERM', () => process.exit(0)); // a profile (--cpu-prof) is written on the way out
process.on('SIGINT', () => process.exit(0));
