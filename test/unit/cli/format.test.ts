import { describe, expect, it } from 'vitest';
import { formatAppStatus, formatBytes, formatCpu, formatDuration, statusJson, table } from '../../../src/cli/format.js';
import { journalctlArgs } from '../../../src/cli/logs.js';
import { scalePlan } from '../../../src/cli/scale.js';
import type { AppStatus } from '../../../src/system/instances.js';

describe('numbers', () => {
  it('durations', () => {
    expect(formatDuration(undefined)).toBe('-');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h07m');
    expect(formatDuration(2 * 86400 + 5 * 3600)).toBe('2d05h');
  });
  it('bytes', () => {
    expect(formatBytes(undefined)).toBe('-');
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1536)).toBe('1.5K');
    expect(formatBytes(52 * 1024 * 1024)).toBe('52M');
  });
  it('cpu', () => {
    expect(formatCpu(undefined)).toBe('-');
    expect(formatCpu(170_000_000)).toBe('170ms');
    expect(formatCpu(2_500_000_000)).toBe('2.5s');
    expect(formatCpu(125e9)).toBe('2m05s');
  });
  it('table', () => {
    expect(table([['A', 'BB', 'C'], ['aaa', 'b', '']])).toEqual(['A    BB  C', 'aaa  b']);
  });
});

const app: AppStatus = {
  name: 'web',
  targetState: 'active',
  ports: [8080],
  balance: 'shared',
  instances: [
    { instance: 1, unit: 'web@1.service', enabled: true, activeState: 'active', subState: 'running', result: 'success', pid: 140, uptimeSec: 75, memoryBytes: 52428800, memorySource: 'cgroup', cpuNsec: 170e6, cpuSource: 'cgroup', restarts: 0, statusText: 'Ready: listening on [::]:8080' },
    { instance: 2, unit: 'web@2.service', enabled: true, activeState: 'activating', subState: 'auto-restart', result: 'exit-code', restarts: 3, statusText: '' },
    { instance: 3, unit: 'web@3.service', enabled: false, activeState: 'failed', subState: 'failed', result: 'exit-code', statusText: '' },
  ],
};

describe('status', () => {
  it('a table per app', () => {
    expect(formatAppStatus(app)).toBe(
      [
        'web: 1/3 instances running, port 8080 (web.target active)',
        '  INSTANCE             STATE                      PID  UPTIME  MEMORY  CPU    RESTARTS  STATUS',
        '  web@1                running                    140  1m15s   50M     170ms  0         Ready: listening on [::]:8080',
        '  web@2                activating (auto-restart)  -    -       -       -      3         -',
        '  web@3 (not enabled)  failed                     -    -       -       -      -         -',
        '',
      ].join('\n'),
    );
  });
  it('marks memory that is the main process RSS (no cgroup accounting)', () => {
    const rss = { ...app, instances: [{ ...app.instances[0], memorySource: 'rss' as const }] };
    expect(formatAppStatus(rss)).toMatch(/MEMORY\*/);
    expect(formatAppStatus(rss)).toMatch(/\* resident memory of the main process/);
  });
  it('json: unknowns are null', () => {
    const json = statusJson([app]) as { apps: Array<{ instances: Array<Record<string, unknown>> }> };
    expect(json.apps[0].instances[1]).toMatchObject({ instance: 2, state: 'activating', pid: null, memoryBytes: null, restarts: 3 });
  });
});

describe('logs', () => {
  it('all instances, the target and the sockets, last 100 lines by default', () => {
    expect(journalctlArgs({ name: 'web' }, ['web-8080.socket'])).toEqual(['--no-pager', '-u', 'web@*.service', '-u', 'web.target', '-u', 'web-8080.socket', '-n', '100']);
  });
  it('one instance, follow, json, since', () => {
    expect(journalctlArgs({ name: 'web', instance: '2', follow: true, json: true, since: '10 min ago' })).toEqual([
      '--no-pager', '-u', 'web@2.service', '--since', '10 min ago', '-f', '-o', 'json',
    ]);
    expect(journalctlArgs({ name: 'web', lines: '5' })).toContain('5');
  });
  it('rejects a bad name, instance or line count', () => {
    expect(() => journalctlArgs({ name: 'a/b' })).toThrow(/'\/'/);
    expect(() => journalctlArgs({ name: 'web', instance: '0' })).toThrow(/1-256/);
    expect(() => journalctlArgs({ name: 'web', lines: 'all' })).toThrow(/-n/);
  });
});

describe('scalePlan', () => {
  it('adds the missing numbers up to N', () => {
    expect(scalePlan([1, 2], 4)).toEqual({ add: [3, 4], remove: [] });
    expect(scalePlan([1, 3], 3)).toEqual({ add: [2], remove: [] });
  });
  it('removes the highest-numbered first', () => {
    expect(scalePlan([1, 2, 3, 4, 5, 6], 2)).toEqual({ add: [], remove: [6, 5, 4, 3] });
  });
  it('nothing to do', () => {
    expect(scalePlan([1, 2], 2)).toEqual({ add: [], remove: [] });
  });
});
