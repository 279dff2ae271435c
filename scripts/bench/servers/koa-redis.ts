// Baseline (b) for the grab benchmark: bare Koa + ioredis running a trivial Lua script per request.
// Run: npx tsx scripts/bench/servers/koa-redis.ts PORT REDIS_URL

import { Redis } from 'ioredis';
import Koa from 'koa';

const redis = new Redis(process.argv[3] ?? 'redis://127.0.0.1:6379/15', { enableAutoPipelining: true });
redis.defineCommand('bump', { numberOfKeys: 1, lua: "return redis.call('INCR', KEYS[1])" });
const app = new Koa();
app.use(async (ctx) => {
  const n = await (redis as Redis & { bump(k: string): Promise<number> }).bump(`bench:{${Math.floor(Math.random() * 1000)}}`);
  ctx.body = { n };
});
app.listen(Number(process.argv[2] ?? 3101), () => console.log('ready'));
