import { describe, expect, it } from 'vitest';
import { instanceStatus } from '../../../src/system/instances.js';
import { numericProp, parseShow, parseSystemdVersion } from '../../../src/system/systemctl.js';
import { accessProblem, type Who } from '../../../src/system/users.js';
import { classify } from '../../../src/system/wait.js';

describe('systemctl show', () => {
  it('one block per unit, in order', () => {
    const out = 'Id=a@1.service\nActiveState=active\nStatusText=Ready: listening on [::]:80\n\nId=a@2.service\nActiveState=failed\n';
    expect(parseShow(out)).toEqual([
      { Id: 'a@1.service', ActiveState: 'active', StatusText: 'Ready: listening on [::]:80' },
      { Id: 'a@2.service', ActiveState: 'failed' },
    ]);
  });
  it('unset numbers (cgroup v1, no accounting) are undefined', () => {
    expect(numericProp('[not set]')).toBeUndefined();
    expect(numericProp('18446744073709551615')).toBeUndefined();
    expect(numericProp('')).toBeUndefined();
    expect(numericProp(undefined)).toBeUndefined();
    expect(numericProp('52428800')).toBe(52428800);
  });
  it('systemctl --version', () => {
    expect(parseSystemdVersion('systemd 252 (252.22-1~deb12u1)\n+PAM +AUDIT')).toBe(252);
    expect(parseSystemdVersion('systemd 247 (247.3-7)')).toBe(247);
    expect(parseSystemdVersion('nope')).toBeUndefined();
  });
});

describe('instanceStatus', () => {
  const props = {
    ActiveState: 'active',
    SubState: 'running',
    Result: 'success',
    MainPID: '140',
    ExecMainStartTimestampMonotonic: '5000000',
    MemoryCurrent: '[not set]',
    CPUUsageNSec: '[not set]',
    NRestarts: '2',
    StatusText: 'Ready',
  };
  it('uptime from the monotonic clock; unset accounting stays unset', () => {
    const s = instanceStatus(1, 'a@1.service', true, props, 65_000_000);
    expect(s).toMatchObject({ pid: 140, uptimeSec: 60, restarts: 2, statusText: 'Ready' });
    expect(s.memoryBytes).toBeUndefined();
    expect(s.cpuNsec).toBeUndefined();
  });
  it('an inactive instance has no pid or uptime', () => {
    const s = instanceStatus(2, 'a@2.service', true, { ...props, ActiveState: 'inactive', SubState: 'dead', MainPID: '0', MemoryCurrent: '1024' }, 65_000_000);
    expect(s.pid).toBeUndefined();
    expect(s.uptimeSec).toBeUndefined();
    expect(s.memoryBytes).toBe(1024);
  });
});

describe('classify (waiting for READY=1)', () => {
  it.each([
    [{ ActiveState: 'active', SubState: 'running' }, false, 'ready'],
    [{ ActiveState: 'active', SubState: 'running' }, true, 'starting'], // a restart job not done yet
    [{ ActiveState: 'activating', SubState: 'start' }, true, 'starting'],
    [{ ActiveState: 'activating', SubState: 'auto-restart' }, false, 'failed'],
    [{ ActiveState: 'failed', SubState: 'failed' }, false, 'failed'],
    [{ ActiveState: 'inactive', SubState: 'dead' }, true, 'starting'],
    [{ ActiveState: 'inactive', SubState: 'dead' }, false, 'failed'], // e.g. its socket failed: the job is gone
  ] as const)('%o job=%s -> %s', (p, job, phase) => {
    expect(classify(p, job)).toBe(phase);
  });
});

describe('accessProblem', () => {
  type Entry = { uid: number; gid: number; mode: number; dir?: boolean };
  const tree: Record<string, Entry> = {
    '/': { uid: 0, gid: 0, mode: 0o755, dir: true },
    '/srv': { uid: 0, gid: 0, mode: 0o755, dir: true },
    '/srv/app': { uid: 1000, gid: 1000, mode: 0o750, dir: true },
    '/srv/app/index.js': { uid: 1000, gid: 1000, mode: 0o640 },
    '/srv/pub': { uid: 0, gid: 0, mode: 0o755, dir: true },
    '/srv/pub/index.js': { uid: 0, gid: 0, mode: 0o644 },
    '/srv/pub/secret.js': { uid: 0, gid: 0, mode: 0o600 },
  };
  const stat = (p: string) => {
    const e = tree[p];
    if (!e) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return { ...e, isDirectory: () => e.dir === true };
  };
  const other: Who = { kind: 'other' };
  it('world-readable files are fine for anyone', () => {
    expect(accessProblem('/srv/pub/index.js', other, stat)).toBeUndefined();
  });
  it('a 0600 root file is not readable by a new or dynamic user', () => {
    expect(accessProblem('/srv/pub/secret.js', other, stat)).toBe('/srv/pub/secret.js is not readable');
  });
  it('a directory without x for others stops them; the owner and group pass', () => {
    expect(accessProblem('/srv/app/index.js', other, stat)).toBe('directory /srv/app is not searchable');
    expect(accessProblem('/srv/app/index.js', { kind: 'user', uid: 1000, gids: [1000] }, stat)).toBeUndefined();
    expect(accessProblem('/srv/app/index.js', { kind: 'user', uid: 1001, gids: [1000] }, stat)).toBeUndefined();
    expect(accessProblem('/srv/app/index.js', { kind: 'root' }, stat)).toBeUndefined();
  });
  it('missing', () => {
    expect(accessProblem('/srv/none.js', other, stat)).toBe('/srv/none.js does not exist');
  });
});
