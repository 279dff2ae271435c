/** The local WeChat (API and phone page), mounted when no WeChat credentials are set. */
export { sandboxApi } from './api.js';
export { textToSandboxPhone } from './inbox.js';
export { sandboxPay } from './pay.js';
export { sandboxPhone } from './phone.js';
