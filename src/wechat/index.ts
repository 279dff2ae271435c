/** The WeChat adapter: the API client (shared credentials), the callback, OAuth and binding, and their pieces the sandbox speaks too. */
export { createWechatApi } from './client.js';
export { leanCallback, wechatRoutes } from './callback.js';
export { oauthRoutes } from './oauth.js';
export { bindRoutes, newBindCode } from './bind.js';
export { handleText } from './texts.js';
export { sign, WechatCrypto } from './crypto.js';
export { cdata, parseXml } from './xml.js';
export { createBindQr, revokeBindQr } from './qr.js';
export { massPreview, massSendToTier, moveTierTag, syncTierTag } from './mass.js';
export { publishMenu } from './menu.js';
export { lateReply, openWindow } from './window.js';
export { wechatScripts } from './scripts.js';
export { createWechatEvents } from './events.js';
