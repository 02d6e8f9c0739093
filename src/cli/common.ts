import * as sea from 'node:sea';
import { socketUnitsOf, type InstalledApp } from '../system/app-state';
import { appStatus, loadedInstances } from '../system/instances';
import { journalTail, systemctl, systemctlOrFail } from '../system/systemctl';
import { waitForUnits, type WaitResult } from '../system/wait';
import { formatAppStatus } from './format';
import { progressReporter } from './progress';
import { UserError } from './user-error';

/** How long enable/start/scale wait for instances (systemd's own start timeout is 90 s). */
export const START_WAIT_MS = 120_000;

export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) {
    throw new UserError(`'nodeunit ${command}' changes system services: run it as root (sudo nodeunit ${command} ...)`);
  }
}

/** The nodeunit executable the units run: this one when built, else the packaged path. */
export function nodeunitPath(): string {
  return sea.isSea() ? process.execPath : '/usr/bin/nodeunit';
}

export function instanceUnit(app: string, n: number): string {
  return `${app}@${n}.service`;
}

export function out(text: string): void {
  process.stdout.write(text);
}

/**
 * Starts (or restarts) units without blocking, then waits for the given
 * instances to be ready with live progress. On a failure, prints each failed
 * instance's last journal lines to stderr and throws one line naming them.
 */
export async function startAndWait(
  app: string,
  verb: 'start' | 'restart',
  startUnits: readonly string[],
  waitUnits: readonly string[],
  extraJournalUnits: readonly string[] = [],
): Promise<WaitResult> {
  const since = Date.now() / 1000 - 1;
  // Also for restart: an instance stopped by the start limit refuses any start until its counter is reset.
  await systemctl(['reset-failed', ...waitUnits]);
  await systemctlOrFail([verb, '--no-block', ...startUnits], `systemctl ${verb}`);
  const progress = progressReporter(app);
  const result = await waitForUnits(waitUnits, { timeoutMs: START_WAIT_MS, ...progress });
  progress.done();
  const bad = [...result.failed, ...result.pending];
  if (bad.length === 0) return result;
  for (const unit of bad) {
    const p = result.props.get(unit) ?? {};
    const state = result.failed.includes(unit) ? `failed (${p.ActiveState}/${p.SubState}, result ${p.Result})` : `still not ready after ${START_WAIT_MS / 1000}s`;
    process.stderr.write(`\n${unit}: ${state}; its last journal lines:\n`);
    const lines = await journalTail([unit, ...extraJournalUnits], 15, since);
    process.stderr.write((lines.length ? lines : ['(nothing in the journal)']).map((l) => `  ${l}\n`).join(''));
  }
  const names = bad.map((u) => u.replace(/\.service$/, ''));
  const first = /@(\d+)\.service$/.exec(bad[0])?.[1];
  throw new UserError(
    `${names.join(', ')} did not become ready; see 'nodeunit logs ${app}${first ? ` --instance ${first}` : ''}' and 'nodeunit status ${app}'`,
  );
}

/** Every unit to start for the whole app: target, sockets, enabled instances. */
export function appStartUnits(app: InstalledApp): string[] {
  return [
    `${app.name}.target`,
    ...(app.balance === 'shared' ? socketUnitsOf(app) : app.instances.flatMap((n) => socketUnitsOf(app, n))),
    ...app.instances.map((n) => instanceUnit(app.name, n)),
  ];
}

export async function printStatus(app: InstalledApp): Promise<void> {
  out(formatAppStatus(await appStatus(app)));
}

export function printNextSteps(app: string): void {
  out(`\n  logs:    nodeunit logs ${app} -f\n  reload:  nodeunit reload ${app}   (rolling restart, one instance at a time)\n  status:  nodeunit status ${app}\n`);
}

/**
 * Every unit of the app that may be running: target, sockets, instances
 * enabled or merely loaded. `systemctl stop <name>.target` alone returns
 * before its PartOf= instances have drained (the target is not ordered
 * after them), so commands that must wait name them all.
 */
export async function allAppUnits(app: InstalledApp): Promise<string[]> {
  const numbers = [...new Set([...app.instances, ...(await loadedInstances(app.name))])].sort((a, b) => a - b);
  return [
    `${app.name}.target`,
    ...numbers.map((n) => instanceUnit(app.name, n)),
    ...(app.balance === 'shared' ? socketUnitsOf(app) : numbers.flatMap((n) => socketUnitsOf(app, n))),
  ];
}
