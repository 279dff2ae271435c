// (g) the reply's floor: the least a WeChat callback can do for one `抢 <code>` reply on a full
// requirement, with the product's own fastest pieces and nothing else. node:http, the query's
// signature (sha1 of token, timestamp, nonce), the body read and parsed by the product's XML
// reader (from its bytes, parseXmlBody), the product's arrive-5 script (replay guard, delivery claim, window, the openid and code
// lookups) and its grabOne-14 script over the product's script line on the product's keys, and the
// product's passive reply XML. No dedupe record of the reply, no audit row, no metrics, no arrival
// clock, no error mapping, no lookups missed to PostgreSQL: what the product adds on top is its overhead.
// Only meaningful on requirements that are full (every grab refused or a repeat): a win is recorded nowhere.
// Run: npx tsx scripts/bench/servers/reply-floor.ts PORT REDIS_URL KEY_PREFIX TOKEN IP_LIMIT PLANNER_LIMIT QUOTA

import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { pino } from 'pino';
import { arrivalIndexes } from '../../../src/grab/index.js';
import { NOT_LOADED, REQUIREMENT_NOT_LOADED, readScripts } from '../../../src/grab/scripts.js';
import { wechatKeys } from '../../../src/infra/keys.js';
import { lineScript, scriptLine } from '../../../src/infra/script-line.js';
import { readWechatScripts } from '../../../src/wechat/scripts.js';
import { parseXmlBody, textReply } from '../../../src/wechat/xml.js';
import { grabOneKeys } from './floor-keys.js';

const [port, redisUrl, prefix, token, ipLimit, plannerLimit, quota] = process.argv.slice(2);
const line = scriptLine(redisUrl, prefix, pino({ level: 'warn' }));
if (!line) throw new Error(`not a single Redis server: ${redisUrl}`);
const grabOne = lineScript(readScripts().find((s) => s.name === 'grabOne')!.lua);
const arrive = lineScript(readWechatScripts().find((s) => s.name === 'arrive')!.lua);
const unused = () => Promise.reject(new Error('the floor has no fallback'));
const GRAB = /^抢\s*([A-Za-z0-9]+)$/;

http
  .createServer((req, res) => {
    const q = new URLSearchParams((req.url ?? '').slice((req.url ?? '').indexOf('?') + 1));
    const [timestamp, nonce] = [q.get('timestamp') ?? '', q.get('nonce') ?? ''];
    const expected = createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
    if (q.get('signature') !== expected) return void res.writeHead(401).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const m = parseXmlBody(body);
      const code = GRAB.exec((m.Content ?? '').trim())?.[1].toUpperCase() ?? '';
      const now = Date.now();
      const [fresh, , plannerId, requirementId] = (await line.run(
        arrive,
        [
          wechatKeys.nonce(timestamp, nonce),
          wechatKeys.message(m.MsgId ?? ''),
          wechatKeys.csWindow(m.FromUserName),
          arrivalIndexes.openids,
          arrivalIndexes.codes,
        ],
        [createHash('sha1').update(body).digest('hex'), 300, 300, 'pending', 'user', now, 172_800_000, m.FromUserName, code],
        unused,
      )) as [number, number, string | null, string | null];
      if (!fresh || !plannerId || !requirementId) {
        console.error(`the floor does not see the product's indexes under ${prefix} (fresh ${fresh}): it would measure nothing`);
        process.exit(1);
      }
      const g = await line.run(
        grabOne,
        grabOneKeys(req.socket.remoteAddress ?? '-', Number(plannerId), Number(requirementId), now),
        [ipLimit, plannerLimit, 60_000, plannerId, requirementId, randomUUID(), 'wechat', now, quota],
        unused,
      );
      if (g === NOT_LOADED || g === REQUIREMENT_NOT_LOADED) {
        console.error(`the floor does not see the product's hot state under ${prefix}: it would measure nothing`);
        process.exit(1);
      }
      const text = textReply(
        m.FromUserName,
        m.ToUserName,
        typeof g === 'number' ? `抢单未成功（${g}）` : '抢单成功',
        Math.floor(now / 1000),
      );
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  })
  .listen(Number(port), async () => {
    while (!line.up) await new Promise((ok) => setTimeout(ok, 20));
    console.log('ready');
  });
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
