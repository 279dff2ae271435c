/** The ops side: the marketplace's suppliers and planners, ops accounts and their sign-in, the audit log, requirements as ops see them, grading and the numbers. */
export { createPlanner, createSupplier, unbindPlanner, updatePlanner, updateSupplier, type PlannerInput } from './marketplace.js';
export { accountOf, countAccounts, listAccounts, signIn, updateAccount, upsertAccount, type OpsRole } from './accounts.js';
export { auditLog, recordAudit } from './audit.js';
export {
  closeRequirement,
  dispatchTo,
  listRequirements,
  reopenRequirement,
  requirementTimeline,
  REQUIREMENT_STATUSES,
} from './requirements.js';
export { listPlanners, listSuppliers, plannerRecord } from './people.js';
export { funnel, today } from './stats.js';
export { applyGrading, gradingRun, gradingRuns, proposeGrading, scoresNow, startGradingWorkers, GRADING_QUEUE } from './grading.js';
export {
  audienceSummary,
  broadcastView,
  cancelBroadcast,
  CHANNELS as BROADCAST_CHANNELS,
  createBroadcast,
  listBroadcasts,
  previewBroadcast,
  sendBroadcast,
  todayFor,
} from './broadcasts.js';
