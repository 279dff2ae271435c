/** Pure pieces: configuration parsing, sessions, the matching formula, the Lua script contract. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { allCodes, reject } from '../../src/grab/codes.js';
import { ipRateKey, plannerKeys, requirementKeys } from '../../src/grab/keys.js';
import { score, tierAllowed } from '../../src/grab/matching.js';
import { readScripts } from '../../src/grab/scripts.js';
import { readKernelScripts } from '../../src/infra/scripts.js';
import { signSession, verifySession } from '../../src/session/session.js';
import { readWechatScripts } from '../../src/wechat/scripts.js';

describe('configuration', () => {
  it('defaults follow the contract', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, PUBLIC_URL: 'http://localhost:3000', ROLE: 'all', sandbox: true });
    expect(c.releasePlan).toEqual([
      { tier: 'S', delaySec: 0 },
      { tier: 'A', delaySec: 120 },
      { tier: 'B', delaySec: 300 },
      { tier: 'C', delaySec: 600 },
    ]);
  });

  it('a wrong value stops the boot naming every bad variable', () => {
    for (const name of ['PORT', 'ROLE', 'TIER_DELAYS']) {
      expect(() => loadConfig({ PORT: 'abc', TIER_DELAYS: 'S:0,A:x', ROLE: 'both' })).toThrow(new RegExp(`\\n  ${name}: `));
    }
    expect(() => loadConfig({ TIER_DELAYS: 'S:0,A:1,B:2' })).toThrow(/TIER_DELAYS: must name each of S, A, B, C/);
    expect(() => loadConfig({ WECHAT_AES_KEY: 'short' })).toThrow(/WECHAT_AES_KEY/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});

describe('sessions', () => {
  const secret = 'x'.repeat(32);
  it('verify what was signed, refuse tampering, expiry and other secrets', () => {
    const t = signSession(secret, { role: 'planner', id: 7 });
    expect(verifySession(secret, t)).toMatchObject({ role: 'planner', id: 7 });
    const [body, mac] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ role: 'ops', id: 7, exp: 9e9 })).toString('base64url');
    expect(verifySession(secret, `${forged}.${mac}`)).toBeNull();
    expect(verifySession('y'.repeat(32), t)).toBeNull();
    expect(verifySession(secret, `${body}.`)).toBeNull();
    expect(verifySession(secret, signSession(secret, { role: 'planner', id: 7, exp: 1 }))).toBeNull();
    expect(verifySession(secret, undefined)).toBeNull();
  });
});

describe('matching score', () => {
  const base = { chosen: 0, decided: 0, meanHoursToProposal: null, active: 0, maxActive: 5 };
  it('follows the documented formula', () => {
    // 0.4·1 + 0.25·(1/5) + 0.2·0.5 + 0.15·1
    expect(score('S', base)).toBeCloseTo(0.4 + 0.05 + 0.1 + 0.15);
    // 0.4·0.25 + 0.25·(9/15) + 0.2·(1 − 6/24) + 0.15·(1 − 4/5)
    expect(score('C', { chosen: 8, decided: 10, meanHoursToProposal: 6, active: 4, maxActive: 5 })).toBeCloseTo(0.1 + 0.15 + 0.15 + 0.03);
  });
  it('prefers better tier, conversion, speed and lighter load, each alone', () => {
    expect(score('S', base)).toBeGreaterThan(score('A', base));
    expect(score('A', { ...base, chosen: 5, decided: 6 })).toBeGreaterThan(score('A', { ...base, chosen: 0, decided: 6 }));
    expect(score('A', { ...base, meanHoursToProposal: 1 })).toBeGreaterThan(score('A', { ...base, meanHoursToProposal: 20 }));
    expect(score('A', { ...base, active: 1 })).toBeGreaterThan(score('A', { ...base, active: 4 }));
    expect(score('A', { ...base, active: 9 })).toBe(score('A', { ...base, active: 5 })); // load caps at 1
  });
  it('minimum tier', () => {
    expect(tierAllowed('S', 'A')).toBe(true);
    expect(tierAllowed('B', 'A')).toBe(false);
    expect(tierAllowed('C', 'C')).toBe(true);
  });
});

describe('Lua scripts', () => {
  it('are named verb-N, document Input and Output, and declare exactly their keys', () => {
    for (const s of [...readScripts(), ...readKernelScripts(), ...readWechatScripts()]) {
      expect(s.lua).toMatch(/Input:/);
      expect(s.lua).toMatch(/Output:/);
      const used = [...s.lua.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      // A variadic script (-n.lua) reads its named keys by number and the list by #KEYS.
      if (s.variadic) expect(s.lua).toMatch(/#KEYS/);
      expect(used.length ? Math.max(...used) : 0).toBe(s.keys);
      expect(s.lua).not.toMatch(/@include/); // includes were resolved
    }
  });
  it('every rejection code has a rule number and a message in words', () => {
    for (const c of allCodes) {
      const r = reject(c);
      expect(r.rule).toBeGreaterThanOrEqual(1);
      expect(r.message.length).toBeGreaterThan(3);
    }
  });
});

describe('Redis Cluster readiness', () => {
  /** The part of a key Redis Cluster hashes: the first {…} with something inside, else the key. */
  const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1] ?? key;
  it("a requirement's keys, a planner's keys and an IP's counter each hash to one slot", () => {
    for (const id of [1, 42, 987654]) {
      expect(new Set(Object.values(requirementKeys(id)).map(tag))).toEqual(new Set([`r${id}`]));
      expect(new Set(Object.values(plannerKeys(id, '20261124')).map(tag))).toEqual(new Set([`p${id}`]));
    }
    expect(tag(ipRateKey('10.0.0.1'))).toBe('10.0.0.1');
  });
});
