/** Template messages: recorded, queued, sent at WeChat's pace; the engine-events listener that decides them. */

export { notificationsListener } from './listener.js';
export {
  createNotifier,
  deliveryReport,
  NOTIFY_QUEUE,
  NOTIFY_RESUME_QUEUE,
  notifyPause,
  recordDelivery,
  recordSent,
  resumeNotify,
  startNotifyWorker,
} from './notifier.js';
export { loadTemplates, render, templateIdOf } from './templates.js';
export { invalidValue } from './values.js';
