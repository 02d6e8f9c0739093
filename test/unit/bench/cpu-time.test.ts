import { describe, expect, it } from 'vitest';
import { perRequest, readCpuTimes } from '../../../bench/lib/cpu-time';

// /proc/stat in the kernel's layout: the cpu line as read on this machine (2 CPUs), the per-CPU lines made up.
// Fields past steal are guest time, already inside user.
const STAT = `cpu  24587 0 12837 3466505 1644 0 1708 3913 0 0
cpu0 12000 0 6400 1733000 800 0 900 2000 0 0
cpu1 12587 0 6437 1733505 844 0 808 1913 0 0
intr 1 2 3
`;

describe('readCpuTimes', () => {
  it('busy is user + nice + system + irq + softirq; total adds idle, iowait and steal, in seconds', () => {
    const t = readCpuTimes(STAT)!;
    expect(t.busy).toBeCloseTo((24587 + 12837 + 1708) / 100, 6);
    expect(t.total).toBeCloseTo((24587 + 12837 + 1708 + 3466505 + 1644 + 3913) / 100, 6);
  });
  it('no cpu line, too few fields or one not a number: undefined', () => {
    expect(readCpuTimes('cpu0 1 2 3 4 5 6 7 8\n')).toBeUndefined();
    expect(readCpuTimes('cpu  1 2 3 4\n')).toBeUndefined();
    expect(readCpuTimes('cpu  1 2 3 x 5 6 7 8\n')).toBeUndefined();
  });
});

describe('perRequest', () => {
  const before = { busy: 100, total: 1000 };
  it('splits the busy time into the load generator and the rest, per request', () => {
    // 3 s on 2 CPUs (6 s in all), 5.4 s busy, 2.4 s of it the client's; 30,000 requests.
    const r = perRequest(before, { busy: 105.4, total: 1006 }, 2.4e6, 30_000)!;
    expect(r.clientUs).toBeCloseTo(80, 6);
    expect(r.restUs).toBeCloseTo(100, 6);
    expect(r.busy).toBeCloseTo(0.9, 6);
  });
  it('a client that used more than the machine counted (rounding at the tick) leaves 0 for the rest, not less', () => {
    expect(perRequest(before, { busy: 101, total: 1006 }, 1.2e6, 1000)!.restUs).toBe(0);
  });
  it('nothing answered, a reading missing or no time passed: undefined', () => {
    expect(perRequest(before, { busy: 105, total: 1006 }, 1e6, 0)).toBeUndefined();
    expect(perRequest(undefined, { busy: 105, total: 1006 }, 1e6, 10)).toBeUndefined();
    expect(perRequest(before, { busy: 105, total: 1006 }, undefined, 10)).toBeUndefined();
    expect(perRequest(before, before, 1e6, 10)).toBeUndefined();
  });
});
