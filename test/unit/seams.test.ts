/**
 * The seams' pure rules, by direct calls (no app booted): scripts and their typed callers agree,
 * event ids, the error catalogue, money and dates in words, namespaces, and the layering check.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { engineKeyLeaks, violations, wallClockReads } from '../../scripts/lint/layers.js';
import { CATALOGUE, DomainError, statusOf } from '../../src/errors.js';
import { eventId } from '../../src/events/types.js';
import { budget, chinaDate, chinaTime, monthDay, yuan } from '../../src/format.js';
import { allCodes, fromLua, reject } from '../../src/grab/codes.js';
import { requirementKeys } from '../../src/grab/keys.js';
import { mismatches, readScripts } from '../../src/grab/scripts.js';
import { channelOf, namespaceOf, queuePrefix } from '../../src/infra/keys.js';
import { checkoutId } from '../../src/infra/namespace.js';
import { KERNEL_SCRIPTS, mismatches as mismatchesOf, readKernelScripts } from '../../src/infra/scripts.js';
import { readWechatScripts, WECHAT_SCRIPTS } from '../../src/wechat/scripts.js';

describe('Lua scripts and their typed callers', () => {
  it("agree on every script: its file name, @keys and @args (the engine's, the kernel's and WeChat's folders)", () => {
    expect(mismatches(readScripts())).toEqual([]);
    expect(mismatchesOf(readKernelScripts(), KERNEL_SCRIPTS, 'infra/scripts.ts')).toEqual([]);
    expect(mismatchesOf(readWechatScripts(), WECHAT_SCRIPTS, 'wechat/scripts.ts')).toEqual([]);
  });

  it('a key moved in a script (or its caller) is caught before anything runs', () => {
    const scripts = readScripts().map((s) =>
      s.name === 'grab' ? { ...s, keyNames: [s.keyNames[1], s.keyNames[0], ...s.keyNames.slice(2)] } : s,
    );
    expect(mismatches(scripts)).toEqual([
      'grab: @keys candidates meta planners suppliers expired blocked workOrders unsynced ≠ meta candidates planners suppliers expired blocked workOrders unsynced',
    ]);
    const fewer = readScripts().map((s) => (s.name === 'release' ? { ...s, keys: 2 } : s));
    expect(mismatches(fewer)[0]).toMatch(/^release: the file name says 2 keys/);
  });

  it("the callers pass the registry's key sets as they are (requirement keys, in the script's order)", () => {
    const grab = readScripts().find((s) => s.name === 'grab')!;
    expect(grab.keyNames).toEqual(Object.keys(requirementKeys(1)));
  });
});

describe('event ids', () => {
  const at = 1_700_000_000_000;
  it('are what makes two events the same: a replayed grab is the same event, another moment of "full" is not', () => {
    expect(eventId({ type: 'grabbed', requirementId: 1, plannerId: 2, workOrderId: 'w', slotsLeft: 0, at })).toBe('grabbed:w');
    expect(eventId({ type: 'grabbed', requirementId: 1, plannerId: 2, workOrderId: 'w', slotsLeft: 3, at: at + 5 })).toBe('grabbed:w');
    expect(eventId({ type: 'released', requirementId: 1, tier: 'A', plannerIds: [], at })).toBe('released:r1:A');
    expect(eventId({ type: 'full', requirementId: 1, plannerIds: [], at })).not.toBe(
      eventId({ type: 'full', requirementId: 1, plannerIds: [], at: at + 1 }),
    );
    expect(eventId({ type: 'chosen', requirementId: 4, workOrderId: 'w', plannerId: 1, others: [], at })).toBe('chosen:r4');
    expect(eventId({ type: 'dispatched', requirementId: 1, plannerId: 2, workOrderId: 'w', at })).not.toBe('grabbed:w');
  });
});

describe('the error catalogue', () => {
  it('every grab rejection a script can answer has a rule, an HTTP status and words', () => {
    for (const n of [-1, -2, -3, -4, -41, -5, -6, -8, -9, -10, -11, -12, -13, -14, -15]) {
      const r = fromLua(n);
      expect(r.rule).toBeGreaterThan(0);
      expect(r.message).toMatch(/[\u4e00-\u9fff]/);
      expect([404, 409, 429]).toContain(statusOf(r.code));
    }
    expect(() => fromLua(-99)).toThrow(/unknown grab script result -99/);
    expect(allCodes).toContain('NOT_MATCHED');
    expect(statusOf('RATE_LIMITED')).toBe(429);
    expect(statusOf('REQUIREMENT_NOT_FOUND')).toBe(404);
    expect(reject('FULL')).toEqual({ ok: false, code: 'FULL', rule: 8, message: '手慢了，名额已满' });
  });

  it('every entry is worded in Chinese with full-width punctuation and a 4xx/5xx status', () => {
    for (const [code, e] of Object.entries(CATALOGUE)) {
      expect(e.status, code).toBeGreaterThanOrEqual(400);
      expect(e.words, code).toMatch(/[\u4e00-\u9fff]/);
      expect(e.words, code).not.toMatch(/[,;:?!]/);
    }
  });

  it('a domain error carries its status, code and words, and names its field for forms', () => {
    const e = new DomainError('PHONE_TAKEN', { field: 'phone' });
    expect([e.status, e.code, e.message, e.field, e.fields]).toEqual([
      409,
      'PHONE_TAKEN',
      CATALOGUE.PHONE_TAKEN.words,
      'phone',
      { phone: CATALOGUE.PHONE_TAKEN.words },
    ]);
    const told = new DomainError('BAD_CODE', { message: '验证码不正确，还可以再试 2 次。', field: 'code' });
    expect([told.status, told.message]).toEqual([400, '验证码不正确，还可以再试 2 次。']);
  });
});

describe('money and dates in words', () => {
  it('yuan are exact (fen, not floats), budgets say per person, dates are China time', () => {
    expect(yuan(1)).toBe('0.01元');
    expect(yuan(123_456_789)).toBe('1,234,567.89元');
    expect(yuan(500_000)).toBe('5,000元');
    expect(budget(800_000, 'per_person')).toBe('人均8,000元');
    expect(budget(800_000, 'total')).toBe('8,000元');
    expect(monthDay(new Date('2027-03-01T00:00:00Z'))).toBe('03-01');
    // 23:30 UTC is the next morning in Beijing.
    expect(chinaDate(Date.parse('2026-11-25T23:30:00Z'))).toBe('2026-11-26');
    expect(chinaTime(new Date('2026-11-25T23:30:00Z'))).toBe('11-26 07:30');
  });
});

describe('namespaces', () => {
  it('one per database, shared by its channels and queues; one checkout per data directory and database URL', () => {
    const ns = namespaceOf('1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809');
    expect(ns).toBe('dz:1a2b3c4d5e6f:');
    expect(queuePrefix(ns, 'grab')).toBe('dz:1a2b3c4d5e6f:bull{grab}');
    const redis = new Redis({ lazyConnect: true, keyPrefix: ns });
    expect(channelOf(redis, 'live')).toBe('dz:1a2b3c4d5e6f:ch:live');
    redis.disconnect();
    expect(checkoutId({ dataDir: '/a/.data' })).not.toBe(checkoutId({ dataDir: '/b/.data' }));
    expect(checkoutId({ dataDir: '.data', databaseUrl: 'postgres://x/a' })).not.toBe(
      checkoutId({ dataDir: '.data', databaseUrl: 'postgres://x/b' }),
    );
  });
});

describe('the layering check', () => {
  it('passes on the tree as it is', () => {
    expect(violations()).toEqual([]);
    expect(engineKeyLeaks()).toEqual([]);
    expect(wallClockReads()).toEqual([]);
  });

  it('catches the engine reading the wall clock instead of ctx.now() (the clock a simulation sets), comments aside', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clock-'));
    try {
      writeFileSync(
        join(dir, 'lifecycle.ts'),
        '// Date.now() in a comment is fine\nconst a = ctx.now();\nconst b = Date.now();\nconst c = new Date();\nconst d = new Date(a);\n',
      );
      const found = wallClockReads(dir);
      expect(found).toHaveLength(2);
      expect(found[0]).toMatch(/lifecycle\.ts:3: reads the wall clock/);
      expect(found[1]).toMatch(/lifecycle\.ts:4: reads the wall clock/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("catches an import of the engine's keys outside the engine", () => {
    const root = mkdtempSync(join(tmpdir(), 'keys-'));
    try {
      mkdirSync(join(root, 'pay'), { recursive: true });
      writeFileSync(join(root, 'pay', 'deposit.ts'), "import { requirementKeys } from '../grab/keys.js';\n");
      expect(engineKeyLeaks([root])).toEqual([
        expect.stringMatching(/deposit\.ts: imports \.\.\/grab\/keys\.js — the engine's keys are its own/),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('catches the engine importing above it, and a capability reaching past an index', () => {
    const root = mkdtempSync(join(tmpdir(), 'layers-'));
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    try {
      put('grab/grab.ts', "import { notifyWon } from '../notify/index.js';\n");
      put('notify/index.ts', 'export const notifyWon = 1;\n');
      put('live/listener.ts', "import { travelerOf } from '../grab/hot-state.js';\n");
      put('grab/hot-state.ts', 'export const travelerOf = 1;\n');
      put('context.ts', "import type { Lua } from './grab/scripts.js';\nimport { grab } from './grab/index.js';\n");
      const found = violations(root);
      expect(found).toHaveLength(3);
      expect(found.join('\n')).toMatch(/grab may not depend on notify/);
      expect(found.join('\n')).toMatch(/live\/listener\.ts: imports \.\.\/grab\/hot-state\.js — through src\/grab\/index\.ts only/);
      expect(found.join('\n')).toMatch(/context\.ts: imports \.\/grab\/index\.js — the kernel imports capabilities only as types/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
