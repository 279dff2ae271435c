/**
 * The error catalogue: every refusal the product's capabilities make, with its HTTP status and its
 * words in Chinese (what pages and WeChat replies show), in one table. Capabilities throw a
 * `DomainError(code)` (or return a grab `Rejection` built from the same table); the HTTP edge
 * renders any CodedError as `{error:{code, message, field, fields}}` with the status written here,
 * so no route maps codes to statuses or catches to translate. This module imports nothing.
 */
export const CATALOGUE = {
  // ── grab rules (the number is the grab rule it enforces, answered as `rule`; docs/architecture.md lists them) ──
  REQUIREMENT_NOT_FOUND: { status: 404, rule: 1, words: '需求不存在' },
  REQUIREMENT_CLOSED: { status: 409, rule: 1, words: '需求已关闭，不再接受抢单' },
  NOT_RELEASED: { status: 409, rule: 2, words: '该需求还未向你的等级开放，请稍候' },
  NOT_CANDIDATE: { status: 409, rule: 3, words: '该需求的目的地不在你的服务范围内' },
  NOT_MATCHED: {
    status: 409,
    rule: 3,
    words: '这个需求在你的服务范围内，但匹配时没有选中你（按等级、评分和当前工作量挑选），暂时不能抢',
  },
  PLANNER_NOT_FOUND: { status: 404, rule: 4, words: '定制师账号不存在' },
  PLANNER_SUSPENDED: { status: 409, rule: 4, words: '你的定制师账号已停用' },
  PLANNER_UNBOUND: { status: 409, rule: 4, words: '请先绑定微信后再抢单' },
  SUPPLIER_SUSPENDED: { status: 409, rule: 5, words: '你所在的供应商已被暂停' },
  SUPPLIER_HOLDS_SLOT: { status: 409, rule: 6, words: '你所在的供应商已有定制师抢到此单' },
  FULL: { status: 409, rule: 8, words: '手慢了，名额已满' },
  OVER_CAPACITY: { status: 409, rule: 9, words: '你进行中的工单已达上限' },
  DAILY_QUOTA: { status: 409, rule: 10, words: '今日抢单次数已用完' },
  RATE_LIMITED: { status: 429, rule: 11, words: '操作太频繁，请稍后再试' },
  IP_RATE_LIMITED: { status: 429, rule: 11, words: '该网络操作太频繁，请稍后再试' },
  SLOT_EXPIRED_BEFORE: { status: 409, rule: 12, words: '你曾超时未提交方案，不能再抢此单' },
  BLOCKED: { status: 409, rule: 13, words: '用户暂不接受你的服务' },
  OWN_REQUIREMENT: { status: 409, rule: 14, words: '不能抢自己提交的需求' },
  TIER_TOO_LOW: { status: 409, rule: 15, words: '该需求要求更高的定制师等级' },

  // ── work orders: offers and proposals ──
  WORK_ORDER_NOT_FOUND: { status: 404, words: '工单不存在' },
  NOT_YOURS: { status: 403, words: '这不是你的工单' },
  NOT_AN_OFFER: { status: 409, words: '这个派单已经处理过了' },
  NOT_ACTIVE: { status: 409, words: '工单已不在进行中，不能提交方案' },
  DEADLINE_PASSED: { status: 409, words: '已超过提交方案的期限' },

  // ── the traveler's choice ──
  TRIP_NOT_FOUND: { status: 404, words: '在你的需求里找不到这个行程' },
  PROPOSAL_NOT_FOUND: { status: 404, words: '这个行程没有这份方案' },
  NOT_PROPOSED: { status: 409, words: '这位定制师还没有提交方案' },
  ALREADY_CHOSEN: { status: 409, words: '这个行程已经选定方案了' },
  CLOSED: { status: 409, words: '这个行程已关闭' },

  // ── ops on requirements, planners and grading ──
  ALREADY_CLOSED: { status: 409, words: '这个需求已经关闭了。' },
  CANNOT_CLOSE: { status: 409, words: '已选定方案（或已付款）的需求不能关闭。' },
  NOT_CLOSED: { status: 409, words: '只有已关闭的需求可以重新开放。' },
  NO_CANDIDATES: {
    status: 409,
    words: '没有定制师服务这个需求的目的地，重新开放也不会有人接单。请先添加服务这些目的地的定制师，或联系旅行者调整目的地。',
  },
  GRADING_NOT_FOUND: { status: 404, words: '没有这次分级评估。' },
  GRADING_STALE: { status: 409, words: '这次分级评估之后等级已有变动，请重新评估再应用。' },
  QR_UNAVAILABLE: { status: 502, words: '微信暂时无法生成二维码，请稍后再试。' },
  BROADCAST_NOT_FOUND: { status: 404, words: '没有这条群发。' },
  BROADCAST_SENT: { status: 409, words: '这条群发已经发送过了（每条只能发送一次）。' },
  BROADCAST_ENDED: { status: 409, words: '这条群发已经结束，不能取消。' },
  VALIDATION_MASS: { status: 400, words: '群发（微信群发）只能按等级发送：受众请只选等级。' },
  MASS_MONTHLY_LIMIT: { status: 409, words: '本月的群发次数已用完：微信每位关注者每月最多收到 4 条群发。' },
  WECHAT_REFUSED: { status: 502, words: '微信拒绝了这次发送。' },

  // ── the deposit (WeChat Pay) ──
  PAY_UNAVAILABLE: { status: 502, words: '微信支付暂时无法下单，请稍后再试（没有扣款）。' },
  NOT_PAID: { status: 409, words: '这笔定金还没有支付，不能退款。' },
  REFUND_TOO_MUCH: { status: 400, words: '退款金额超过了可退的定金。' },
  REFUND_REFUSED: { status: 409, words: '微信支付拒绝了这笔退款，没有退款。' },

  // ── binding a WeChat to a planner account ──
  ALREADY_BOUND: { status: 400, words: '这个微信已绑定定制师账号。' },
  PLANNER_ALREADY_BOUND: { status: 409, words: '这位定制师已绑定微信；要换微信，请先解绑。' },

  // ── ops accounts ──
  LOGIN_FAILED: { status: 401, words: '邮箱或密码不正确。' },
  LOGIN_RATE_LIMITED: { status: 429, words: '登录尝试太频繁，请稍后再试。' },
  ACCOUNT_SUSPENDED: { status: 403, words: '这个运营账号已停用，请联系管理员。' },
  ADMIN_ONLY: { status: 403, words: '只有管理员可以做这件事。' },
  ACCOUNT_NOT_FOUND: { status: 404, words: '没有这个运营账号。' },
  NOT_YOURSELF: { status: 409, words: '不能修改自己的角色或状态，请让另一位管理员操作。' },
  LAST_ADMIN: { status: 409, words: '这是最后一位在用的管理员，不能停用或取消管理员身份；请先设置另一位管理员。' },
  CROSS_SITE: { status: 403, words: '请在运营后台的页面里操作（来自其他网站的请求已拒绝）。' },

  // ── proving a phone by SMS ──
  PHONE_TAKEN: { status: 409, words: '这个手机号已由另一位微信用户验证。' },
  SMS_UNAVAILABLE: { status: 502, words: '短信暂时发不出去，请稍后再试。' },
  CODE_EXPIRED: { status: 400, words: '验证码已过期或未获取，请重新获取。' },
  TOO_MANY_TRIES: { status: 429, words: '验证码输错次数太多，请重新获取。' },
  BAD_CODE: { status: 400, words: '验证码不正确。' },

  // ── generic: any capability or the HTTP edge (the message says what, for machines and logs) ──
  VALIDATION: { status: 400, words: '填写的内容有误，请检查后再提交。' },
  BAD_REQUEST: { status: 400, words: '请求的格式不对。' },
  BAD_STATE: { status: 400, words: '登录链接已失效，请重新打开页面。' },
  OAUTH_FAILED: { status: 400, words: '微信登录没有成功，请重新打开页面。' },
  UNAUTHORIZED: { status: 401, words: '请先登录。' },
  FORBIDDEN: { status: 403, words: '没有权限做这件事。' },
  NOT_FOUND: { status: 404, words: '找不到要找的内容。' },
  CONFLICT: { status: 409, words: '和已有的记录冲突。' },
  TOO_LARGE: { status: 413, words: '提交的内容太大了。' },
  WECHAT_UNAVAILABLE: { status: 502, words: '微信暂时没有应答，请稍后再试。' },

  // ── the infrastructure ──
  /** Redis or PostgreSQL cannot be reached this moment: nothing to fix in the request; the same request again is safe. */
  UNAVAILABLE: { status: 503, words: '系统暂时不可用，请稍后再试。' },
} as const satisfies Record<string, { status: number; rule?: number; words: string }>;

export type ErrorCode = keyof typeof CATALOGUE;

/**
 * The one refusal the HTTP edge renders (`{error:{code, message, field, fields, rule}}`), from the
 * catalogue: its status is the code's. `message` replaces the catalogue's words when the case says
 * more; `fields` is every field's problem (a form shows each under its input), by default the
 * message under `field`, none when null.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  readonly status: number;
  readonly field?: string;
  readonly fields?: Record<string, string>;
  readonly rule?: number;
  constructor(
    readonly code: ErrorCode,
    opts: { message?: string; field?: string; fields?: Record<string, string> | null } = {},
  ) {
    const words = opts.message ?? CATALOGUE[code].words;
    super(words);
    this.status = CATALOGUE[code].status;
    this.field = opts.field;
    const fields = opts.fields === undefined ? (opts.field ? { [opts.field]: words } : undefined) : (opts.fields ?? undefined);
    if (fields) this.fields = fields;
    const entry = CATALOGUE[code];
    if ('rule' in entry) this.rule = entry.rule;
  }
}

/** A refusal whose message is for machines (English, naming the field): no per-field words unless given. */
export const refusal = (code: ErrorCode, message: string, field?: string, fields?: Record<string, string>) =>
  new DomainError(code, { message, field, fields: fields ?? null });

/** A refusal a capability answered as a value (a grab's Rejection, a bind's result) as the error the edge renders. */
export const fromRejection = (r: { code: ErrorCode; message: string }, field?: string, fields?: Record<string, string>) =>
  new DomainError(r.code, { message: r.message, field, fields: fields ?? null });

export const statusOf = (code: ErrorCode): number => CATALOGUE[code].status;
