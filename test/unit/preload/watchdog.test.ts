import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { watchdogPeriodUsec, startWatchdog } = requirePreload('./watchdog.cjs');

describe('watchdogPeriodUsec', () => {
  it.each([
    [{}, 0, 'watchdog off'],
    [{ WATCHDOG_USEC: '10000000' }, 10_000_000, 'no WATCHDOG_PID: ours'],
    [{ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '42' }, 10_000_000, 'our PID'],
    [{ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '43' }, 0, 'another PID'],
    [{ WATCHDOG_USEC: '10000000', WATCHDOG_PID: 'x' }, 0, 'malformed PID'],
    [{ WATCHDOG_USEC: '0' }, 0, 'zero'],
    [{ WATCHDOG_USEC: '10s' }, 0, 'malformed value'],
    [{ WATCHDOG_USEC: '-5' }, 0, 'negative'],
  ])('%j -> %d (%s)', (env, usec, _why) => expect(watchdogPeriodUsec(env, 42)).toBe(usec));
});

describe('startWatchdog', () => {
  it('pings at once and then every half period, from an unref-ed timer', () => {
    const sent: unknown[] = [];
    const timers: { ms?: number; fn?: () => void; unrefed: boolean } = { unrefed: false };
    const fake = {
      setInterval: (fn: () => void, ms: number) => {
        timers.fn = fn;
        timers.ms = ms;
        return { unref: () => (timers.unrefed = true) };
      },
      clearInterval: () => {},
    };
    startWatchdog({ send: (f: unknown) => sent.push(f) }, 10_000_000, fake);
    expect(timers.ms).toBe(5000);
    expect(timers.unrefed).toBe(true);
    timers.fn!();
    expect(sent).toEqual([{ WATCHDOG: 1 }, { WATCHDOG: 1 }]);
  });
  it('does nothing when the watchdog is off', () => {
    const sent: unknown[] = [];
    startWatchdog({ send: (f: unknown) => sent.push(f) }, 0);
    expect(sent).toEqual([]);
  });
});
