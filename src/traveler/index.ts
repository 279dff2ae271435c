/** The traveler's side: their trips, and proving their phone by SMS. */
export { chooseProposal, confirmPayment, openidOf, submitTrip, travelerIdOf, tripOf, tripsOf } from './trips.js';
export { sendPhoneCode, verifyPhoneCode } from './phone.js';
