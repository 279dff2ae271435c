/** The deposit: WeChat Pay (APIv3, JSAPI), its notifications, its schedule, and the sandbox's keys. */

export { encrypt, sign, unverified } from './crypto.js';
export { confirmAfterPaySheet, depositAmount, depositFor, markPaid, rescheduleDeposits, settle } from './deposit.js';
export { type PayKeys, payKeys } from './keys.js';
export { handlePayNotify } from './notify.js';
export { PAY_QUEUE } from './queue.js';
export { requestRefund } from './refund.js';
export { paymentsReport } from './report.js';
export { depositRecord, latestDeposit } from './view.js';
export { startPayWorkers } from './workers.js';
