/** Text messages to phones (sandbox phone page or SMS_WEBHOOK_URL). */
export { createSmsSender, type SmsSender } from './sender.js';
