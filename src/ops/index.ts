/** The ops side: the marketplace's suppliers and planners, ops accounts and their sign-in, the audit log, requirements as ops see them, grading and the numbers. */
export { createPlanner, createSupplier, unbindPlanner, updatePlanner, updateSupplier, type PlannerInput } from './marketplace.js';
export {
  accountOf,
  countAccounts,
  hashPassword,
  listAccounts,
  oneTimePassword,
  signIn,
  updateAccount,
  upsertAccount,
  verifyPassword,
  type OpsRole,
} from './accounts.js';
export { auditLog, recordAudit, type AuditRecord } from './audit.js';
export {
  closeRequirement,
  dispatchTo,
  listRequirements,
  reopenRequirement,
  requirementTimeline,
  REQUIREMENT_STATUSES,
  type RequirementFilter,
} from './requirements.js';
export { listPlanners, listSuppliers, plannerRecord, type PlannerFilter } from './people.js';
export { funnel, today, LONG_TAIL_MAX_PLANNERS } from './stats.js';
export {
  applyGrading,
  gradingRun,
  gradingRuns,
  proposeGrading,
  scoresNow,
  startGradingWorkers,
  GRADING_QUEUE,
} from './grading.js';
export { grade, WEIGHTS, UP_AT, DOWN_BELOW, MIN_WON, type Behaviour } from './grading-formula.js';
export {
  audienceSummary,
  broadcastView,
  cancelBroadcast,
  CHANNELS as BROADCAST_CHANNELS,
  createBroadcast,
  listBroadcasts,
  MASS_PER_MONTH,
  previewBroadcast,
  sendBroadcast,
  todayFor,
  type Audience,
  type BroadcastInput,
} from './broadcasts.js';
