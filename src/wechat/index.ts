/** The WeChat adapter: the API client (shared credentials), the callback, OAuth and binding, and their pieces the sandbox speaks too. */

export { bindRoutes, newBindCode } from './bind.js';
export { leanCallback, wechatRoutes } from './callback.js';
export { createWechatApi } from './client.js';
export { sign, WechatCrypto } from './crypto.js';
export { createWechatEvents } from './events.js';
export { massPreview, massSendToTier, moveTierTag, syncTierTag } from './mass.js';
export { publishMenu } from './menu.js';
export { oauthRoutes } from './oauth.js';
export { createBindQr, revokeBindQr } from './qr.js';
export { readWechatScripts, wechatScripts } from './scripts.js';
export { handleText } from './texts.js';
export { lateReply, openWindow } from './window.js';
export { cdata, parseXml } from './xml.js';
