/**
 * Mass sends (群发) and the user tags they target: one WeChat tag per planner tier (定制师S级…), kept
 * in step with tiers (tagged before every mass send, moved when a tier changes); `mass/sendall` by
 * tag, `mass/preview` to one user; each job recorded in `mass_jobs` and its MASSSENDJOBFINISH
 * result (sent, filtered, errors) written when WeChat reports it. WeChat lets a follower receive 4
 * mass messages a month: the caller checks that before sending (ops/broadcasts.ts).
 */

import type { Tier } from '../config.js';
import type { Ctx } from '../context.js';
import { wechatKeys } from '../infra/keys.js';
import type { WechatXml } from './xml.js';

export const tierTagName = (tier: Tier) => `定制师${tier}级`;
const BATCH = 50; // tags/members/batchtagging takes at most 50 openids a call

/** The tag id of a tier, creating the tag the first time (or finding it, if it exists already). */
export async function tierTagId(app: Ctx, tier: Tier): Promise<number> {
  const known = await app.redis.hget(wechatKeys.tierTags, tier);
  if (known) return Number(known);
  let id: number;
  try {
    id = (await app.wechat.call<{ tag: { id: number } }>('tags/create', { tag: { name: tierTagName(tier) } })).tag.id;
  } catch (err) {
    if ((err as { code?: number }).code !== 45157) throw err; // 45157: the name exists
    const all = await app.wechat.call<{ tags: { id: number; name: string }[] }>('tags/get');
    const found = all.tags.find((t) => t.name === tierTagName(tier));
    if (!found) throw err;
    id = found.id;
  }
  await app.redis.hset(wechatKeys.tierTags, tier, id);
  return id;
}

async function members(app: Ctx, path: 'batchtagging' | 'batchuntagging', tagId: number, openids: string[]) {
  for (let i = 0; i < openids.length; i += BATCH)
    await app.wechat.call(`tags/members/${path}`, { openid_list: openids.slice(i, i + BATCH), tagid: tagId });
}

/** Tags every bound, reachable, active planner of the tier (idempotent); returns how many. */
export async function syncTierTag(app: Ctx, tier: Tier): Promise<number> {
  const planners = await app.db.planner.findMany({
    where: { tier, status: 'active', openid: { not: null }, unreachableAt: null },
    select: { openid: true },
  });
  if (planners.length)
    await members(
      app,
      'batchtagging',
      await tierTagId(app, tier),
      planners.map((p) => p.openid!),
    );
  return planners.length;
}

/** A planner's tier changed: their WeChat tag follows (best effort: the next mass send re-tags anyway). */
export async function moveTierTag(app: Ctx, openid: string, from: Tier, to: Tier): Promise<void> {
  try {
    await members(app, 'batchuntagging', await tierTagId(app, from), [openid]);
    await members(app, 'batchtagging', await tierTagId(app, to), [openid]);
  } catch (err) {
    app.log.warn({ err: (err as Error).message, from, to }, 'tier tag not moved (the next mass send re-tags)');
  }
}

/** Text to every follower with the tier's tag; the job is recorded for its MASSSENDJOBFINISH. */
export async function massSendToTier(app: Ctx, tier: Tier, text: string, broadcastId: number): Promise<string> {
  const tagId = await tierTagId(app, tier);
  const r = await app.wechat.call<{ msg_id: number | string }>('message/mass/sendall', {
    filter: { is_to_all: false, tag_id: tagId },
    msgtype: 'text',
    text: { content: text },
    clientmsgid: `b${broadcastId}-${tier}`, // WeChat refuses the same clientmsgid again within 24 h
  });
  const msgId = String(r.msg_id);
  await recordMassJob(app, msgId, broadcastId, `tier:${tier}`);
  return msgId;
}

/** A mass job this product sent, linked to its broadcast (its result may be in already: recordMassResult). */
export async function recordMassJob(app: Ctx, msgId: string, broadcastId: number, target: string): Promise<void> {
  await app.db.massJob.upsert({ where: { msgId }, create: { msgId, broadcastId, target }, update: { broadcastId, target } });
}

export async function massPreview(app: Ctx, openid: string, text: string): Promise<void> {
  await app.wechat.call('message/mass/preview', { touser: openid, msgtype: 'text', text: { content: text } });
}

/** MASSSENDJOBFINISH: WeChat's count of who got it, who was filtered (the monthly limit) and errors. */
export async function recordMassResult(app: Ctx, m: WechatXml): Promise<void> {
  const n = (k: string) => (m[k] === undefined ? null : Number(m[k]));
  const msgId = String(m.MsgID ?? '');
  const result = {
    finishedAt: new Date(app.now()),
    status: m.Status ?? null,
    total: n('TotalCount'),
    filtered: n('FilterCount'),
    sent: n('SentCount'),
    errors: n('ErrorCount'),
  };
  // The result can overtake the send's own record of its job (WeChat answered the send, and its
  // finish event came before our insert): kept, and linked to its broadcast when that record comes
  // (recordMassJob). A job no send of ours claims stays unlinked (target '').
  await app.db.massJob.upsert({ where: { msgId }, create: { msgId, target: '', ...result }, update: result });
}
