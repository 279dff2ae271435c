/** Signed sessions, their secret, and ended sessions. */
export { COOKIE, OPS_COOKIE, issueSession, signSession, verifySession, type Role, type Session } from './session.js';
export { readToken, signToken } from './token.js';
export { sessionSecret } from './secret.js';
export { createRevocations } from './revocation.js';
export { revocationRecord } from './record.js';
