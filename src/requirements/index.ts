/** Requirements: intake (validated, matched, written once, then live), the travelers they belong to, the ops view. */
export { createRequirement, placesInput, type RequirementInput, requirementInput } from './intake.js';
export { claimVerifiedPhone, verifiedOwner } from './travelers.js';
export { requirementView } from './view.js';
