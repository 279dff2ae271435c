/** The planner's side: what a planner may see of their profile, work orders and pool requirements. */
export { profileOf, requirementFor, workOrderOf, workOrdersOf } from './views.js';
