/** Entry point of `npm start`: parse config, start, stop cleanly on SIGINT/SIGTERM. */
import { existsSync } from 'node:fs';
import { loadConfig } from './config.js';
import { start } from './boot.js';

// A .env file, when present, fills variables not already set (see .env.example).
if (existsSync('.env')) process.loadEnvFile('.env');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

let running: Awaited<ReturnType<typeof start>> | undefined;
let stopping = false;
const stop = (sig: string) => {
  running!.ctx.log.info({ sig }, 'stopping');
  running!.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
// Listening from the first moment: a signal while starting stops cleanly once started.
let signalled: string | null = null;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(1);
    stopping = true;
    if (running) stop(sig);
    else signalled = sig;
  });
}
try {
  running = await start(config);
} catch (err) {
  const message = (err as Error).message;
  console.error(message.startsWith('invalid configuration') ? message : err);
  process.exit(message.startsWith('invalid configuration') ? 2 : 1);
}
if (signalled) stop(signalled);
