/** co-wechat-api (the product's WeChat client) ships no types: the part of it this product uses, typed once here. */
declare module 'co-wechat-api' {
  export interface Token {
    accessToken: string;
    expireTime: number;
  }
  export default class WechatAPI {
    constructor(appid: string, secret: string, getToken: () => Promise<Token | null>, saveToken: (t: Token | null) => Promise<void>);
    prefix: string;
    snsPrefix: string;
    mpPrefix: string;
    customservicePrefix: string;
    setOpts(opts: { timeout: number }): void;
    getAccessToken(): Promise<Token>;
    ensureAccessToken(): Promise<Token>;
    sendTemplate(
      openid: string,
      templateId: string,
      url: string,
      topColor: string,
      data: Record<string, { value: string; color?: string }>,
    ): Promise<{ msgid: number | string }>;
    sendText(openid: string, text: string): Promise<unknown>;
    getUser(openid: string): Promise<{ subscribe: number; openid: string; nickname?: string }>;
    createTmpQRCode(scene: string, seconds: number): Promise<{ ticket: string; url: string; expire_seconds: number }>;
  }
}
