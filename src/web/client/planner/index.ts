/** The planner's pages, one file per screen. */
export { bindPage } from './bind.js';
export { poolPage } from './pool.js';
export { requirementPage } from './requirement.js';
export { workOrderPage } from './work-order.js';
export { workOrdersPage } from './work-orders.js';
