/**
 * WeChat's Lua scripts (commands/): a message's one-round-trip arrival and the replies kept for
 * WeChat's retries (many in one call), typed and checked against their files at load (infra/scripts.ts).
 */
import { resolve } from 'node:path';
import type { RedisClient } from '../infra/redis.js';
import type { ScriptLine } from '../infra/script-line.js';
import { bindScripts, readScripts, type Scripts } from '../infra/scripts.js';

const DIR = resolve(import.meta.dirname, 'commands');

export const WECHAT_SCRIPTS = {
  arrive: {
    keys: ['nonce', 'claim', 'window', 'openids', 'codes'],
    args: ['digest', 'nonceTtl', 'claimTtl', 'pending', 'opens', 'now', 'windowTtl', 'openid', 'code'],
  },
  remember: { keys: ['claim...'], args: ['ttlSec', 'value...'] },
} as const;

interface Results {
  /** {fresh, claimed, planner id or null, requirement id or null} */
  arrive: [0 | 1, 0 | 1, string | null, string | null];
  /** how many were kept */
  remember: number;
}

export type WechatLua = Scripts<typeof WECHAT_SCRIPTS, Results>;

/** WeChat's scripts on this connection; over `line` when it is up. */
export const wechatScripts = (redis: RedisClient, line?: ScriptLine | null): WechatLua =>
  bindScripts<typeof WECHAT_SCRIPTS, Results>(redis, line, DIR, WECHAT_SCRIPTS, 'wechat/scripts.ts');
export const readWechatScripts = () => readScripts(DIR);
