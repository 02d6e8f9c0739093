import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { createStatus, formatAddress, readyText, REFRESH_MS } = requirePreload('./status.cjs');

describe('formatAddress', () => {
  it.each([
    [{ address: '::', family: 'IPv6', port: 8080 }, '[::]:8080'],
    [{ address: '127.0.0.1', family: 'IPv4', port: 80 }, '127.0.0.1:80'],
    ['/run/app.sock', '/run/app.sock'],
  ])('%j -> %s', (address, text) => expect(formatAddress(address)).toBe(text));
});

describe('createStatus', () => {
  it('sends READY=1 with where the app listens, then refreshes with memory and loop delay', () => {
    const sent: Record<string, unknown>[] = [];
    let tick: (() => void) | undefined;
    const status = createStatus({
      notifier: { enabled: true, send: (f: Record<string, unknown>) => sent.push(f) },
      perfHooks: { monitorEventLoopDelay: () => ({ enable() {}, reset() {}, percentile: () => 22_340_000 }) },
      memoryUsage: { rss: () => 45 * 1048576 },
      timers: {
        setInterval: (fn: () => void, ms: number) => {
          expect(ms).toBe(REFRESH_MS);
          tick = fn;
          return { unref() {} };
        },
      },
    });
    status.waiting('listen');
    status.addServer({ address: () => ({ address: '::', family: 'IPv6', port: 8080 }) });
    status.ready();
    tick!();
    expect(sent).toEqual([
      { STATUS: 'Starting: waiting for the app to listen (--ready=listen)' },
      { READY: 1, STATUS: 'Ready: listening on [::]:8080' },
      { STATUS: 'Ready: listening on [::]:8080 · rss 45 MB · loop p99 2.3 ms' },
    ]);
  });

  it('says when the app is ready without listening', () => {
    expect(readyText([], null)).toBe('Ready: not listening');
  });
});
