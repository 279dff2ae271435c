// The keys of the product's grabOne-14 script, in its order, for the floor servers (grab-floor.ts,
// reply-floor.ts): one list, so both floors run the script on the same keys as the product.
import { dayKey, ipRateKey, plannerKeys, requirementKeys } from '../../../src/grab/keys.js';

export function grabOneKeys(ip: string, plannerId: number, requirementId: number, now: number): string[] {
  const pk = plannerKeys(plannerId, dayKey(now));
  const rk = requirementKeys(requirementId);
  return [
    ipRateKey(ip),
    pk.rate,
    pk.meta,
    pk.active,
    pk.reservations,
    pk.day,
    rk.meta,
    rk.candidates,
    rk.planners,
    rk.suppliers,
    rk.expired,
    rk.blocked,
    rk.workOrders,
    rk.unsynced,
  ];
}
