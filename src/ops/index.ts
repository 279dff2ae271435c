/** The ops side: the marketplace's suppliers and planners. */
export { createPlanner, createSupplier, unbindPlanner, updatePlanner, updateSupplier, type PlannerInput } from './marketplace.js';
