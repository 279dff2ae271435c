/** Redis keys of the WeChat adapter (callback memory, bind attempts), built in one place. */
export const wechatKeys = {
  /** A signed (timestamp, nonce) seen recently → sha1 of the body it came with (replay guard). */
  nonce: (timestamp: string, nonce: string) => `wx:nonce:${timestamp}:${nonce}`,
  /** A delivered message, by WeChat's MsgId → the reply given (WeChat's retries are answered the same). */
  message: (msgId: string) => `wx:msg:${msgId}`,
  /** Events have no MsgId: sender + CreateTime + event name identify WeChat's retries. */
  event: (openid: string, createTime: string, event: string) => `wx:evt:${openid}:${createTime}:${event}`,
  /** Bind attempts counted per WeChat user and per client IP (fixed windows). */
  bindByUser: (openid: string) => `wx:bind:u:${openid}`,
  bindByIp: (ip: string) => `wx:bind:ip:${ip}`,
};
