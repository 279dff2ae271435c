/** The WeChat adapter: the API client (shared credentials), the callback, OAuth and binding, and their pieces the sandbox speaks too. */
export { createWechatApi, WechatError, type WechatApi } from './client.js';
export { leanCallback, wechatRoutes, SIGNATURE_WINDOW_SEC } from './callback.js';
export { oauthRoutes, safeNext, signState, verifyState } from './oauth.js';
export { bindRoutes, bindPlanner, newBindCode, BIND_CODE, BIND_CODE_TTL_MS, BAD_CODE_WORDS, type BindResult } from './bind.js';
export { handleText, HELP } from './texts.js';
export { sign, sameSignature, WechatCrypto } from './crypto.js';
export { cdata, parseXml, textReply, encryptedReply, MalformedXml, type WechatXml } from './xml.js';
export { createBindQr, revokeBindQr, bindByScene, BIND_SCENE, QR_USED_WORDS, type BindQr } from './qr.js';
export { massPreview, massSendToTier, moveTierTag, recordMassResult, syncTierTag, tierTagId, tierTagName } from './mass.js';
export { menuButtons, publishMenu, type MenuButton } from './menu.js';
export { lateReply, openWindow, takeWindow } from './window.js';
export { wechatScripts } from './scripts.js';
export { createWechatEvents } from './events.js';
