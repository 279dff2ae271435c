/** The traveler's side: their trips, and proving their phone by SMS. */

export { sendPhoneCode, verifyPhoneCode } from './phone.js';
export { applyRetention, type Erasure, eraseTraveler, type PersonalData, personalData, policyOf } from './privacy.js';
export { chooseProposal, confirmPayment, openidOf, submitTrip, travelerIdOf, tripOf, tripsOf } from './trips.js';
