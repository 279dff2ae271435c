/** The deposit: WeChat Pay (APIv3, JSAPI), its notifications, its schedule, and the sandbox's keys. */
export { confirmAfterPaySheet, depositAmount, depositFor, rescheduleDeposits, settle } from './deposit.js';
export { handlePayNotify } from './notify.js';
export { payKeys, type PayKeys } from './keys.js';
export { encrypt, sign, unverified } from './crypto.js';
export { PAY_QUEUE } from './queue.js';
export { startPayWorkers } from './workers.js';
export { requestRefund } from './refund.js';
export { paymentsReport } from './report.js';
export { depositRecord, latestDeposit } from './view.js';
