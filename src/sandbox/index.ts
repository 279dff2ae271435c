/** The local WeChat (API and phone page), mounted when no WeChat credentials are set. */
export { sandboxApi, type Faults, type SandboxUser } from './api.js';
export { sandboxPhone } from './phone.js';
export { SANDBOX_WHO, textToSandboxPhone, type InboxMessage } from './inbox.js';
export { sandboxPay } from './pay.js';
