/** Template messages: recorded, queued, sent at WeChat's pace; the engine-events listener that decides them. */
export {
  createNotifier,
  NOTIFY_QUEUE,
  NOTIFY_RESUME_QUEUE,
  notifyPause,
  resumeNotify,
  type NotifyPause,
  recordDelivery,
  recordSent,
  startNotifyWorker,
  deliveryReport,
  type Notifier,
  type Outgoing,
} from './notifier.js';
export { loadTemplates, render, templateIdOf, type Template } from './templates.js';
export { notificationsListener } from './listener.js';
export { fitValue, invalidValue, typeOf } from './values.js';
