// Prints a signed session cookie, for trying the planner API with curl before WeChat login exists.
// Run: npx tsx scripts/session.ts planner 3   → curl -b "sid=..." localhost:3000/api/planner/pool
import { loadConfig } from '../src/config.js';
import { sessionSecret } from '../src/session/secret.js';
import { type Role, signSession } from '../src/session/session.js';

const [role, id] = process.argv.slice(2);
if (!['planner', 'traveler', 'ops'].includes(role) || !Number.isInteger(Number(id))) {
  console.error('usage: npx tsx scripts/session.ts planner|traveler|ops <id>');
  process.exit(2);
}
const config = loadConfig();
const secret = sessionSecret(config.SESSION_SECRET, config.DATA_DIR, config.NODE_ENV === 'production');
console.log(`sid=${signSession(secret, { role: role as Role, id: Number(id) })}`);
