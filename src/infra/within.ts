/** A promise's value, or `late` once `ms` have passed (its timer cleared either way). A rejection passes through. */
export function within<T, L>(p: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<L>((ok) => {
      timer = setTimeout(() => ok(late), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * For a hot path: `work`'s value (passed through `then`, when given), or `late()` as its rejection
 * once about `ms` have passed, on `coarseTimers` (one interval for every call in flight, not a timer
 * and a race each: a storm's grabs would otherwise each arm and clear one, a visible share of a
 * refused grab's CPU). `then` runs only on a value in time, inside this one promise: no `.then`
 * after it, which would be another promise and another turn of the microtask queue per call.
 */
export function deadlineQueue(ms: number, late: () => Error, tickMs = 100) {
  const timerIn = coarseTimers(tickMs);
  function withinDeadline<T>(work: Promise<T>): Promise<T>;
  function withinDeadline<T, U>(work: Promise<T>, then: (value: T) => U): Promise<U>;
  function withinDeadline<T, U>(work: Promise<T>, then?: (value: T) => U): Promise<T | U> {
    return new Promise<T | U>((ok, fail) => {
      let wasLate = false;
      const timer = timerIn(ms, () => {
        wasLate = true;
        fail(late());
      });
      work.then(
        (value) => {
          timer.cancel();
          if (!then) return ok(value);
          if (wasLate) return; // answered UNAVAILABLE already: not mapped
          try {
            ok(then(value));
          } catch (err) {
            fail(err);
          }
        },
        (err: unknown) => {
          timer.cancel();
          fail(err);
        },
      );
    });
  }
  return withinDeadline;
}

/** A timer of `coarseTimers`: cancel() before it fires and it never does. */
export interface CoarseTimer {
  cancel(): void;
}

/** A pending coarse timer; cancelled or fired, it is `done` and the next sweep drops it. */
class Pending implements CoarseTimer {
  done = false;
  constructor(
    readonly at: number,
    readonly fire: () => void,
  ) {}
  cancel(): void {
    this.done = true;
  }
}

/**
 * Timers for a hot path, fired by one interval of `tickMs` (running only while one is pending)
 * instead of one node timer each: `after(ms, fire)` fires between `ms` and `ms + tickMs` from now
 * (a wait shorter than a tick gets a timer of its own, and fires on time).
 * Each sweep looks at every pending timer, so their times need not come in order. A timer is one
 * small object pushed on a list and cancelled by a flag (no closure, no Set's hashing per request):
 * the sweep drops what is done.
 */
export function coarseTimers(tickMs: number): (ms: number, fire: () => void) => CoarseTimer {
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = performance.now();
    const due: Pending[] = [];
    const kept: Pending[] = [];
    for (const t of pending) if (!t.done) (t.at <= now ? due : kept).push(t);
    pending = kept;
    if (!pending.length) {
      clearInterval(timer);
      timer = undefined;
    }
    for (const t of due) {
      if (t.done) continue; // cancelled by one fired before it
      t.done = true;
      t.fire();
    }
  };
  return (ms, fire) => {
    if (ms < tickMs) {
      // Shorter than a tick (a request that arrived late already, a test's 1 ms window): to the millisecond.
      const own = setTimeout(fire, ms);
      return { cancel: () => clearTimeout(own) };
    }
    const t = new Pending(performance.now() + ms, fire);
    pending.push(t);
    timer ??= setInterval(sweep, tickMs);
    return t;
  };
}
