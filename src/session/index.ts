/** Signed sessions, their secret, and ended sessions. */

export { revocationRecord } from './record.js';
export { createRevocations } from './revocation.js';
export { sessionSecret } from './secret.js';
export { COOKIE, issueSession, OPS_COOKIE, type Role, type Session, signSession, verifySession } from './session.js';
export { readToken, signToken } from './token.js';
