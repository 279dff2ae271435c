/**
 * The monitoring kit in docs/monitoring/: the alert rules pass `promtool check rules` and fire (and
 * stay quiet) on the series of `alerts.test.yml` (`promtool test rules`); every metric the Grafana
 * dashboard and the rules read is one the product serves on GET /metrics.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { OPS_TOKEN, withApp } from '../support.js';

const DIR = join(import.meta.dirname, '../../docs/monitoring');
const h = withApp();

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is missing: apt-get install prometheus (.ci/run installs it)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

it('the alert rules are valid and fire on what should wake someone', () => {
  expect(promtool('check', 'rules', 'alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
  expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
});

/** Metric names an expression reads: its identifiers once label matchers, ranges, grouping clauses and function calls are taken out. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const words = new Set(['and', 'or', 'unless', 'up']);
  return [...bare.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]).filter((n) => !words.has(n) && !/^e\d*$/.test(n));
}

it('every metric the dashboard and the rules read is served on /metrics', async () => {
  const res = await fetch(`${h.app.url}/metrics`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  const text = await res.text();
  const served = new Set(
    [...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name],
    ),
  );
  const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8'));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));
  const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8');
  const ruleExprs = [...rules.matchAll(/expr: (\|\n(?:\s{10}.*\n)+|.*)/g)].map((m) => m[1]);
  expect(exprs.length).toBeGreaterThan(10);
  expect(ruleExprs.length).toBeGreaterThanOrEqual(10);
  const used = new Set([...exprs, ...ruleExprs].flatMap(metricsIn));
  for (const must of [
    'grab_attempts_total',
    'event_listener_lag',
    'dependency_up',
    'payments_total',
    'queue_jobs',
    'template_messages_total',
  ])
    expect(used).toContain(must);
  expect(used.size).toBeGreaterThan(12);
  expect([...used].filter((m) => !served.has(m))).toEqual([]);
  // Readiness as metrics: both services up for this process.
  expect(text).toMatch(/dependency_up\{dependency="redis",pid="\d+"\} 1/);
  expect(text).toMatch(/dependency_up\{dependency="postgres",pid="\d+"\} 1/);
});
