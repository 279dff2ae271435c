/**
 * Publishes the official account's custom menu (src/wechat/menu.ts) to WeChat, or to the sandbox
 * of the running server when no WeChat credentials are set. Usage: npm run wechat:menu
 */

import { connect } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { publishMenu } from '../src/wechat/index.js';

const { ctx, close } = await connect(loadConfig(process.env));
try {
  const buttons = await publishMenu(ctx);
  console.log(`menu published: ${buttons.map((b) => `${b.name} → ${b.url ?? b.key}`).join(' · ')}`);
} catch (err) {
  console.error(`menu not published: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await close();
}
