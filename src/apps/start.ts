import { UserError } from '../errors';
import { journalTail, systemctl, systemctlOrFail } from '../system/systemctl';
import { waitForUnits, type WaitOptions, type WaitResult } from '../system/wait';

/** How long enable/start/scale wait for instances (systemd's own start timeout is 90 s). */
export const START_WAIT_MS = 120_000;

/** Live progress while instances start (the CLI draws it; apps/ never prints). */
export type Progress = Pick<WaitOptions, 'onPhase' | 'onPoll'> & { done(): void };

/** One instance that did not become ready, with its last journal lines. */
export interface StartFailure {
  unit: string;
  /** e.g. `failed (failed/failed, result exit-code)` or `still not ready after 120s`. */
  state: string;
  journal: string[];
}

/** Instances did not become ready: the message is the one line; `failures` has the details. */
export class StartFailed extends UserError {
  constructor(
    message: string,
    readonly failures: StartFailure[],
  ) {
    super(message);
  }
}

/**
 * Starts (or restarts) units without blocking, then waits for the given
 * instances to be ready. Outcomes: every instance ready (the result is
 * returned); some failed or still starting at the deadline (StartFailed, with
 * each such instance's last journal lines); systemctl refused the job
 * (UserError).
 */
export async function startAndWait(
  app: string,
  verb: 'start' | 'restart',
  startUnits: readonly string[],
  waitUnits: readonly string[],
  extraJournalUnits: readonly string[] = [],
  progress?: Progress,
): Promise<WaitResult> {
  const since = Date.now() / 1000 - 1;
  // Also for restart: an instance stopped by the start limit refuses any start until its counter is reset.
  await systemctl(['reset-failed', ...waitUnits]);
  await systemctlOrFail([verb, '--no-block', ...startUnits], `systemctl ${verb}`);
  const result = await waitForUnits(waitUnits, { timeoutMs: START_WAIT_MS, onPhase: progress?.onPhase, onPoll: progress?.onPoll });
  progress?.done();
  const bad = [...result.failed, ...result.pending];
  if (bad.length === 0) return result;
  const failures: StartFailure[] = [];
  for (const unit of bad) {
    const p = result.props.get(unit) ?? {};
    const state = result.failed.includes(unit) ? `failed (${p.ActiveState}/${p.SubState}, result ${p.Result})` : `still not ready after ${START_WAIT_MS / 1000}s`;
    failures.push({ unit, state, journal: await journalTail([unit, ...extraJournalUnits], 15, since) });
  }
  const names = bad.map((u) => u.replace(/\.service$/, ''));
  const first = /@(\d+)\.service$/.exec(bad[0])?.[1];
  throw new StartFailed(
    `${names.join(', ')} did not become ready; see 'nodeunit logs ${app}${first ? ` --instance ${first}` : ''}' and 'nodeunit status ${app}'`,
    failures,
  );
}
