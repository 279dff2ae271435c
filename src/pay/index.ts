/** Payments: the traveler's deposit (WeChat Pay comes with its own issue). */
export { depositFor, type Deposit } from './deposit.js';
