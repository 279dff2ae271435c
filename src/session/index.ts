/** Signed sessions, their secret, and ended sessions. */
export { COOKIE, OPS_COOKIE, issuedAt, signSession, verifySession, type Role, type Session } from './session.js';
export { sessionSecret } from './secret.js';
export { createRevocations, type Revocation, type RevocationRecord, type Revocations } from './revocation.js';
export { revocationRecord } from './record.js';
