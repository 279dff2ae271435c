/**
 * The engine: matching, tiered release, grabs, work orders' life cycle (deadlines, offers,
 * proposals), the traveler's choice, and the hot state in Redis that makes grabs fast. It publishes
 * domain events (events/) and imports nothing above it: notifications, live streams, ops and
 * payments listen. What other capabilities may use is exported here, and only here.
 */
export { grab, type GrabInput, type GrabResult, type Win } from './grab.js';
export { allCodes, reject, type RejectCode, type Rejection } from './codes.js';
export { poolFor, SUPPLIER_HOLDS_WORDS, type PoolItem } from './pool.js';
export {
  acceptOffer,
  closeRequirement,
  declineOffer,
  expireIfNoProposal,
  fallback,
  handleJob,
  releaseTier,
  reopenRequirement,
  submitProposal,
} from './lifecycle.js';
export { choose } from './choose.js';
export { match, rematchPlanner, score, tierAllowed, type Candidate, type MatchInput } from './matching.js';
export { rebuildSchedule, scheduleReleases, createQueue, type LifecycleJob } from './queue.js';
export { startEngineWorkers } from './workers.js';
export { createRecorder, RECORDER_CONNECTIONS, reconcile, syncRequirement } from './journal.js';
export { closePromises, promisesKept } from './promises.js';
export {
  announceReleasePlan,
  announcedReleasePlan,
  arrivalIndexes,
  candidatesOf,
  goLive,
  hotStatusOf,
  markRequirementPaid,
  requirementIdByCode,
  requirementNow,
  slotsLeft,
  supplierHolds,
  type RequirementNow,
} from './state.js';
export { createAudit } from './audit.js';
export { scriptsFor, type Lua } from './scripts.js';
export { withLock } from './lock.js';
export {
  cardOf,
  ensurePlanner,
  ensureRequirement,
  loadAll,
  plannerIdByOpenid,
  refreshPlanner,
  refreshTravelerOf,
  travelerOf,
  type Card,
} from './hot-state.js';
