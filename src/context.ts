/** What every capability is handed at boot: configuration and the connections, nothing global. */
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Queue } from 'bullmq';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Db } from './infra/database.js';
import type { Scripts } from './grab/scripts.js';
import type { EventBus } from './events/bus.js';
import type { Notifier } from './notify/notifier.js';
import type { WechatApi } from './wechat/client.js';
import type { Revocations } from './session/revocation.js';

export interface Ctx {
  config: Config;
  log: Logger;
  db: Db;
  /** The pool under Prisma, for the few hot statements Prisma's query compiler makes slow. */
  pool: Pool;
  redis: Redis & Scripts;
  queue: Queue;
  bus: EventBus;
  /** WeChat's API (co-wechat-api with the Redis-shared token). */
  wechat: WechatApi;
  /** Template messages (recorded, then sent by the notify workers). */
  notify: Notifier;
  /** Group-committing writer of won work orders; see grab/journal.ts. */
  recorder: {
    record(row: {
      id: string;
      requirementId: number;
      plannerId: number;
      supplierId: number;
      channel: AuditEntry['channel'];
      at: number;
    }): Promise<void>;
  };
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
}

export interface AuditEntry {
  requirementId: number;
  plannerId: number;
  channel: 'h5' | 'pc' | 'wechat' | 'dispatch';
  code: string;
  ip?: string;
}
