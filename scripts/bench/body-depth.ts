/**
 * What a few KB of nested `[` cost the event loop: the body check before #26 (JSON.parse, then a
 * recursive NUL walk copying its path at each level: O(depth²)) against today's (the nesting refused
 * on the text, before parsing). Medians of 7 per depth; writes bench-results/body-depth.json.
 * Run: npx tsx scripts/bench/body-depth.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonText } from '../../src/http/body.js';

/** The walk as it was (src/http/body.ts before #26), kept here as the baseline. */
function walkedBefore(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = walkedBefore(value[i], [...path, String(i)]);
      if (at) return at;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const at = k.includes('\u0000') ? [...path, k].join('.') : walkedBefore(v, [...path, k]);
      if (at) return at;
    }
  }
  return null;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f: () => unknown) => {
  const t = performance.now();
  try {
    f();
  } catch {
    // a refusal (today) or a stack overflow (before): the time is what counts
  }
  return performance.now() - t;
};

const rows = [2_000, 4_000, 8_000, 16_000].map((depth) => {
  const text = '['.repeat(depth) + ']'.repeat(depth);
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < 7; i++) {
    before.push(time(() => walkedBefore(JSON.parse(text))));
    after.push(time(() => parseJsonText(text)));
  }
  return { depth, kb: Math.round(text.length / 102.4) / 10, beforeMs: median(before), afterMs: median(after) };
});
for (const r of rows) console.log(`depth ${r.depth} (${r.kb} KB): before ${r.beforeMs.toFixed(1)} ms, after ${r.afterMs.toFixed(3)} ms`);
const out = join(import.meta.dirname, '../../bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'body-depth.json'), `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
