// Baseline (a) for the grab benchmark: a Koa hello-world route. Run: npx tsx scripts/bench/servers/koa-hello.ts PORT
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
app.listen(Number(process.argv[2] ?? 3100), () => console.log('ready'));
