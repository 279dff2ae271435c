/** The event seam: what the engine publishes and what listeners receive. */
export { createEventBus, type Listening, listen } from './bus.js';
export {
  type DeadLetterView,
  deadLetters,
  discardDeadLetter,
  listDeadLetters,
  listenerLag,
  retryDeadLetter,
  waitingDeadLetters,
} from './dead-letters.js';
export { flushOutbox, republishOutbox, toOutbox } from './outbox.js';
export type { DomainEvent, EventOf, Listener } from './types.js';
