/** Entry point of `npm start`: parse config, start, stop cleanly on SIGINT/SIGTERM. */
import { loadConfig } from './config.js';
import { start } from './boot.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

const running = await start(config);
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(1);
    stopping = true;
    running.ctx.log.info({ sig }, 'stopping');
    running.stop().then(() => process.exit(0), () => process.exit(1));
  });
}
