/** Signed sessions, their secret, and ended sessions. */
export { COOKIE, OPS_COOKIE, issuedAt, signSession, verifySession, type Role, type Session } from './session.js';
export { sessionSecret } from './secret.js';
export { createRevocations, type Revocation, type Revocations } from './revocation.js';
