// Creates an ops account, or resets its password, and prints a one-time password (CONTRACT).
// Run: npm run ops-user -- --email you@example.com [--role admin|ops] [--name 名字]
import { parseArgs } from 'node:util';
import { connect } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { type OpsRole, upsertAccount } from '../src/ops/index.js';

const { values } = parseArgs({ options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } }, strict: true });
const email = values.email?.trim() ?? '';
if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || (values.role && !['admin', 'ops'].includes(values.role))) {
  console.error('usage: npm run ops-user -- --email <email> [--role admin|ops] [--name <name>]');
  process.exit(2);
}
const { ctx, close } = await connect(loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }));
try {
  const a = await upsertAccount(ctx, { email, role: values.role as OpsRole | undefined, name: values.name }, { setRole: true });
  console.log(`${a.created ? 'created' : 'password reset for'} ${a.email} (role ${a.role})`);
  console.log(`one-time password: ${a.password}`);
  console.log(`sign in at ${ctx.config.PUBLIC_URL.replace(/\/$/, '')}/ops/login`);
} finally {
  await close();
}
