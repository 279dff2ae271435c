/**
 * The engine: matching, tiered release, grabs, work orders' life cycle (deadlines, offers,
 * proposals), the traveler's choice, and the hot state in Redis that makes grabs fast. It publishes
 * domain events (events/) and imports nothing above it: notifications, live streams, ops and
 * payments listen. What other capabilities may use is exported here, and only here.
 */

export { createAudit, pruneGrabEvents } from './audit.js';
export { choose } from './choose.js';
export type { Rejection } from './codes.js';
export { type GrabResult, grab } from './grab.js';
export {
  cardOf,
  ERASED_NAME,
  forgetContact,
  loadAll,
  plannerIdByOpenid,
  refreshPlanner,
  refreshTravelerOf,
  travelerOf,
} from './hot-state.js';
export { createRecorder, RECORDER_CONNECTIONS, reconcile } from './journal.js';
export {
  acceptOffer,
  closeRequirement,
  declineOffer,
  fallback,
  handleJob as runLifecycleJob,
  releaseTier,
  reopenRequirement,
  submitProposal,
} from './lifecycle.js';
export { withLock } from './lock.js';
export { match, rematchPlanner } from './matching.js';
export { poolFor, SUPPLIER_HOLDS_WORDS } from './pool.js';
export { closePromises } from './promises.js';
export { createQueue, type LifecycleJob, QUEUE as LIFECYCLE_QUEUE, rebuildSchedule } from './queue.js';
export { readScripts as readEngineScripts, scriptsFor } from './scripts.js';
export {
  announcedReleasePlan,
  announceReleasePlan,
  arrivalIndexes,
  candidatesOf,
  goLive,
  hotStatusOf,
  markRequirementPaid,
  requirementIdByCode,
  requirementNow,
  supplierHolds,
  winsInFlight,
} from './state.js';
export { startEngineWorkers } from './workers.js';
