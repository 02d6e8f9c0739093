import { shellQuote } from './shell-quote';
import type { AppStatus, InstanceStatus } from '../system/instances';

export function formatDuration(sec: number | undefined): string {
  if (sec === undefined) return '-';
  if (sec < 60) return `${sec}s`;
  if (sec < 3600) return `${Math.floor(sec / 60)}m${String(sec % 60).padStart(2, '0')}s`;
  if (sec < 86400) return `${Math.floor(sec / 3600)}h${String(Math.floor((sec % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(sec / 86400)}d${String(Math.floor((sec % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

export function formatCpu(nsec: number | undefined): string {
  if (nsec === undefined) return '-';
  const ms = nsec / 1e6;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  return formatDuration(Math.floor(s));
}

export function stateText(i: Pick<InstanceStatus, 'activeState' | 'subState'>): string {
  if (i.activeState === 'active' && i.subState === 'running') return 'running';
  if (i.subState === '' || i.subState === i.activeState) return i.activeState;
  return `${i.activeState} (${i.subState})`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

export function formatAppStatus(app: AppStatus): string {
  const ready = app.instances.filter((i) => i.activeState === 'active').length;
  const ports = app.ports.length ? `, port${app.ports.length > 1 ? 's' : ''} ${app.ports.join(', ')}${app.balance === 'reuseport' ? ' (reuseport)' : ''}` : '';
  const lines = [`${app.name}: ${ready}/${app.instances.length} instances running${ports} (${app.name}.target ${app.targetState})`];
  if (app.command) lines.push(`  command: ${app.command.map(shellQuote).join(' ')}`);
  if (app.instances.length === 0) return lines.join('\n') + '\n';
  const rss = app.instances.some((i) => i.memorySource === 'rss');
  const releases = app.instances.some((i) => i.release !== undefined);
  const rows = [['INSTANCE', 'STATE', 'PID', 'UPTIME', rss ? 'MEMORY*' : 'MEMORY', 'CPU', 'RESTARTS', ...(releases ? ['RELEASE'] : []), 'STATUS']];
  for (const i of app.instances) {
    rows.push([
      `${app.name}@${i.instance}${i.enabled ? '' : ' (not enabled)'}`,
      stateText(i),
      i.pid === undefined ? '-' : String(i.pid),
      formatDuration(i.uptimeSec),
      formatBytes(i.memoryBytes),
      formatCpu(i.cpuNsec),
      i.restarts === undefined ? '-' : String(i.restarts),
      ...(releases ? [i.release ?? '-'] : []),
      // A failing instance's last STATUS= ("Starting: waiting ...") is stale: the failure says more.
      (i.activeState !== 'active' && i.failure ? i.failure.summary : i.statusText) || '-',
    ]);
  }
  lines.push(...table(rows).map((l) => `  ${l}`));
  const replaced = app.instances.filter((i) => i.binaryReplaced).map((i) => `${app.name}@${i.instance}`);
  if (replaced.length) lines.push(`  ${replaced.join(', ')}: node was replaced on disk since start; 'nodeunit reload ${app.name}' moves ${replaced.length > 1 ? 'them' : 'it'} to the new one`);
  for (const i of app.instances) {
    if (i.logLinesDropped) lines.push(`  ${app.name}@${i.instance}: journald dropped ${i.logLinesDropped} log lines (rate limit; 'nodeunit enable ... --log-rate-limit LINES/SECONDS' raises it)`);
  }
  for (const i of app.instances) {
    if (!i.failure) continue;
    if (i.activeState === 'active') lines.push(`  ${app.name}@${i.instance}: ${i.failure.summary}`);
    if (i.failure.lastOutput !== undefined) lines.push(`  ${app.name}@${i.instance} last output: ${i.failure.lastOutput}`);
  }
  if (rss) lines.push('  * resident memory of the main process: this system has no cgroup memory accounting for the service');
  return lines.join('\n') + '\n';
}

/** What `status --json` prints: stable field names, numbers as numbers, unknown as null. */
export function statusJson(apps: AppStatus[]): unknown {
  return {
    apps: apps.map((a) => ({
      name: a.name,
      target: a.targetState,
      ports: a.ports,
      balance: a.balance,
      command: a.command ?? null,
      instances: a.instances.map((i) => ({
        instance: i.instance,
        unit: i.unit,
        enabled: i.enabled,
        state: i.activeState,
        subState: i.subState,
        pid: i.pid ?? null,
        uptimeSec: i.uptimeSec ?? null,
        memoryBytes: i.memoryBytes ?? null,
        memorySource: i.memorySource ?? null,
        cpuNsec: i.cpuNsec ?? null,
        cpuSource: i.cpuSource ?? null,
        tasks: i.tasks ?? null,
        restarts: i.restarts ?? null,
        status: i.statusText,
        release: i.release ?? null,
        failure: i.failure?.summary ?? null,
        lastOutput: i.failure?.lastOutput ?? null,
        binaryReplaced: i.binaryReplaced ?? false,
        logLinesDropped: i.logLinesDropped ?? 0,
      })),
    })),
  };
}
