/** What the sandbox's API and its phone page share: a user's inbox and who the phone page shows. */
import type { Ctx } from '../context.js';
import { sandboxKeys as K } from '../infra/keys.js';

/** The cookie naming the sandbox user the phone page shows. */
export const SANDBOX_WHO = 'sandbox_who';

export interface InboxMessage {
  msgid: string;
  kind: 'template' | 'custom' | 'sms' | 'mass';
  templateId?: string;
  url?: string;
  data?: Record<string, { value: string }>;
  text?: string;
  at: number;
}

/** A text message (SMS) shown on a sandbox user's phone page: the sandbox SMS provider. */
export async function textToSandboxPhone(app: Ctx, openid: string, text: string): Promise<void> {
  const msgid = String(await app.redis.incr(K.msgid));
  await app.redis.lpush(K.inbox(openid), JSON.stringify({ msgid, kind: 'sms', text, at: Date.now() } satisfies InboxMessage));
}
