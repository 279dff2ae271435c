/**
 * The layering rule of src/ (README, "How the code is laid out"), checked: a capability imports
 * another only through its index.ts, and only the capabilities its row below names; the engine
 * (grab) imports nothing above the event seam. Kernel files (src/*.ts, http/, infra/) import no
 * capability but for types (context.ts declares the ports) — boot.ts and main.ts wire everything.
 * Usage: tsx scripts/lint/layers.ts (exit 1 with each offending import).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Which capabilities each may import (through their index.ts). '*' is the HTTP surface. */
export const ALLOWED: Record<string, readonly string[] | '*'> = {
  events: [],
  grab: ['events'],
  requirements: ['grab'],
  planner: ['grab'],
  pay: ['events', 'grab'],
  session: [],
  notify: ['events'],
  live: ['events', 'grab', 'session'],
  sms: ['sandbox'],
  sandbox: ['notify', 'pay', 'wechat'],
  wechat: ['grab', 'session'],
  traveler: ['grab', 'requirements', 'pay', 'sms', 'session'],
  ops: ['grab', 'live', 'notify', 'wechat'],
  web: ['session'],
  metrics: [],
  sim: ['events', 'grab', 'notify', 'pay', 'requirements'],
  api: '*',
};
const KERNEL_DIRS = new Set(['http', 'infra', 'generated', 'shared']);
const COMPOSITION = new Set(['boot.ts', 'main.ts']);

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'generated' && name !== 'client') yield* files(p);
    } else if (name.endsWith('.ts')) yield p;
  }
}

const IMPORT = /^(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm;

/** The engine's hot state: its keys are read and written by the engine only (it offers operations instead). */
const ENGINE_KEYS = 'grab/keys.js';

/** Files outside the engine (src/grab/, its tests, the scripts' benchmarks) that import its keys. */
export function engineKeyLeaks(roots = [SRC, join(ROOT, 'scripts'), join(ROOT, 'test')]): string[] {
  const out: string[] = [];
  for (const root of roots)
    for (const file of files(root)) {
      const rel = relative(ROOT, file);
      // The engine's own tests look at its state; benchmarks of the raw scripts drive it directly.
      if (['src/grab/', 'test/grab/', 'test/unit/', 'scripts/bench/'].some((own) => rel.startsWith(own))) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT))
        if (m[3].endsWith(ENGINE_KEYS)) out.push(`${rel}: imports ${m[3]} — the engine's keys are its own; ask src/grab/index.ts`);
    }
  return out;
}

/** A read of the wall clock: the engine takes "now" from ctx.now() only (the clock a simulation sets). */
const WALL_CLOCK = /\bDate\.now\b|\bnew Date\(\s*\)|\bperformance\.now\b/;

/**
 * The code whose "now" a simulation sets: the engine, intake, the deposit (the simulator drives all
 * three under its virtual clock).
 */
export const CLOCKED = ['grab', 'requirements', 'pay'].map((d) => join(SRC, d));

/** Lines of the clocked code that read the wall clock instead of ctx.now() (comments aside). */
export function wallClockReads(dirs: string | string[] = CLOCKED): string[] {
  const out: string[] = [];
  for (const file of [dirs].flat().flatMap((d) => [...files(d)]))
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.trim();
        if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
        if (WALL_CLOCK.test(line))
          out.push(`${relative(ROOT, file)}:${i + 1}: reads the wall clock — the engine's "now" is ctx.now() (a simulation sets it)`);
      });
  return out;
}

export function violations(src = SRC): string[] {
  const out: string[] = [];
  for (const file of files(src)) {
    const rel = relative(src, file);
    const parts = rel.split('/');
    const from = parts.length > 1 ? parts[0] : null; // null: a top-level kernel file
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const typeOnly = Boolean(m[2]);
      const target = relative(src, normalize(join(dirname(file), m[3])));
      const tparts = target.split('/');
      const to = tparts.length > 1 ? tparts[0] : null;
      if (!to || to === from || KERNEL_DIRS.has(to) || target.startsWith('..')) continue; // kernel, own folder, outside src
      const where = `src/${rel}: imports ${m[3]}`;
      if (!(to in ALLOWED)) {
        out.push(`${where} — "${to}" is neither a capability in scripts/lint/layers.ts nor the kernel`);
        continue;
      }
      if (from === null || KERNEL_DIRS.has(from)) {
        if (from === null && COMPOSITION.has(rel)) {
          if (tparts.length !== 2 || tparts[1] !== 'index.js') out.push(`${where} — through src/${to}/index.ts only`);
        } else if (!(from === 'http' && to === 'session') && !typeOnly)
          out.push(`${where} — the kernel imports capabilities only as types (wire them in boot.ts)`);
        continue;
      }
      if (!(from in ALLOWED)) {
        out.push(`src/${rel}: "${from}" is not a capability listed in scripts/lint/layers.ts`);
        continue;
      }
      const allowed = ALLOWED[from];
      if (allowed !== '*' && !allowed.includes(to))
        out.push(`${where} — ${from} may not depend on ${to} (allowed: ${allowed.join(', ') || 'none'})`);
      if (tparts.length !== 2 || tparts[1] !== 'index.js') out.push(`${where} — through src/${to}/index.ts only`);
    }
  }
  return out;
}

if (process.argv[1]?.endsWith('layers.ts')) {
  const found = [...violations(), ...engineKeyLeaks(), ...wallClockReads()];
  for (const v of found) console.error(v);
  if (found.length) {
    console.error(`\n${found.length} import(s) break the layering (README: How the code is laid out).`);
    process.exit(1);
  }
  console.log('layers: every import goes the allowed way');
}
