/**
 * The engine's domain events: what happened to a requirement, said once, whoever listens. Each
 * event's id is derived from what it is about (the same grab replayed is the same event), so a
 * listener that has handled an id ignores it the next time: publishing twice is harmless.
 */
import type { Tier } from '../config.js';

type Body =
  | { type: 'released'; requirementId: number; tier: Tier; plannerIds: number[] }
  | { type: 'grabbed'; requirementId: number; plannerId: number; workOrderId: string; slotsLeft: number }
  /** byOps: ops chose the planner by hand (else the fallback, nobody having grabbed it). */
  | { type: 'dispatched'; requirementId: number; plannerId: number; workOrderId: string; byOps?: boolean }
  | { type: 'full'; requirementId: number; plannerIds: number[] }
  | {
      type: 'expired';
      requirementId: number;
      plannerId: number;
      workOrderId: string;
      reopened: boolean;
      /** deadline: no proposal in time; declined/unanswered: a dispatched offer given back. */
      why: 'deadline' | 'declined' | 'unanswered';
    }
  | { type: 'proposal'; requirementId: number; plannerId: number; workOrderId: string }
  | { type: 'proposal-due'; requirementId: number; plannerId: number; workOrderId: string }
  | { type: 'flagged'; requirementId: number; slotsLeft: number }
  /** A win answered "being confirmed" that could not be kept (Redis lost it, the slot went to another): its planner is told. */
  | { type: 'unconfirmed'; requirementId: number; plannerId: number; workOrderId: string; code: string }
  /** Ops closed it (or re-opened it): the work orders that were running end with it. */
  | { type: 'closed'; requirementId: number; reason: string; workOrders: { workOrderId: string; plannerId: number }[] }
  | { type: 'reopened'; requirementId: number }
  /** The traveler paid the deposit for the chosen proposal (WeChat Pay). */
  | { type: 'paid'; requirementId: number; workOrderId: string; plannerId: number; outTradeNo: string; amountFen: number }
  /** A refund of the deposit ended: back with the traveler, refused, closed, or stuck on the way (abnormal: money left us, did not arrive). */
  | {
      type: 'refund';
      requirementId: number;
      workOrderId: string;
      plannerId: number;
      outRefundNo: string;
      amountFen: number;
      outcome: 'success' | 'abnormal' | 'closed' | 'refused';
      /** Of the deposit, after this refund: all of it back with the traveler. */
      whole: boolean;
    }
  | {
      type: 'chosen';
      requirementId: number;
      workOrderId: string;
      plannerId: number;
      others: { workOrderId: string; plannerId: number }[];
    };

/** An event as published: the body, when it happened, and its id. */
export type DomainEvent = Body & { id: string; at: number };
export type EventType = DomainEvent['type'];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;

/** What a publisher passes: the id is derived here, the one place that says what makes two events the same. */
export type NewEvent = Body & { at: number };

export function eventId(e: NewEvent): string {
  switch (e.type) {
    case 'released':
      return `released:r${e.requirementId}:${e.tier}`;
    case 'full':
    case 'flagged':
    case 'closed':
    case 'reopened':
      // Both can happen again after a re-open: the moment tells them apart.
      return `${e.type}:r${e.requirementId}:${e.at}`;
    case 'chosen':
      return `chosen:r${e.requirementId}`;
    case 'paid':
      return `paid:${e.outTradeNo}`;
    case 'refund':
      return `refund:${e.outRefundNo}`;
    default:
      return `${e.type}:${e.workOrderId}`;
  }
}

export function withId(e: NewEvent): DomainEvent {
  return { ...e, id: eventId(e) } as DomainEvent;
}

/**
 * A listener: a capability's reaction to engine events, registered at boot. It declares the
 * events it handles; it must be idempotent in effect (the bus skips ids it has finished, but a
 * crash between its work and that mark runs it again).
 */
export interface Listener {
  name: string;
  applicableEvents: readonly EventType[];
  /** How many events it may handle at once (default 1: in stream order). */
  concurrency?: number;
  /** Events with the same key are handled in stream order, one at a time; different keys at once (up to `concurrency`). */
  orderBy?: (e: DomainEvent) => string | number;
  handle(e: DomainEvent): Promise<void>;
}
