/**
 * Lua scripts as typed functions, for every owner of a commands folder (the engine's grab/commands,
 * WeChat's wechat/commands, the kernel's infra/commands here). Each `<name>-<numberOfKeys>.lua`
 * declares its names (`@keys …`, `@args …`); its owner's table says the same, and `bindScripts`
 * refuses to start when the two differ, so a key added or moved on one side cannot silently feed a
 * script the wrong key. A script named `<name>-n.lua` takes any number of keys: its last key name
 * and its last argument name end in `...` and take a list each (`remember-n`: many replies in one call). `--- @include "includes/x"` is looked up in the script's folder, then here.
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
/** A name ending in `...` takes a list (a variadic script's last key or argument). */
type ValueOf<Name, T> = Name extends `${string}...` ? T[] : T;

/** The typed functions of a table of scripts, given what each answers. */
export type Scripts<D extends ScriptDefs, R extends { [N in keyof D]: unknown }> = {
  [N in keyof D]: (
    keys: { [K in D[N]['keys'][number]]: ValueOf<K, string> },
    args: { [A in D[N]['args'][number]]: ValueOf<A, Arg> },
  ) => Promise<R[N]>;
};

export interface Script {
  name: string;
  /** The number of keys its file name says; for `<name>-n.lua` (any number), the keys named before the list. */
  keys: number;
  variadic: boolean;
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
      const m = /^(.+)-(\d+|n)\.lua$/.exec(file);
      if (!m) throw new Error(`Lua script ${file} must be named <verb>-<numberOfKeys>.lua (or <verb>-n.lua)`);
      const lua = readFileSync(join(dir, file), 'utf8').replace(INCLUDE, (_, inc: string) => include(dir, inc));
      const names = (tag: string) => (new RegExp(`^\\s*@${tag} (.+)$`, 'm').exec(lua)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
      const keyNames = names('keys');
      const variadic = m[2] === 'n';
      return { name: m[1], keys: variadic ? keyNames.length - 1 : Number(m[2]), variadic, lua, keyNames, argNames: names('args') };
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
    const list = def.keys.at(-1)?.endsWith('...') ?? false;
    if (s.variadic !== list || s.variadic !== (def.args.at(-1)?.endsWith('...') ?? false))
      out.push(`${name}: a -n.lua file takes a list of keys and a list of arguments last ("name..."); only such a file does`);
    else if (!s.variadic && s.keys !== def.keys.length)
      out.push(`${name}: the file name says ${s.keys} keys, the caller passes ${def.keys.length}`);
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
  // A variadic script's number of keys is given per call, as its first argument (ioredis's way).
  for (const s of scripts) redis.defineCommand(s.name, s.variadic ? { lua: s.lua } : { numberOfKeys: s.keys, lua: s.lua });
  const raw = redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>;
  const sources = new Map(scripts.map((s) => [s.name, lineScript(s.lua)]));
  const typed: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const source = sources.get(name)!;
    const [keyNames, argNames] = [def.keys, def.args];
    if (keyNames.at(-1)?.endsWith('...')) {
      typed[name] = variadic(keyNames, argNames, (k, a) =>
        line ? line.run(source, k, a, () => raw[name](k.length, ...k, ...a)) : raw[name](k.length, ...k, ...a),
      );
      continue;
    }
    const [keysOf, argsOf] = [picker(keyNames), picker(argNames)];
    typed[name] = (keys: Record<string, string>, args: Record<string, Arg>) => {
      const k = keysOf(keys) as string[];
      const a = argsOf(args) as (string | number)[];
      for (let i = 0; i < a.length; i++) if (typeof a[i] === 'boolean') a[i] = a[i] ? '1' : '0';
      return line ? line.run(source, k, a, () => raw[name](...k, ...a)) : raw[name](...k, ...a);
    };
  }
  cache?.set(dir, typed);
  return typed as Scripts<D, R>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `(o) => [o.a, o.b, …]` for one script's names, written once: each read is a property load with an
 * inline cache of its own. A loop over the names is a keyed load the engine cannot specialise (one
 * site, every name): about a microsecond a call for grabOne's 23, once per grab and per reply.
 */
function picker(names: readonly string[]): (o: Record<string, unknown>) => unknown[] {
  for (const n of names) if (!NAME.test(n)) throw new Error(`script key or argument name ${JSON.stringify(n)} is not a plain name`);
  return new Function('o', `return [${names.map((n) => `o.${n}`).join(', ')}];`) as (o: Record<string, unknown>) => unknown[];
}

/** A variadic script's caller: its named keys and arguments, then each list spread in place. */
function variadic(
  keyNames: readonly string[],
  argNames: readonly string[],
  call: (keys: string[], args: (string | number)[]) => Promise<unknown>,
) {
  const flat = <T>(names: readonly string[], given: Record<string, T | T[]>): T[] =>
    names.flatMap((n) => (n.endsWith('...') ? (given[n] as T[]) : [given[n] as T]));
  return (keys: Record<string, string | string[]>, args: Record<string, Arg | Arg[]>) =>
    call(
      flat(keyNames, keys),
      flat(argNames, args).map((v) => (typeof v === 'boolean' ? (v ? '1' : '0') : v)),
    );
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
