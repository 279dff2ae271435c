/** The traveler's side: their trips, and proving their phone by SMS. */
export { chooseProposal, confirmPayment, openidOf, submitTrip, travelerIdOf, tripOf, tripsOf } from './trips.js';
export { sendPhoneCode, verifyPhoneCode, CODE_TTL_SEC, MAX_TRIES } from './phone.js';
