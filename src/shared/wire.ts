/**
 * What the API sends and the pages read, typed once (types only: the server's views declare they
 * return these, the browser bundle reads them). Dates are Date on the server and ISO strings on the
 * wire: a view is `X<Date>` where it is built, `X` (strings) where it is read.
 */

/** A requirement as every page and pool card shows it (dates as YYYY-MM-DD). */
export interface Card {
  code: string;
  subject: string;
  company: string | null;
  origin: string;
  destinations: string[];
  departDate: string;
  returnDate: string;
  adults: number;
  children: number;
  budgetFen: number;
  budgetType: string;
  /** The traveler's wishes: a pool card previews them (a planner decides in seconds). */
  notes: string | null;
}

/** One requirement in a planner's pool. */
export interface PoolItem extends Card {
  requirementId: number;
  slotsLeft: number;
  wanted: number;
  /** When it was released to this planner's tier (ms). */
  releasedAt: number;
  /** The next tier's release, while slots are left (ms). */
  nextTier?: { tier: string; at: number };
  /** Shown, not grabbable: a colleague of the same supplier holds a slot (rule 6). */
  unavailable?: { code: 'SUPPLIER_HOLDS_SLOT'; reason: string };
}

export type WorkOrderStatus = 'active' | 'proposed' | 'expired' | 'chosen' | 'closed' | 'declined';

/** A planner's work order. */
export interface WorkOrderView<D = string> {
  id: string;
  status: WorkOrderStatus;
  channel: string;
  grabbedAt: D;
  deadlineAt: D;
  /** Dispatched by the system, not yet accepted: answer by acceptBy or it goes back. */
  offer: { acceptBy: D } | null;
  requirement: Card & { id: number; status: string };
  /** The traveler's contact, while the planner holds the slot. */
  contact: { name: string; phone: string } | null;
  proposal: { itinerary: string; priceFen: number; createdAt: D } | null;
}

/** Every refusal's body (http/errors.ts errorAnswer). */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** The field the first problem is about. */
    field?: string;
    /** Every field's problem in words (a form shows each under its input). */
    fields?: Record<string, string>;
    /** The grab rule that refused (grab refusals only). */
    rule?: number;
  };
}

/** A traveler's deposit as their trip page shows it (or why it cannot be paid this moment). */
export interface DepositView {
  status: string;
  message: string;
  amountFen?: number;
  refundedFen?: number;
  state?: { word: string; line: string };
  outTradeNo?: string;
  sandbox?: boolean;
  payParams?: { appId: string; timeStamp: string; nonceStr: string; package: string; signType: string; paySign: string };
}

/** One of a traveler's trips in their list. */
export interface TripListItem<D = string> extends Card {
  id: number;
  status: string;
  plannersWanted: number;
  planners: number;
  proposals: number;
  deposit: { status: string; word: string } | null;
  createdAt: D;
}

/** A planner's slot on a trip, as the traveler sees it. */
export interface TripWorkOrder<D = string> {
  id: string;
  status: WorkOrderStatus;
  planner: { name: string; tier: string; supplier: string };
  /** Once chosen, the traveler can call their planner. */
  contact?: { name: string; phone: string };
  grabbedAt: D;
  deadlineAt: D;
  proposal: { itinerary: string; priceFen: number; createdAt: D; depositFen: number | null } | null;
}

/** One trip, live: progress, the proposals, the deposit. */
export interface TripView<D = string> extends Card {
  id: number;
  status: string;
  plannersWanted: number;
  proposalWithinHours: number;
  slotsLeft: number;
  attention: 'no-planners' | 'flagged' | null;
  createdAt: D;
  workOrders: TripWorkOrder<D>[];
  deposit: DepositView | null;
}

/** One requirement as a candidate planner sees it: the card, what is left, their own slot, the contact while they hold it. */
export interface PlannerRequirementView<D = string> extends Card {
  id: number;
  status: string;
  wanted: number;
  slotsLeft: number;
  /** When it was released to this planner's tier (null when they only hold a slot). */
  releasedToMe: D | null;
  myWorkOrder: { id: string; status: WorkOrderStatus; deadlineAt: D } | null;
  /** Shown, not grabbable: a colleague of the same supplier holds a slot (rule 6). */
  unavailable: { code: 'SUPPLIER_HOLDS_SLOT'; reason: string } | null;
  contact: { name: string; phone: string } | null;
}

/** What is kept about a traveler (我的数据, and ops' export on request): traveler/privacy.ts builds it. */
export interface PersonalDataView<D = string> {
  generatedAt: D;
  traveler: {
    id: number;
    name: string;
    phone: string | null;
    phoneVerified: boolean;
    wechatBound: boolean;
    createdAt: D;
    erasedAt: D | null;
  };
  trips: {
    id: number;
    code: string;
    contactName: string;
    contactPhone: string;
    company: string | null;
    origin: string;
    destinations: string[];
    departDate: D;
    returnDate: D;
    adults: number;
    children: number;
    budgetFen: number;
    notes: string | null;
    status: string;
    createdAt: D;
    closedAt: D | null;
    anonymisedAt: D | null;
    planners: { planner: string; supplier: string; status: string; proposal: { priceFen: number; itinerary: string } | null }[];
    deposits: { outTradeNo: string; amountFen: number; status: string; paidAt: D | null; refundedFen: number }[];
  }[];
  /** Template messages WeChat delivered to this account. */
  messagesToYou: number;
  /** In sentences: what is kept, why, and for how long. */
  policy: string[];
}
