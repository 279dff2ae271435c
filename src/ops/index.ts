/** The ops side: the marketplace's suppliers and planners, ops accounts and their sign-in, the audit log. */
export { createPlanner, createSupplier, unbindPlanner, updatePlanner, updateSupplier, type PlannerInput } from './marketplace.js';
export {
  accountOf,
  countAccounts,
  hashPassword,
  oneTimePassword,
  signIn,
  upsertAccount,
  verifyPassword,
  type OpsRole,
} from './accounts.js';
export { auditLog, recordAudit, type AuditRecord } from './audit.js';
