import { readFileSync, readlinkSync } from 'node:fs';
import type { InstalledApp } from './app-state';
import { releaseOfProcess } from './releases';
import { droppedLines } from './log-drops';
import { explainFailure, FAILURE_PROPS, needsExplaining, unitEvents, type Failure } from './failure';
import { numericProp, showUnits, systemctl, type Props } from './systemctl';

export interface InstanceStatus {
  instance: number;
  unit: string;
  enabled: boolean;
  activeState: string;
  subState: string;
  result: string;
  pid?: number;
  uptimeSec?: number;
  memoryBytes?: number;
  /** cgroup: MemoryCurrent=; rss: the main process's VmRSS (no cgroup memory accounting, e.g. cgroup v1). */
  memorySource?: 'cgroup' | 'rss';
  cpuNsec?: number;
  cpuSource?: 'cgroup' | 'process';
  /** TasksCurrent=: processes and threads in the instance's cgroup (needs the pids controller). */
  tasks?: number;
  restarts?: number;
  statusText: string;
  /** The release (/var/lib/nodeunit/<app>/releases/<id>) the process runs from, by its working directory. */
  release?: string;
  /** Why it is not running, or why it was restarted (failure.ts). */
  failure?: Failure;
  /** The binary it runs (node) was replaced or removed on disk since it started (an apt upgrade): a restart picks up the new one. */
  binaryReplaced?: boolean;
  /** Lines journald dropped from it this boot under its rate limit (log-drops.ts). */
  logLinesDropped?: number;
}

export interface AppStatus {
  name: string;
  targetState: string;
  ports: number[];
  balance: InstalledApp['balance'];
  instances: InstanceStatus[];
  /** What the instances run, read back from the unit's ExecStart= (node first, then options, script, the app's arguments). */
  command?: string[];
}

export const STATUS_PROPS = [
  'ActiveState',
  'SubState',
  'Result',
  'MainPID',
  'ExecMainStartTimestampMonotonic',
  'MemoryCurrent',
  'CPUUsageNSec',
  'TasksCurrent',
  'NRestarts',
  'StatusText',
];

/** Instances systemd has loaded now (running, failed, restarting), enabled or not. */
export async function loadedInstances(app: string): Promise<number[]> {
  const r = await systemctl(['list-units', '--all', '--plain', '--no-legend', '--no-pager', '--type=service', `${app}@*.service`]);
  const out: number[] = [];
  for (const line of r.stdout.split('\n')) {
    const unit = line.trim().replace(/^[●*]\s*/, '').split(/\s+/)[0] ?? '';
    const m = /@(\d+)\.service$/.exec(unit);
    if (m && unit === `${app}@${m[1]}.service`) out.push(Number(m[1]));
  }
  return out;
}

/** The kernel marks /proc/PID/exe "(deleted)" once the file it was started from is gone (replaced by a rename, as dpkg does). */
function binaryReplaced(pid: number): boolean {
  try {
    return readlinkSync(`/proc/${pid}/exe`).endsWith(' (deleted)');
  } catch {
    return false;
  }
}

/** CLOCK_MONOTONIC in µs; systemd's *TimestampMonotonic values use the same clock. */
function monotonicUsec(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function procRss(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function procCpuNsec(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ = 100 on Linux).
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10_000_000 : undefined;
  } catch {
    return undefined;
  }
}

export function instanceStatus(instance: number, unit: string, enabled: boolean, p: Props, now = monotonicUsec()): InstanceStatus {
  const pid = numericProp(p.MainPID);
  const running = p.ActiveState === 'active' || p.ActiveState === 'reloading' || p.ActiveState === 'deactivating';
  const s: InstanceStatus = {
    instance,
    unit,
    enabled,
    activeState: p.ActiveState ?? 'unknown',
    subState: p.SubState ?? '',
    result: p.Result ?? '',
    statusText: p.StatusText ?? '',
  };
  if (pid !== undefined && pid > 0) s.pid = pid;
  const started = numericProp(p.ExecMainStartTimestampMonotonic);
  if (running && started !== undefined && started > 0 && now >= started) s.uptimeSec = Math.floor((now - started) / 1e6);
  const restarts = numericProp(p.NRestarts);
  if (restarts !== undefined) s.restarts = restarts;
  const mem = numericProp(p.MemoryCurrent);
  if (mem !== undefined) {
    s.memoryBytes = mem;
    s.memorySource = 'cgroup';
  }
  const tasks = numericProp(p.TasksCurrent);
  if (tasks !== undefined) s.tasks = tasks;
  const cpu = numericProp(p.CPUUsageNSec);
  if (cpu !== undefined) {
    s.cpuNsec = cpu;
    s.cpuSource = 'cgroup';
  }
  return s;
}

export async function appStatus(app: InstalledApp): Promise<AppStatus> {
  const numbers = [...new Set([...app.instances, ...(await loadedInstances(app.name))])].sort((a, b) => a - b);
  const units = numbers.map((n) => `${app.name}@${n}.service`);
  const props = await showUnits([`${app.name}.target`, ...units], [...STATUS_PROPS, ...FAILURE_PROPS]);
  const now = monotonicUsec();
  const instances = numbers.map((n, i) => {
    const s = instanceStatus(n, units[i], app.instances.includes(n), props.get(units[i]) ?? {}, now);
    if (s.pid !== undefined && s.uptimeSec !== undefined) {
      // No cgroup accounting (cgroup v1 without MemoryAccounting): the main process's own numbers.
      if (s.memoryBytes === undefined) {
        const rss = procRss(s.pid);
        if (rss !== undefined) (s.memoryBytes = rss), (s.memorySource = 'rss');
      }
      if (binaryReplaced(s.pid)) s.binaryReplaced = true;
      if (s.cpuNsec === undefined) {
        const cpu = procCpuNsec(s.pid);
        if (cpu !== undefined) (s.cpuNsec = cpu), (s.cpuSource = 'process');
      }
      const release = releaseOfProcess(app.name, s.pid);
      if (release !== undefined) s.release = release;
    }
    return s;
  });
  const dropped = await droppedLines();
  for (const s of instances) {
    const n = dropped.get(s.unit);
    if (n !== undefined) s.logLinesDropped = n;
  }
  await Promise.all(
    instances.map(async (s) => {
      const p = props.get(s.unit) ?? {};
      if (!needsExplaining(p)) return;
      const failure = explainFailure(app.name, p, await unitEvents(s.unit), Date.now() * 1000);
      if (failure) s.failure = failure;
    }),
  );
  return {
    name: app.name,
    targetState: props.get(`${app.name}.target`)?.ActiveState ?? 'unknown',
    ports: app.ports,
    balance: app.balance,
    instances,
  };
}
