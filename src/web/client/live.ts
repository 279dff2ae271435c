/**
 * One long connection per browser and user, shared by all the user's tabs.
 *
 * - Leader election: the tab holding the Web Lock `live:<user>` opens the stream; the others queue
 *   on the lock, so when the leader closes (or crashes) the next tab takes over at once. Without
 *   Web Locks (old WebViews) a lease in localStorage, renewed every 2 s, does the same job.
 * - The leader passes every event to the other tabs over a BroadcastChannel and keeps the last event
 *   id in localStorage, so a new leader resumes where the old one stopped (the server replays the gap).
 * - Pop-ups: the leader knows which tabs are visible (each tab reports it) and names exactly one,
 *   the most recently seen visible tab, to show it; if none is visible the pop-up waits for the first
 *   tab that becomes visible.
 * - Reconnect: backoff.ts (quick retries, then capped full jitter).
 */
import { retryDelay } from './backoff.js';

export interface LiveEvent {
  id?: string;
  type: string;
  data: any;
}

/**
 * popup: this tab shows it (exactly one tab does) · unseen: no tab is visible, so every tab flags it
 * (the title flashes) · late: a pop-up held until a tab became visible (the page already has the event).
 */
export interface Delivery {
  popup: boolean;
  unseen: boolean;
  late?: boolean;
  /** Missed while away, replayed on (re)connecting: the page shows it only if it is still actionable. */
  replayed?: boolean;
}

export type LinkState = { kind: 'connecting' | 'open' | 'waiting' | 'signed-out'; attempt: number; retryInMs?: number };

type Msg =
  | { t: 'event'; e: LiveEvent; popupIn: string | null; replayed?: boolean }
  | { t: 'popup'; e: LiveEvent; tab: string }
  | { t: 'tab'; id: string; visible: boolean; at: number }
  | { t: 'bye'; id: string }
  | { t: 'who' }
  | { t: 'state'; s: LinkState };

const TYPES = [
  'released',
  'won',
  'offered',
  'work-order',
  'slots',
  'gone',
  'reopened',
  'broadcast',
  'requirement',
  'replaced',
  'reconnect',
  'caught-up',
];
/** What is worth a pop-up (the rest only updates the page). */
export const POPUP = new Set(['released', 'won', 'offered', 'broadcast', 'work-order', 'requirement']);
const STALE_TAB_MS = 25_000;

interface Debug {
  tab: string;
  leader: boolean;
  connects: number;
  delays: number[];
  /** How many of those waits the server chose (a `reconnect`: it is going away), not a failure. */
  told: number;
  events: LiveEvent[];
  popups: string[];
}

export class Live {
  readonly tab = Math.random().toString(36).slice(2, 10);
  private bc: BroadcastChannel;
  private leader = false;
  private es: EventSource | null = null;
  private attempt = 0;
  private timer = 0;
  private tabs = new Map<string, { visible: boolean; at: number; seen: number }>();
  private pending: LiveEvent[] = [];
  private onEvent: ((e: LiveEvent, how: Delivery) => void)[] = [];
  private onState: ((s: LinkState) => void)[] = [];
  state: LinkState = { kind: 'connecting', attempt: 0 };
  readonly debug: Debug;

  constructor(private user: string) {
    this.bc = new BroadcastChannel(`live:${user}`);
    this.debug = { tab: this.tab, leader: false, connects: 0, delays: [], told: 0, events: [], popups: [] };
    (window as any).__live = this.debug;
  }

  on(f: (e: LiveEvent, how: Delivery) => void) {
    this.onEvent.push(f);
  }

  onStateChange(f: (s: LinkState) => void) {
    this.onState.push(f);
    f(this.state);
  }

  start() {
    this.bc.onmessage = (m) => this.receive(m.data as Msg);
    const report = () => this.send({ t: 'tab', id: this.tab, visible: document.visibilityState === 'visible', at: Date.now() });
    document.addEventListener('visibilitychange', report);
    window.addEventListener('focus', report);
    window.addEventListener('pagehide', () => this.send({ t: 'bye', id: this.tab }));
    window.setInterval(report, 10_000);
    report();
    this.elect();
  }

  // --- between tabs -----------------------------------------------------------------------------

  /** To every tab, this one included (a BroadcastChannel does not echo to its sender). */
  private send(m: Msg) {
    this.bc.postMessage(m);
    this.receive(m);
  }

  private receive(m: Msg) {
    switch (m.t) {
      case 'event':
        this.deliver(m.e, {
          popup: m.popupIn === this.tab,
          unseen: m.popupIn === null && POPUP.has(m.e.type),
          ...(m.replayed ? { replayed: true } : {}),
        });
        return;
      case 'popup':
        if (m.tab === this.tab) this.deliver(m.e, { popup: true, unseen: false, late: true });
        return;
      case 'state':
        this.setState(m.s);
        return;
      case 'tab':
        if (!this.leader) return;
        this.tabs.set(m.id, { visible: m.visible, at: m.visible ? m.at : (this.tabs.get(m.id)?.at ?? 0), seen: Date.now() });
        if (m.visible && this.pending.length) {
          const waiting = this.pending.splice(0);
          for (const e of waiting) this.send({ t: 'popup', e, tab: m.id });
        }
        this.send({ t: 'state', s: this.state }); // a new tab learns how the connection is
        return;
      case 'bye':
        this.tabs.delete(m.id);
        return;
      case 'who':
        this.bc.postMessage({ t: 'tab', id: this.tab, visible: document.visibilityState === 'visible', at: Date.now() } satisfies Msg);
        return;
    }
  }

  private deliver(e: LiveEvent, how: Delivery) {
    if (!how.late) this.debug.events.push(e);
    if (how.popup) this.debug.popups.push(e.id ?? e.type);
    for (const f of this.onEvent) {
      try {
        f(e, how);
      } catch (err) {
        console.error(err);
      }
    }
  }

  private setState(s: LinkState) {
    this.state = s;
    for (const f of this.onState) f(s);
  }

  // --- election ---------------------------------------------------------------------------------

  private elect() {
    const locks = (navigator as any).locks;
    if (locks?.request) {
      // Held until this tab goes away: the promise never settles.
      locks.request(`live:${this.user}`, () => new Promise<void>(() => this.lead())).catch(() => this.leaseElection());
      return;
    }
    this.leaseElection();
  }

  /** Fallback: a lease in localStorage, taken when absent or expired, renewed by its holder. */
  private leaseElection() {
    const key = `live:leader:${this.user}`;
    const read = () => {
      try {
        return JSON.parse(localStorage.getItem(key) ?? 'null') as { id: string; until: number } | null;
      } catch {
        return null;
      }
    };
    const tick = () => {
      const l = read();
      if (!l || l.until < Date.now() || l.id === this.tab) {
        localStorage.setItem(key, JSON.stringify({ id: this.tab, until: Date.now() + 5000 }));
        // Last writer wins: look again after the others had their turn.
        window.setTimeout(() => {
          const now = read();
          if (now?.id === this.tab && !this.leader) this.lead();
          if (now?.id !== this.tab && this.leader) this.stepDown();
        }, 100);
      } else if (this.leader) this.stepDown();
    };
    window.addEventListener('pagehide', () => {
      if (read()?.id === this.tab) localStorage.removeItem(key);
    });
    tick();
    window.setInterval(tick, 2000);
  }

  private lead() {
    this.leader = true;
    this.debug.leader = true;
    this.tabs.set(this.tab, { visible: document.visibilityState === 'visible', at: Date.now(), seen: Date.now() });
    this.bc.postMessage({ t: 'who' } satisfies Msg);
    this.connect();
  }

  private stepDown() {
    this.leader = false;
    this.debug.leader = false;
    this.es?.close();
    this.es = null;
    clearTimeout(this.timer);
  }

  // --- the stream (leader only) ----------------------------------------------------------------

  private get lastKey() {
    return `live:last:${this.user}`;
  }

  private connect() {
    if (!this.leader) return;
    const last = localStorage.getItem(this.lastKey);
    const es = new EventSource(`/api/live/stream${last ? `?lastEventId=${encodeURIComponent(last)}` : ''}`);
    this.es = es;
    let replaying = true; // until the server's caught-up: the backlog missed while away
    this.debug.connects++;
    this.send({ t: 'state', s: { kind: 'connecting', attempt: this.attempt } });
    es.onopen = () => {
      this.attempt = 0;
      this.send({ t: 'state', s: { kind: 'open', attempt: 0 } });
    };
    es.onerror = () => {
      // The browser's own retry has a fixed delay; ours backs off with jitter instead.
      es.close();
      if (this.es === es) this.retry();
    };
    for (const type of TYPES) {
      es.addEventListener(type, (m) => {
        const msg = m as MessageEvent<string>;
        if (type === 'reconnect') {
          // The server is going away (a deploy): back after the wait it chose, not counted as a failure.
          es.close();
          if (this.es !== es) return;
          this.es = null;
          const delay = (JSON.parse(msg.data) as { inMs: number }).inMs;
          this.debug.delays.push(delay);
          this.debug.told++;
          this.send({ t: 'state', s: { kind: 'waiting', attempt: this.attempt, retryInMs: delay } });
          this.timer = window.setTimeout(() => this.connect(), delay);
          return;
        }
        if (type === 'caught-up') {
          replaying = false;
          return;
        }
        if (type === 'replaced') {
          // Another connection of this browser took over (a second leader in fallback mode): back off.
          es.close();
          if (this.es === es) this.retry();
          return;
        }
        const e: LiveEvent = { type, data: JSON.parse(msg.data), ...(msg.lastEventId ? { id: msg.lastEventId } : {}) };
        if (msg.lastEventId) localStorage.setItem(this.lastKey, msg.lastEventId);
        this.dispatch(e, replaying);
      });
    }
  }

  private async retry() {
    this.es = null;
    this.attempt++;
    // A stream refused for want of a session will never come back by retrying.
    const signedIn = await fetch('/api/session', { credentials: 'same-origin' }).then(
      (r) => r.status !== 401,
      () => true,
    );
    if (!signedIn) {
      this.send({ t: 'state', s: { kind: 'signed-out', attempt: this.attempt } });
      return;
    }
    const delay = retryDelay(this.attempt);
    this.debug.delays.push(delay);
    this.send({ t: 'state', s: { kind: 'waiting', attempt: this.attempt, retryInMs: delay } });
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  /** Leader: choose the one tab that pops this event up, then hand it to every tab. */
  private dispatch(e: LiveEvent, replayed: boolean) {
    let popupIn: string | null = null;
    if (POPUP.has(e.type)) {
      const now = Date.now();
      for (const [id, t] of this.tabs) if (id !== this.tab && now - t.seen > STALE_TAB_MS) this.tabs.delete(id);
      const visible = [...this.tabs].filter(([, t]) => t.visible).sort((a, b) => b[1].at - a[1].at);
      popupIn = visible[0]?.[0] ?? null;
      if (!popupIn) this.pending.push(e);
    }
    this.send({ t: 'event', e, popupIn, ...(replayed ? { replayed: true } : {}) });
  }
}
