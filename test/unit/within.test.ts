import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coarseTimers, deadlineQueue, within } from '../../src/infra/within.js';

const late = () => new Error('late');
const resolvesIn = <T>(ms: number, v: T) => new Promise<T>((ok) => setTimeout(() => ok(v), ms));
const never = () => new Promise<never>(() => {});

describe('within', () => {
  it('answers the value, or what it was told to once the time has passed', async () => {
    expect(await within(resolvesIn(5, 'value'), 1000, 'late')).toBe('value');
    expect(await within(resolvesIn(1000, 'value'), 20, 'late')).toBe('late');
  });
});

// The queue's clock (performance.now) and its timer are faked: deadlines are checked to the millisecond, not against CPU noise.
describe('deadlineQueue: one timer for every call in flight', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const outcome = (p: Promise<unknown>) => {
    const o: { value?: unknown; error?: string } = {};
    p.then(
      (v) => (o.value = v),
      (e: Error) => (o.error = e.message),
    );
    return o;
  };

  it('passes values and rejections through, and fails what is still waiting at its deadline, late by at most a tick', async () => {
    const by = deadlineQueue(60, late, 10);
    const quick = outcome(by(resolvesIn(5, 'quick')));
    const failed = outcome(by(Promise.reject(new Error('its own'))));
    const slow = outcome(by(never()));
    await vi.advanceTimersByTimeAsync(5);
    expect(quick).toEqual({ value: 'quick' });
    expect(failed).toEqual({ error: 'its own' });
    await vi.advanceTimersByTimeAsync(50); // 55 ms: not yet due
    expect(slow).toEqual({});
    await vi.advanceTimersByTimeAsync(15); // 70 ms: due at 60, seen by the sweep at 60 or 70
    expect(slow).toEqual({ error: 'late' });
  });

  it("maps a value in time through `then` (a throw is the call's rejection); a late value is never mapped", async () => {
    const by = deadlineQueue(60, late, 10);
    const mapped: string[] = [];
    const doubled = outcome(by(resolvesIn(5, 21), (v) => v * 2));
    const thrown = outcome(
      by(resolvesIn(5, 1), () => {
        throw new Error('mapping failed');
      }),
    );
    const tooLate = outcome(by(resolvesIn(100, 'slow'), (v) => mapped.push(v)));
    await vi.advanceTimersByTimeAsync(5);
    expect(doubled).toEqual({ value: 42 });
    expect(thrown).toEqual({ error: 'mapping failed' });
    await vi.advanceTimersByTimeAsync(100);
    expect(tooLate).toEqual({ error: 'late' });
    expect(mapped).toEqual([]);
  });

  it('each call waits its own deadline, from when it was made', async () => {
    const by = deadlineQueue(50, late, 5);
    const first = outcome(by(never()));
    await vi.advanceTimersByTimeAsync(30);
    const second = outcome(by(never()));
    await vi.advanceTimersByTimeAsync(25); // 55 ms: the first is due (50), the second (80) is not
    expect([first.error, second.error]).toEqual(['late', undefined]);
    await vi.advanceTimersByTimeAsync(30); // 85 ms
    expect(second.error).toBe('late');
  });

  it('holds no timer while nothing waits, and starts one again for the next call', async () => {
    const by = deadlineQueue(20, late, 5);
    expect(await by(Promise.resolve(1))).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(0);
    const next = outcome(by(never()));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(25);
    expect(next.error).toBe('late');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('coarseTimers: timers fired by one interval', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a wait shorter than a tick fires on time (a 1 ms reply window stays 1 ms), and can be cancelled', async () => {
    const timerIn = coarseTimers(10);
    const fired: string[] = [];
    timerIn(1, () => fired.push('1'));
    timerIn(3, () => fired.push('3')).cancel();
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual(['1']);
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toEqual(['1']);
  });

  it('fires each at its time or within a tick after, in any order set; a cancelled one never; no interval left when none waits', async () => {
    const timerIn = coarseTimers(10);
    const fired: string[] = [];
    timerIn(50, () => fired.push('50'));
    timerIn(20, () => fired.push('20'));
    const cancelled = timerIn(30, () => fired.push('30'));
    cancelled.cancel();
    await vi.advanceTimersByTimeAsync(19);
    expect(fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(11); // 30 ms
    expect(fired).toEqual(['20']);
    await vi.advanceTimersByTimeAsync(30); // 60 ms
    expect(fired).toEqual(['20', '50']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
