/**
 * Status figures from what systemd really says, per cgroup layout: the
 * show-*.txt files were recorded from the e2e containers by record.ts
 * (instance 1 of an enabled app, systemd 247/252/257). On this host no
 * memory or pids controller is delegated to the containers, so
 * MemoryCurrent and TasksCurrent are "[not set]" in every recording;
 * CPUUsageNSec is set on cgroup v2 (cpu.stat exists in every v2 cgroup) and
 * not on the hybrid layout. The last case is a host that delegates them all
 * (what a systemd host on cgroup v2 has by default); it is constructed, not
 * recorded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instanceStatus } from '../../../src/system/instances.js';
import { parseShow } from '../../../src/system/systemctl.js';

const dir = join(import.meta.dirname, 'recorded');
const recorded = (name: string) => {
  const text = readFileSync(join(dir, `show-${name}.txt`), 'utf8');
  return parseShow(text.split('\n').filter((l) => !l.startsWith('#')).join('\n'))[0];
};

describe('instanceStatus from recorded systemctl show output', () => {
  it('there is a recording of both layouts', () => {
    const files = readdirSync(dir).filter((f) => f.startsWith('show-'));
    expect(files).toEqual(expect.arrayContaining(['show-trixie-v2.txt', 'show-bookworm-v2.txt', 'show-bullseye-v2.txt', 'show-bookworm-hybrid.txt']));
  });

  it.each(['trixie-v2', 'bookworm-v2', 'bullseye-v2'])('%s: CPU from the cgroup; memory and tasks left to the fallback', (name) => {
    const p = recorded(name);
    const s = instanceStatus(1, 'rec@1.service', true, p, Number(p.ExecMainStartTimestampMonotonic) + 5e6);
    expect(s).toMatchObject({ activeState: 'active', pid: Number(p.MainPID), uptimeSec: 5, restarts: 0, cpuSource: 'cgroup' });
    expect(s.cpuNsec).toBe(Number(p.CPUUsageNSec));
    expect(s.cpuNsec).toBeGreaterThan(0);
    // appStatus() then reads the main process's VmRSS: the "MEMORY*" column.
    expect(s.memoryBytes).toBeUndefined();
    expect(s.memorySource).toBeUndefined();
    expect(s.tasks).toBeUndefined();
  });

  it('bookworm-hybrid: no cgroup figures at all; CPU and memory are left to the fallback', () => {
    const p = recorded('bookworm-hybrid');
    const s = instanceStatus(1, 'rec@1.service', true, p, Number(p.ExecMainStartTimestampMonotonic));
    expect(s).toMatchObject({ activeState: 'active', pid: Number(p.MainPID), uptimeSec: 0 });
    expect(s.cpuNsec).toBeUndefined();
    expect(s.cpuSource).toBeUndefined();
    expect(s.memoryBytes).toBeUndefined();
    expect(s.tasks).toBeUndefined();
  });

  it('a host that delegates memory and pids (constructed): every figure from the cgroup', () => {
    const p = { ...recorded('trixie-v2'), MemoryCurrent: '48234496', TasksCurrent: '11' };
    const s = instanceStatus(1, 'rec@1.service', true, p);
    expect(s).toMatchObject({ memoryBytes: 48234496, memorySource: 'cgroup', tasks: 11, cpuSource: 'cgroup' });
  });
});
