/** The ops side: the marketplace's suppliers and planners, ops accounts and their sign-in, the audit log, requirements as ops see them, grading and the numbers. */

export { accountOf, countAccounts, listAccounts, type OpsRole, signIn, updateAccount, upsertAccount } from './accounts.js';
export { auditLog, recordAudit } from './audit.js';
export {
  audienceSummary,
  broadcastView,
  CHANNELS as BROADCAST_CHANNELS,
  cancelBroadcast,
  createBroadcast,
  listBroadcasts,
  previewBroadcast,
  sendBroadcast,
  todayFor,
} from './broadcasts.js';
export { applyGrading, GRADING_QUEUE, gradingRun, gradingRuns, proposeGrading, scoresNow, startGradingWorkers } from './grading.js';
export { createPlanner, createSupplier, type PlannerInput, unbindPlanner, updatePlanner, updateSupplier } from './marketplace.js';
export { listPlanners, listSuppliers, plannerPhone, plannerRecord } from './people.js';
export {
  closeRequirement,
  contactOf,
  dispatchTo,
  listRequirements,
  REQUIREMENT_STATUSES,
  reopenRequirement,
  requirementTimeline,
} from './requirements.js';
export { funnel, today } from './stats.js';
