import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { readSettings, CONSUMED } = requirePreload('./settings.cjs');

describe('readSettings', () => {
  it('has sensible defaults outside systemd', () => {
    expect(readSettings({}, 42)).toEqual({
      notifyFd: undefined,
      ready: 'listen',
      drainTimeoutMs: 10_000,
      adopt: true,
      watchdogUsec: 0,
      fds: [],
      instances: 1,
      cpuShare: true,
    });
  });
  it('reads what the launcher and systemd set', () => {
    const env = {
      NODEUNIT_NOTIFY_FD: '5',
      NODEUNIT_READY: 'manual',
      NODEUNIT_DRAIN_TIMEOUT: '2.5',
      NODEUNIT_ADOPT: '0',
      WATCHDOG_USEC: '4000000',
      LISTEN_PID: '42',
      LISTEN_FDS: '1',
      NODEUNIT_INSTANCES: '4',
      NODEUNIT_CPU_SHARE: '0',
    };
    expect(readSettings(env, 42)).toEqual({
      notifyFd: 5,
      ready: 'manual',
      drainTimeoutMs: 2500,
      adopt: false,
      watchdogUsec: 4_000_000,
      fds: [{ fd: 3, name: 'unknown' }],
      instances: 4,
      cpuShare: false,
    });
  });
  it('falls back to defaults on malformed values', () => {
    const s = readSettings({ NODEUNIT_READY: 'soon', NODEUNIT_DRAIN_TIMEOUT: 'ten', NODEUNIT_INSTANCES: '0' }, 42);
    expect(s.ready).toBe('listen');
    expect(s.instances).toBe(1);
    expect(s.drainTimeoutMs).toBe(10_000);
    expect(readSettings({ NODEUNIT_CPU_SHARE: 'no' }, 42).cpuShare).toBe(true); // only 0 turns it off
  });
  it('consumes the systemd and nodeunit variables, but not NODEUNIT_INSTANCE', () => {
    expect(CONSUMED).toEqual(expect.arrayContaining(['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID', 'LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES']));
    expect(CONSUMED).not.toContain('NODEUNIT_INSTANCE');
    expect(CONSUMED).toContain('NODEUNIT_CPU_SHARE');
  });
});
