/**
 * Template messages as a listener of engine events: which moment sends which message to whom
 * (notify/messages.ts). Each message's id says what and to whom, so an event handled twice queues
 * each message once.
 */
import type { Ctx } from '../context.js';
import type { Listener } from '../events/index.js';
import {
  notifyChosen,
  notifyClosed,
  notifyExpired,
  notifyPaid,
  notifyProposal,
  notifyProposalDue,
  notifyRefund,
  notifyReleased,
  notifyUnconfirmed,
  notifyWon,
} from './messages.js';

export function notificationsListener(ctx: Ctx): Listener {
  return {
    name: 'notifications',
    applicableEvents: [
      'released',
      'grabbed',
      'dispatched',
      'expired',
      'proposal',
      'proposal-due',
      'chosen',
      'paid',
      'refund',
      'closed',
      'unconfirmed',
    ],
    concurrency: 16, // each event is its own messages: order between events does not matter
    async handle(e) {
      switch (e.type) {
        case 'released':
          await notifyReleased(ctx, e.requirementId, e.tier, e.plannerIds);
          return;
        case 'grabbed':
          await notifyWon(ctx, e.workOrderId);
          return;
        case 'dispatched':
          await notifyWon(ctx, e.workOrderId, e.byOps === true);
          return;
        case 'expired':
          // A missed deadline is news to the planner; a declined or unanswered offer is their own doing.
          if (e.why === 'deadline') await notifyExpired(ctx, e.workOrderId);
          return;
        case 'proposal':
          await notifyProposal(ctx, e.workOrderId);
          return;
        case 'proposal-due':
          await notifyProposalDue(ctx, e.workOrderId);
          return;
        case 'chosen':
          await notifyChosen(ctx, e.requirementId);
          return;
        case 'closed':
          await notifyClosed(ctx, e.requirementId, e.workOrders);
          return;
        case 'paid':
          await notifyPaid(ctx, e.requirementId, e.workOrderId, e.outTradeNo, e.amountFen);
          return;
        case 'refund':
          await notifyRefund(ctx, e);
          return;
        case 'unconfirmed':
          await notifyUnconfirmed(ctx, e);
          return;
      }
    },
  };
}
