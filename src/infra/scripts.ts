/**
 * Lua scripts as typed functions, for every owner of a commands folder (the engine's grab/commands,
 * WeChat's wechat/commands, the kernel's infra/commands here). Each `<name>-<numberOfKeys>.lua`
 * declares its names (`@keys …`, `@args …`); its owner's table says the same, and `bindScripts`
 * refuses to start when the two differ, so a key added or moved on one side cannot silently feed a
 * script the wrong key. `--- @include "includes/x"` is looked up in the script's folder, then here.
 * ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT by itself, so a Redis restart or failover
 * needs nothing from us. On one server the scripts go over a direct line when there is one
 * (infra/script-line.ts), through ioredis otherwise: the same answers either way.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RedisClient } from './redis.js';
import { lineScript, type ScriptLine } from './script-line.js';

const KERNEL_DIR = resolve(import.meta.dirname, 'commands');
const INCLUDE = /^--- @include "([^"]+)"$/gm;

/** A script's names, as its owner's table declares them. */
export interface ScriptDef {
  readonly keys: readonly string[];
  readonly args: readonly string[];
}
export type ScriptDefs = Record<string, ScriptDef>;
type Arg = string | number | boolean;

/** The typed functions of a table of scripts, given what each answers. */
export type Scripts<D extends ScriptDefs, R extends { [N in keyof D]: unknown }> = {
  [N in keyof D]: (keys: { [K in D[N]['keys'][number]]: string }, args: { [A in D[N]['args'][number]]: Arg }) => Promise<R[N]>;
};

export interface Script {
  name: string;
  keys: number;
  lua: string;
  keyNames: string[];
  argNames: string[];
}

function include(dir: string, name: string): string {
  const own = join(dir, `${name}.lua`);
  return readFileSync(existsSync(own) ? own : join(KERNEL_DIR, `${name}.lua`), 'utf8');
}

/** The scripts of one commands folder, includes resolved. */
export function readScripts(dir: string): Script[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((file) => {
      const m = /^(.+)-(\d+)\.lua$/.exec(file);
      if (!m) throw new Error(`Lua script ${file} must be named <verb>-<numberOfKeys>.lua`);
      const lua = readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, inc: string) => include(dir, inc));
      const names = (tag: string) => (new RegExp(`^\\s*@${tag} (.+)$`, 'm').exec(lua)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
      return { name: m[1], keys: Number(m[2]), lua, keyNames: names('keys'), argNames: names('args') };
    });
}

/** Where a folder's script files and its owner's table (`owner` names it) disagree: empty when they agree. */
export function mismatches(scripts: Script[], defs: ScriptDefs, owner: string): string[] {
  const out: string[] = [];
  const byName = new Map(scripts.map((s) => [s.name, s]));
  for (const [name, def] of Object.entries(defs)) {
    const s = byName.get(name);
    if (!s) {
      out.push(`${name}: no commands/${name}-<n>.lua`);
      continue;
    }
    if (s.keys !== def.keys.length) out.push(`${name}: the file name says ${s.keys} keys, the caller passes ${def.keys.length}`);
    if (s.keyNames.join(' ') !== def.keys.join(' ')) out.push(`${name}: @keys ${s.keyNames.join(' ')} ≠ ${def.keys.join(' ')}`);
    if (s.argNames.join(' ') !== def.args.join(' ')) out.push(`${name}: @args ${s.argNames.join(' ')} ≠ ${def.args.join(' ')}`);
  }
  for (const s of scripts) if (!(s.name in defs)) out.push(`${s.name}: a script without a typed caller in ${owner}`);
  return out;
}

const bound = new WeakMap<RedisClient, Map<string, unknown>>();

/** A commands folder's scripts on this connection (defined once per connection), as typed functions; over `line` when it is up. */
export function bindScripts<D extends ScriptDefs, R extends { [N in keyof D]: unknown }>(
  redis: RedisClient,
  line: ScriptLine | null | undefined,
  dir: string,
  defs: D,
  owner: string,
): Scripts<D, R> {
  const cache = line ? undefined : (bound.get(redis) ?? bound.set(redis, new Map()).get(redis)!);
  const known = cache?.get(dir);
  if (known) return known as Scripts<D, R>;
  const scripts = readScripts(dir);
  const wrong = mismatches(scripts, defs, owner);
  if (wrong.length) throw new Error(`Lua scripts and their callers disagree:\n  ${wrong.join('\n  ')}`);
  for (const s of scripts) redis.defineCommand(s.name, { numberOfKeys: s.keys, lua: s.lua });
  const raw = redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>;
  const sources = new Map(scripts.map((s) => [s.name, lineScript(s.lua)]));
  const typed: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const source = sources.get(name)!;
    const [keyNames, argNames] = [def.keys, def.args];
    // Plain loops into preallocated arrays: this runs once per grab and per reply.
    typed[name] = (keys: Record<string, string>, args: Record<string, Arg>) => {
      const k: string[] = new Array(keyNames.length);
      for (let i = 0; i < keyNames.length; i++) k[i] = keys[keyNames[i]];
      const a: (string | number)[] = new Array(argNames.length);
      for (let i = 0; i < argNames.length; i++) {
        const v = args[argNames[i]];
        a[i] = typeof v === 'boolean' ? (v ? '1' : '0') : v;
      }
      return line ? line.run(source, k, a, () => raw[name](...k, ...a)) : raw[name](...k, ...a);
    };
  }
  cache?.set(dir, typed);
  return typed as Scripts<D, R>;
}

// ── the kernel's own scripts (infra/commands): limits every capability uses ──
export const KERNEL_SCRIPTS = {
  rateLimit: { keys: ['counter'], args: ['limit', 'windowMs'] },
  throttle: { keys: ['state'], args: ['now', 'free', 'baseMs', 'maxMs', 'ttlMs'] },
} as const;

interface KernelResults {
  rateLimit: 0 | 1;
  /** >0 allowed (the try's number) · <0 minus the ms to wait */
  throttle: number;
}

export type KernelLua = Scripts<typeof KERNEL_SCRIPTS, KernelResults>;

/** The kernel's scripts: a fixed-window counter and a growing delay between tries. */
export const kernelScripts = (redis: RedisClient, line?: ScriptLine | null): KernelLua =>
  bindScripts<typeof KERNEL_SCRIPTS, KernelResults>(redis, line, KERNEL_DIR, KERNEL_SCRIPTS, 'infra/scripts.ts');
export const readKernelScripts = () => readScripts(KERNEL_DIR);
