/**
 * Where the CPU time of a load run went: the whole machine's, from the
 * first line of /proc/stat (proc(5), "/proc/stat"), and the load
 * generator's own (process.cpuUsage() in bench/load.cjs). What is left is
 * the servers', their manager's (pm2's daemon) and the kernel's work done
 * outside the load generator's own time (softirq: much of the loopback
 * network stack). Shown beside keep-alive throughput because on a machine
 * whose CPUs are all busy, req/s is about the busy CPU time divided by the
 * CPU time each request costs, client and servers together: a contender
 * that costs the same per request cannot serve more.
 *
 * readCpuTimes(text): the "cpu" line's fields in seconds, USER_HZ being 100
 * on every Linux architecture the project builds for (proc(5)):
 *   busy  = user + nice + system + irq + softirq
 *   total = busy + idle + iowait + steal (steal: time the hypervisor
 *           gave to someone else, not this machine's work)
 *   - no "cpu " line, fewer than 8 fields or one not a number -> undefined
 * machineCpuTimes(): readCpuTimes of this machine's /proc/stat now.
 * perRequest(before, after, clientUs, requests): µs per request of the load
 * generator and of the rest, and the fraction of all CPUs busy:
 *   - requests 0, a missing reading, or no time passed -> undefined
 */
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  busy: number;
  total: number;
}

export interface CpuPerRequest {
  /** The load generator's CPU time per answered request, µs. */
  clientUs: number;
  /** Everything else that ran on the machine meanwhile, per answered request, µs. */
  restUs: number;
  /** Fraction of all CPUs' time that was busy (0..1). */
  busy: number;
}

const USER_HZ = 100;

export function readCpuTimes(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 8 || f.slice(0, 8).some((x) => !Number.isFinite(x))) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq;
  return { busy: busy / USER_HZ, total: (busy + idle + iowait + steal) / USER_HZ };
}

export const machineCpuTimes = (): CpuTimes | undefined => readCpuTimes(readFileSync('/proc/stat', 'utf8'));

export function perRequest(before: CpuTimes | undefined, after: CpuTimes | undefined, clientUs: number | undefined, requests: number): CpuPerRequest | undefined {
  if (!before || !after || clientUs === undefined || !(requests > 0)) return undefined;
  const total = after.total - before.total;
  if (!(total > 0)) return undefined;
  const busySec = after.busy - before.busy;
  return {
    clientUs: clientUs / requests,
    restUs: Math.max(0, busySec * 1e6 - clientUs) / requests,
    busy: busySec / total,
  };
}
