import * as sea from 'node:sea';
import { startAndWait as startAndWaitQuietly, StartFailed } from '../apps/start';
import type { InstalledApp } from '../system/app-state';
import { appStatus } from '../system/instances';
import type { WaitResult } from '../system/wait';
import { formatAppStatus } from './format';
import { progressReporter } from './progress';
import { UserError } from './user-error';

export { START_WAIT_MS } from '../apps/start';
export { allAppUnits, appStartUnits, instanceUnit } from '../apps/units';

export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) {
    throw new UserError(`'nodeunit ${command}' changes system services: run it as root (sudo nodeunit ${command} ...)`);
  }
}

/** The nodeunit executable the units run: this one when built, else the packaged path. */
export function nodeunitPath(): string {
  return sea.isSea() ? process.execPath : '/usr/bin/nodeunit';
}

export function out(text: string): void {
  process.stdout.write(text);
}

/** Prints each failed instance's state and last journal lines to stderr (the error itself is the one line). */
export function printStartFailures(err: unknown): void {
  if (!(err instanceof StartFailed)) return;
  for (const f of err.failures) {
    process.stderr.write(`\n${f.unit}: ${f.state}; its last journal lines:\n`);
    process.stderr.write((f.journal.length ? f.journal : ['(nothing in the journal)']).map((l) => `  ${l}\n`).join(''));
  }
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
  try {
    return await startAndWaitQuietly(app, verb, startUnits, waitUnits, extraJournalUnits, progressReporter(app));
  } catch (err) {
    printStartFailures(err);
    throw err;
  }
}

export async function printStatus(app: InstalledApp): Promise<void> {
  out(formatAppStatus(await appStatus(app)));
}

export function printNextSteps(app: string): void {
  out(`\n  logs:    nodeunit logs ${app} -f\n  reload:  nodeunit reload ${app}   (rolling restart, one instance at a time)\n  status:  nodeunit status ${app}\n`);
}
