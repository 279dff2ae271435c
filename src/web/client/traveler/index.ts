/** The traveler's pages, one file per screen. */
export { myListPage } from './my-list.js';
export { myRequirementPage } from './trip.js';
export { tripForm } from './trip-form.js';
