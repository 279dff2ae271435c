/**
 * The product's statuses and channels in Chinese, one table each, for every reader: the console,
 * the timeline, WeChat replies and the browser bundle import them from here (type-free, no imports),
 * so a status is never called two things on two screens.
 */

/** A requirement's and a work order's status, as ops read it (a planner's page says some more gently). */
export const STATUS: Record<string, string> = {
  open: '开放中',
  full: '已满',
  chosen: '已选定',
  paid: '已付定金',
  closed: '已关闭',
  cancelled: '已取消',
  active: '进行中',
  proposed: '已交方案',
  expired: '已超时',
  declined: '未接受派单',
  offered: '待接受派单',
  suspended: '已停用',
  queued: '排队中',
  sent: '已发送',
  delivered: '已送达',
  failed: '失败',
};

/** A trip's status in the traveler's words. */
export const TRIP_STATUS: Record<string, string> = {
  open: '正在为你匹配定制师',
  full: '定制师已就位，方案准备中',
  chosen: '已选定方案',
  paid: '已支付定金',
  closed: '已关闭',
  cancelled: '已取消',
};

/** A work order's status in a planner's words (their pages and the 单 reply). */
export const PLANNER_STATUS: Record<string, string> = {
  active: '待提交方案',
  proposed: '方案已提交',
  chosen: '方案被选中',
  closed: '已结束',
  expired: '已超时',
  declined: '已拒绝派单',
};

/** A work order's status in the timeline ops read (what happened to the slot). */
export const SLOT_STATUS: Record<string, string> = {
  active: '进行中',
  proposed: '已交方案',
  expired: '超时未交方案',
  chosen: '被选中',
  closed: '已结束',
  declined: '未接受派单',
};

/** A template message's state. */
export const MESSAGE_STATE: Record<string, string> = {
  queued: '排队中',
  sent: '已发送',
  delivered: '已送达',
  failed: '发送失败',
  cancelled: '已取消',
};

/** Where a grab came from. */
export const CHANNEL: Record<string, string> = { h5: '手机页', pc: '电脑', wechat: '公众号回复', dispatch: '派单', sim: '模拟' };

/** A deposit order's stored status (its one state for people is money.ts depositState). */
export const DEPOSIT_STATUS: Record<string, string> = {
  pending: '待支付',
  paid: '已支付',
  closed: '已关闭',
  refunding: '退款中',
  refunded: '已退款',
};

/** A deposit's record (payment_events.what). */
export const PAYMENT_EVENT: Record<string, string> = {
  created: '下单',
  prepay: '发起支付',
  paid: '已支付',
  closed: '订单关闭（未支付）',
  'refund-requested': '申请退款',
  'refund-success': '退款成功',
  'refund-abnormal': '退款异常（钱已从商户转出，未到账）',
  'refund-closed': '退款关闭（未退）',
  'refund-refused': '微信支付拒绝退款',
};

/** Who wrote a deposit's record (payment_events.who). */
export const PAYMENT_WHO: Record<string, string> = {
  traveler: '旅行者',
  system: '系统',
  'wechatpay-notify': '微信支付通知',
  'refund-answer': '微信支付应答',
  'scheduled-query': '系统查单',
  'close-query': '关单前查单',
  'return-query': '支付完成后查单',
};

export const REFUND_STATUS: Record<string, string> = {
  processing: '处理中',
  success: '已退回',
  abnormal: '异常：需人工处理',
  closed: '已关闭（未退）',
  refused: '被拒绝（未退）',
};

/** A broadcast's channels and statuses. */
export const BROADCAST_CHANNEL: Record<string, string> = { live: '实时通知', template: '模板消息', mass: '微信群发' };
export const BROADCAST_STATUS: Record<string, string> = { draft: '草稿', sending: '发送中', done: '已发完', cancelled: '已取消' };

/** A word for a code, the code itself when there is none. */
export const wordFor = (table: Record<string, string>, code: string): string => table[code] ?? code;
