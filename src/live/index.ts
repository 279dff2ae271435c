/** Live streams to browsers (SSE): the hub of this instance, the raw stream route, and the engine-events listener. */
export { createHub, type Hub } from './hub.js';
export { liveListener } from './listener.js';
export { serveStream } from './raw.js';
export { appendForUser } from './store.js';
