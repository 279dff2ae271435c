// Why the hot paths write their objects out instead of spreading them (grab.ts, audit.ts, lean.ts):
// in V8 (Node 20), `{ ...obj }` is fast, but `{ ...obj, more }` leaves the fast path, and reading
// the result by name is slow too. The grab's 14 script keys built that way cost about 9 µs a grab,
// a tenth of a refused grab's CPU in the web process (the floor comparison in run.ts found it).
// Run: npx tsx scripts/bench/spread.ts   (ns per call, the last of three warm rounds)

import { ipRateKey, plannerKeys, requirementKeys } from '../../src/grab/keys.js';
import { readScripts } from '../../src/grab/scripts.js';

const N = 200_000;
function bench(name: string, f: (i: number) => unknown): void {
  let sink: unknown;
  let ns = 0;
  for (let round = 0; round < 3; round++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink = f(i);
    ns = Number(process.hrtime.bigint() - t) / N;
  }
  console.log(`${name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns`, sink ? '' : '?');
}

// The grabOne script's key names, in its order, as the script itself declares them (@keys).
const names = readScripts().find((s) => s.name === 'grabOne')!.keyNames;

bench('{ ...requirementKeys(id) }', (i) => ({ ...requirementKeys(i % 300) }));
bench("{ ...requirementKeys(id), a: 'x' }", (i) => ({ ...requirementKeys(i % 300), a: 'x' }));
bench("Object.assign(requirementKeys(id), { a: 'x' })", (i) => Object.assign(requirementKeys(i % 300), { a: 'x' }));
bench('grab keys by spread, then read by name', (i) => {
  const pk = plannerKeys(i % 2000, '20261206');
  const keys: Record<string, string> = {
    ...requirementKeys(i % 300),
    ipCounter: ipRateKey('127.0.0.1'),
    plannerCounter: pk.rate,
    plannerMeta: pk.meta,
    active: pk.active,
    reservations: pk.reservations,
    day: pk.day,
  };
  return names.map((n) => keys[n]);
});
bench('grab keys written out, then read by name', (i) => {
  const pk = plannerKeys(i % 2000, '20261206');
  const rk = requirementKeys(i % 300);
  const keys: Record<string, string> = {
    ipCounter: ipRateKey('127.0.0.1'),
    plannerCounter: pk.rate,
    plannerMeta: pk.meta,
    active: pk.active,
    reservations: pk.reservations,
    day: pk.day,
    meta: rk.meta,
    candidates: rk.candidates,
    planners: rk.planners,
    suppliers: rk.suppliers,
    expired: rk.expired,
    blocked: rk.blocked,
    workOrders: rk.workOrders,
    unsynced: rk.unsynced,
  };
  return names.map((n) => keys[n]);
});
