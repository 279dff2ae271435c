/** The deposit: WeChat Pay (APIv3, JSAPI), its notifications, its schedule, and the sandbox's keys. */
export {
  confirmAfterPaySheet,
  depositAmount,
  depositFor,
  markPaid,
  rescheduleDeposits,
  settle,
  sweepPending,
  type Deposit,
  type DepositStatus,
} from './deposit.js';
export { handlePayNotify } from './notify.js';
export { payKeys, SANDBOX_MCHID, SANDBOX_PUBKEY_ID, type PayKeys } from './keys.js';
export { decrypt, encrypt, sign, signedHeaders, unverified, type Resource } from './crypto.js';
export { PAY_QUEUE } from './queue.js';
export { startPayWorkers } from './workers.js';
export { payBase, queryOrder, type PayParams, type Transaction } from './client.js';
export { refundView, requestRefund, settleRefund } from './refund.js';
export { paymentsReport } from './report.js';
export { depositRecord, latestDeposit } from './view.js';
