/** The traveler's pages, one file per screen. */
export { myDataPage } from './my-data.js';
export { myListPage } from './my-list.js';
export { myRequirementPage } from './trip.js';
export { tripForm } from './trip-form.js';
