// Reads a V8 .cpuprofile (node --cpu-prof) and writes what a reader needs to see where time goes:
// a flame graph (SVG, stacks merged, widths = CPU samples) and the top functions by self time.
// Usage: tsx scripts/bench/profile.ts <file.cpuprofile> <out-prefix> [--last <seconds>]
//   --last N keeps only the final N seconds of samples (the load phase of a benchmark run).
import { readFileSync, writeFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Summary {
  samples: number;
  top: { fn: string; selfPct: number }[];
  byArea: Record<string, number>;
}

/** Where a frame's code lives: the product's file, a package, node itself, or V8's own bookkeeping. */
function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node';
  const src = /\/(src|scripts)\/(.+)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

const label = (n: Node) => {
  const f = n.callFrame;
  const file = f.url ? f.url.replace(/^.*\/(node_modules\/|src\/)/, '$1') : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
};

export function summarize(profile: Profile, lastSeconds?: number): { summary: Summary; folded: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample times, to keep only the window asked for.
  const times: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const from = lastSeconds ? profile.endTime - lastSeconds * 1e6 : -Infinity;

  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < from) continue;
    const id = profile.samples[i];
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    self.set(id, (self.get(id) ?? 0) + 1);
    total++;
  }
  const folded = new Map<string, number>();
  const fnSelf = new Map<string, number>();
  const areaSelf: Record<string, number> = {};
  for (const [id, count] of self) {
    const stack: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (n.callFrame.functionName !== '(root)') stack.push(label(n));
    }
    const key = stack.reverse().join(';');
    folded.set(key, (folded.get(key) ?? 0) + count);
    const n = byId.get(id)!;
    fnSelf.set(label(n), (fnSelf.get(label(n)) ?? 0) + count);
    const a = area(n.callFrame.url, n.callFrame.functionName);
    areaSelf[a] = (areaSelf[a] ?? 0) + count;
  }
  const pct = (c: number) => Math.round((1000 * c) / Math.max(total, 1)) / 10;
  const top = [...fnSelf.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([fn, c]) => ({ fn, selfPct: pct(c) }));
  const byArea = Object.fromEntries(
    Object.entries(areaSelf)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, c]) => [k, pct(c)]),
  );
  return { summary: { samples: total, top, byArea }, folded };
}

interface Frame {
  name: string;
  value: number;
  children: Map<string, Frame>;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An icicle-free classic flame graph (root at the bottom), one rect per merged frame, with tooltips. */
export function flameSvg(folded: Map<string, number>, title: string): string {
  const root: Frame = { name: 'all', value: 0, children: new Map() };
  let depthMax = 0;
  for (const [stack, count] of folded) {
    const parts = stack.split(';');
    depthMax = Math.max(depthMax, parts.length);
    root.value += count;
    let cur = root;
    for (const p of parts) {
      let next = cur.children.get(p);
      if (!next) cur.children.set(p, (next = { name: p, value: 0, children: new Map() }));
      next.value += count;
      cur = next;
    }
  }
  const W = 1600;
  const H = 16;
  const height = (depthMax + 2) * H + 40;
  const rects: string[] = [];
  const color = (name: string) => {
    if (name.includes('node_modules')) return `hsl(${30 + (name.length % 20)},80%,60%)`;
    if (name.includes('src/')) return `hsl(${200 + (name.length % 30)},70%,65%)`;
    return `hsl(${0 + (name.length % 15)},65%,62%)`;
  };
  const walk = (f: Frame, x: number, depth: number) => {
    const w = (f.value / root.value) * W;
    if (w < 0.3) return;
    const y = height - (depth + 1) * H - 10;
    const pct = ((100 * f.value) / root.value).toFixed(2);
    const text = w > 40 ? escapeXml(f.name.slice(0, Math.floor(w / 6.5))) : '';
    rects.push(
      `<g><title>${escapeXml(f.name)} (${f.value} samples, ${pct}%)</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${H - 1}" fill="${color(f.name)}"/><text x="${(x + 3).toFixed(1)}" y="${y + 11}">${text}</text></g>`,
    );
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      walk(c, cx, depth + 1);
      cx += (c.value / root.value) * W;
    }
  };
  walk(root, 0, 0);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="monospace" font-size="11">
<text x="8" y="20" font-size="14">${escapeXml(title)} — ${root.value} samples; hover a frame for its name and share</text>
${rects.join('\n')}
</svg>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, out] = process.argv.slice(2);
  const li = process.argv.indexOf('--last');
  const last = li > 0 ? Number(process.argv[li + 1]) : undefined;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const { summary, folded } = summarize(profile, last);
  writeFileSync(`${out}.svg`, flameSvg(folded, out));
  writeFileSync(`${out}.json`, JSON.stringify(summary, null, 2));
  console.log(JSON.stringify(summary, null, 2));
}
