/** Template messages: recorded, queued, sent at WeChat's pace; the engine-events listener that decides them. */
export {
  createNotifier,
  NOTIFY_QUEUE,
  NOTIFY_RESUME_QUEUE,
  notifyPause,
  resumeNotify,
  recordDelivery,
  recordSent,
  startNotifyWorker,
  deliveryReport,
} from './notifier.js';
export { loadTemplates, render, templateIdOf } from './templates.js';
export { notificationsListener } from './listener.js';
export { invalidValue } from './values.js';
