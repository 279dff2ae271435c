/**
 * The production build: every server file of src/ compiled by esbuild, one JavaScript file per
 * TypeScript file, into build/ at the same depth as src/ (so the paths the code resolves from its
 * own folder — prisma/migrations, templates/, scenarios/ — are the same from either), and the files
 * that are not TypeScript copied beside them (Lua scripts, stylesheets). The pages' browser source
 * (src/web/client) is copied as it is: the server bundles it for browsers at start, as in development.
 * No loader at run time, no `__name` wrappers (tsx's esbuild keeps names), source maps for stack traces.
 * Usage: node scripts/build.mjs (npm run build). About a second.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const OUT = join(ROOT, 'build');
const CLIENT = join(SRC, 'web', 'client');

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p !== CLIENT) yield* files(p);
    } else yield p;
  }
}

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
const all = [...files(SRC)];
const entryPoints = all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
await build({
  entryPoints,
  outdir: OUT,
  outbase: SRC,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const f of all.filter((f) => !f.endsWith('.ts'))) {
  const to = join(OUT, relative(SRC, f));
  mkdirSync(join(to, '..'), { recursive: true });
  cpSync(f, to);
}
cpSync(CLIENT, join(OUT, 'web', 'client'), { recursive: true });
// The benchmarks' comparison servers (scripts/bench/servers), compiled beside the product they import
// from: build/bench-servers/x.js imports ../grab/… where the source imports ../../../src/grab/….
const SERVERS = join(ROOT, 'scripts', 'bench', 'servers');
const servers = await build({
  entryPoints: readdirSync(SERVERS)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(SERVERS, f)),
  outdir: join(OUT, 'bench-servers'),
  format: 'esm',
  platform: 'node',
  target: 'node24',
  write: false,
  logLevel: 'warning',
});
for (const f of servers.outputFiles) {
  mkdirSync(join(f.path, '..'), { recursive: true });
  writeFileSync(f.path, f.text.replaceAll("'../../../src/", "'../").replaceAll('"../../../src/', '"../'));
}
console.log(`build/: ${entryPoints.length} files compiled in ${Math.round(performance.now() - started)} ms`);
