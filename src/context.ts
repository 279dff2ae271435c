/**
 * What every capability is handed at boot: configuration, the connections and the ports (the
 * interfaces of services that capabilities provide each other). This file imports types only from
 * below it (config, log, infra, the script and event seams); capabilities implement these ports and
 * import them from here, so nothing points back up into a capability.
 */

import type { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Config } from './config.js';
import type { EventBus } from './events/bus.js';
import type { Lua as EngineLua } from './grab/scripts.js';
import type { Db } from './infra/database.js';
import type { Readiness } from './infra/readiness.js';
import type { RedisClient } from './infra/redis.js';
import type { KernelLua } from './infra/scripts.js';
import type { Logger } from './log.js';
import type { Revocations } from './session/revocation.js';
import type { WechatLua } from './wechat/scripts.js';

export interface Ctx {
  config: Config;
  log: Logger;
  db: Db;
  /** The pool under Prisma, for the few hot statements Prisma's query compiler makes slow. */
  pool: Pool;
  /** The command connection: every key is under this database's namespace (infra/keys.ts). */
  redis: RedisClient;
  /** The namespace (keyPrefix) of this database's keys, e.g. `dz:1a2b3c4d5e6f:`. */
  ns: string;
  /** The Lua scripts, typed: the kernel's limits (infra/scripts.ts), the engine's (grab/scripts.ts), WeChat's (wechat/scripts.ts). */
  lua: KernelLua & EngineLua & WechatLua;
  queue: Queue;
  /** Domain events: the engine publishes, listeners registered at boot react (events/). */
  events: EventBus;
  /** WeChat's API (co-wechat-api with the Redis-shared credentials). */
  wechat: WechatApi;
  /** Template messages (recorded, then sent by the notify workers). */
  notify: Notifier;
  /** What each WeChat event pushed to the callback does: capabilities register theirs at boot (wechat/events.ts). */
  wechatEvents: WechatEvents;
  /** Group-committing writer of won work orders; see grab/journal.ts. */
  recorder: Recorder;
  /** Counters the capabilities feed (GET /metrics); see metrics/. */
  metrics: Metrics;
  /** Audit trail writer (buffered); see grab/audit.ts. */
  audit: { record(e: AuditEntry): void; flush(): Promise<void> };
  sessionSecret: string;
  /** Sessions ended before their expiry (suspension, unbinding); see session/revocation.ts. */
  revocations: Revocations;
  /** WeChat's API origin: configured, else this server's sandbox (set once it listens), else PUBLIC_URL's. */
  wechatApiBase(): string;
  localUrl?: string;
  /** Milliseconds since the epoch; tests move time through here. */
  now(): number;
  /** Can this process do its work now (GET /readyz; infra/readiness.ts)? */
  ready?: () => Promise<Readiness>;
}

export interface Metrics {
  contentType: string;
  /** The Prometheus text of this process (of every process, in a WEB_CONCURRENCY web process: metrics/cluster.ts). */
  text(): Promise<string>;
  /** This process's metrics as prom-client's JSON (what the cluster's primary merges). */
  json(): ReturnType<Registry['getMetricsAsJSON']>;
  grabAttempt(e: AuditEntry): void;
  templateSent(outcome: 'sent' | 'failed', code?: number): void;
  /** A Koa request answered: its route pattern (not its path: no ids in labels), method, status and time. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  payment(kind: 'deposit' | 'refund', outcome: string): void;
  /** What times a hot route's answers (http/lean.ts calls it with the status as it writes one), by "METHOD /path"; null: untimed. */
  leanTimer(route: string): ((status: number, seconds: number) => void) | null;
  /** An event a listener gave up on (events/bus.ts). */
  deadLettered(listener: string): void;
}

export interface AuditEntry {
  requirementId: number;
  plannerId: number;
  channel: 'h5' | 'pc' | 'wechat' | 'dispatch' | 'sim';
  code: string;
  ip?: string;
  /** When it was made (ms), by the product's clock (ctx.now): a simulation sets it. */
  at: number;
}

export interface Recorder {
  record(row: {
    id: string;
    requirementId: number;
    plannerId: number;
    supplierId: number;
    channel: AuditEntry['channel'];
    at: number;
    /** The win took the last slot: the requirement is recorded full as of `at` in the same statement. */
    madeFull?: boolean;
  }): Promise<void>;
  /** Opens the recorder's connections and prepares its statement on each (a web process, at start). */
  warm(): Promise<void>;
}

/** One template message to one user. */
export interface Outgoing {
  id: string; // what + to whom, e.g. released-r12-S-p7 (no ':' — it is also the BullMQ job id)
  kind: string;
  openid: string;
  plannerId?: number;
  /** The ops broadcast this message is part of (its progress and cancel read it). */
  broadcastId?: number;
  vars: Record<string, string | number>;
}

/** A WeChat message or event as the callback parsed it: its XML fields by name. */
export type WechatMessage = Record<string, string>;
/** An event's handler: what it does, and the passive reply (null: answer "success"). */
export type WechatEventHandler = (app: Ctx, m: WechatMessage) => Promise<string | null>;
export interface WechatEvents {
  /** What an event type does (subscribe, SCAN, TEMPLATESENDJOBFINISH…); one handler each. */
  on(type: string, handler: WechatEventHandler): void;
  handlerOf(type: string): WechatEventHandler | undefined;
}

/** A capability's background work in a worker process, started at boot and closed at stop. */
export interface Workers {
  /** Its BullMQ worker, when it has one to watch in the metrics. */
  worker?: Worker;
  close(): Promise<void>;
}

export interface Notifier {
  /** Records and queues messages not queued before; returns how many were new. */
  enqueue(messages: Outgoing[]): Promise<number>;
  /** Queues again every message recorded as queued whose job is gone (Redis lost it); returns how many were looked at. */
  requeue(): Promise<number>;
  close(): Promise<void>;
}

export interface WechatApi {
  /** The shared access token (for the few calls made without co-wechat-api). */
  accessToken(): Promise<string>;
  /** The shared JS-SDK ticket (signed into in-WeChat pages' wx.config). */
  jsapiTicket(): Promise<string>;
  /** The JS-SDK's wx.config for a page of this site (WeChat JS-SDK 附录1: signed with the ticket). */
  jssdkConfig(url: string): Promise<{ appId: string; timestamp: number; nonceStr: string; signature: string }>;
  /** `clientMsgId`: WeChat shows one message per id and user within 10 minutes (a retry never shows twice). */
  sendTemplate(
    openid: string,
    templateId: string,
    url: string,
    data: Record<string, { value: string }>,
    clientMsgId?: string,
  ): Promise<string>;
  /** POST /cgi-bin/<path> (GET without a body) with the shared token (tags, mass send…); a WeChat errcode throws with `code`. */
  call<T>(path: string, body?: unknown): Promise<T>;
  sendText(openid: string, text: string): Promise<void>;
  getUser(openid: string): Promise<{ subscribe: number; openid: string; nickname?: string }>;
  /** A temporary QR_STR_SCENE code (qrcode/create): the ticket, what the code encodes (url), seconds it lives. */
  createQrCode(scene: string, seconds: number): Promise<{ ticket: string; url: string; expireSeconds: number }>;
}
