import { run } from './run';
import type { Props } from './systemctl';

/**
 * Why an instance is not running, or why it was restarted, in one line the
 * user can act on. Reads what systemd already records: `systemctl show`
 * properties (systemd.service(5) Result=, NRestarts=, ExecMainCode=,
 * StartLimitBurst=) and the unit's journal, where systemd logs each exit
 * ("Main process exited", MESSAGE_ID 98e32220…), each failure with its
 * result ("Failed with result", d9b373ed…, field UNIT_RESULT), each
 * scheduled restart (5eb03494…), each start (7d4958e8…), each READY=1
 * ("Started", 39f53479…) and "Start request repeated too quickly"
 * (systemd.unit(5) StartLimitIntervalSec=).
 *
 * Outcomes (explainFailure):
 *   - restarting again and again (activating, restarts > 0):
 *       crash loop: exited 1 (3 times in 4 s), next try in 2 s
 *   - given up after the start limit (failed, "repeated too quickly" or
 *     restarts >= StartLimitBurst):
 *       stopped: started 10 times in 15 s and never became ready; fix it, then 'nodeunit restart NAME'
 *   - failed otherwise: failed: <what happened>
 *   - running after a restart the journal explains:
 *       restarted: event loop blocked > 30 s | out of memory (MemoryMax=512M) | exited 1 | killed by SIGKILL
 *   - running and never restarted, or nothing recorded: undefined.
 * `lastOutput` is the app's last line in the journal (its stdout/stderr) when
 * the instance is failing or restarted for exiting.
 */

export const FAILURE_PROPS = ['ExecMainCode', 'ExecMainStatus', 'RestartUSec', 'RestartUSecNext', 'StartLimitBurst', 'StartLimitIntervalUSec', 'WatchdogUSec', 'MemoryMax'];

const MSG = {
  exited: '98e322203f7a4ed290d09fe03c09fe15',
  failed: 'd9b373ed55a64feb8242e02dbe79a49c',
  restartScheduled: '5eb03494b6584870a536b337290809b3',
  starting: '7d4958e842da4a758f6c1cdc7b36dcc5',
  started: '39f53479d3a045ac8e11786248231fbf',
};

export interface JournalEvent {
  /** µs since the epoch. */
  realtimeUsec: number;
  messageId?: string;
  message: string;
  unitResult?: string;
  exitCode?: string;
  exitStatus?: string;
  /** journal (systemd) or stdout (the app's own stdout and stderr). */
  transport?: string;
}

export interface Failure {
  summary: string;
  lastOutput?: string;
}

/** `journalctl -o json` lines; MESSAGE given as a byte array (not UTF-8) is decoded leniently. */
export function parseJournalJson(stdout: string): JournalEvent[] {
  const out: JournalEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? Buffer.from(v as number[]).toString('utf8') : undefined);
    const e: JournalEvent = { realtimeUsec: Number(j.__REALTIME_TIMESTAMP ?? 0), message: str(j.MESSAGE) ?? '' };
    for (const [field, key] of [['MESSAGE_ID', 'messageId'], ['UNIT_RESULT', 'unitResult'], ['EXIT_CODE', 'exitCode'], ['EXIT_STATUS', 'exitStatus'], ['_TRANSPORT', 'transport']] as const) {
      const v = str(j[field]);
      if (v !== undefined) e[key] = v;
    }
    out.push(e);
  }
  return out;
}

/** A systemd time span as `systemctl show` prints it (`5min`, `1min 30s`, `100ms`, `2.5s`) in seconds; infinity/empty -> undefined. */
export function parseTimespanSec(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value === 'infinity') return undefined;
  const units: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, min: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const part of value.trim().split(/\s+/)) {
    const m = /^(\d+(?:\.\d+)?)(us|ms|s|min|h|d|w)$/.exec(part);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
  }
  return total;
}

const SIGNALS: Record<string, string> = { '1': 'HUP', '2': 'INT', '3': 'QUIT', '4': 'ILL', '6': 'ABRT', '7': 'BUS', '8': 'FPE', '9': 'KILL', '11': 'SEGV', '13': 'PIPE', '14': 'ALRM', '15': 'TERM' };

function describeExit(code: string | undefined, status: string | undefined): string | undefined {
  if (code === undefined || status === undefined) return undefined;
  const sig = `SIG${SIGNALS[status] ?? status}`;
  if (code === 'exited' || code === '1') return `exited ${status}`;
  if (code === 'killed' || code === '2') return `killed by ${status in SIGNALS ? sig : `signal ${status}`}`;
  if (code === 'dumped' || code === '3') return `dumped core (${status in SIGNALS ? sig : `signal ${status}`})`;
  return undefined;
}

/** 536870912 -> 512M; what MemoryMax= would be written as. */
export function formatLimit(bytes: string | undefined): string | undefined {
  if (bytes === undefined || !/^\d+$/.test(bytes) || bytes === '18446744073709551615') return undefined;
  let v = Number(bytes);
  for (const unit of ['', 'K', 'M', 'G', 'T']) {
    if (v % 1024 !== 0 || unit === 'T') return `${v}${unit}`;
    v /= 1024;
  }
  return bytes;
}

function seconds(s: number): string {
  return s < 120 ? `${Math.max(0, Math.round(s))} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

function resultText(result: string | undefined, p: Props, exit: string | undefined): string | undefined {
  switch (result) {
    case 'watchdog': {
      const limit = parseTimespanSec(p.WatchdogUSec);
      return `event loop blocked > ${limit === undefined ? 'WatchdogSec' : seconds(limit)}`;
    }
    case 'oom-kill': {
      const limit = formatLimit(p.MemoryMax);
      return `out of memory${limit ? ` (MemoryMax=${limit})` : ''}`;
    }
    case 'timeout':
      return 'did not become ready (or stop) in time';
    case 'exit-code':
    case 'signal':
    case 'core-dump':
      return exit;
    case undefined:
    case '':
    case 'success':
      return undefined;
    default:
      return `${exit ?? 'failed'} (${result})`;
  }
}

/**
 * The pure part: `p` from `systemctl show`, `events` from the unit's journal
 * (oldest first), `nowUsec` on the journal's clock (µs since the epoch).
 */
export function explainFailure(app: string, p: Props, events: readonly JournalEvent[], nowUsec: number): Failure | undefined {
  const restarts = Number(p.NRestarts ?? 0) || 0;
  const exits = events.filter((e) => e.messageId === MSG.exited);
  const lastExit = exits[exits.length - 1];
  const exit = describeExit(lastExit?.exitCode, lastExit?.exitStatus) ?? describeExit(p.ExecMainCode, p.ExecMainStatus);
  const failures = events.filter((e) => e.messageId === MSG.failed);
  const lastFailure = failures[failures.length - 1];
  const appLines = events.filter((e) => e.transport === 'stdout' && e.message.trim() !== '');
  const lastOutput = appLines.length ? appLines[appLines.length - 1].message.trim() : undefined;
  const withOutput = (summary: string): Failure => (lastOutput === undefined ? { summary } : { summary, lastOutput });
  const interval = parseTimespanSec(p.StartLimitIntervalUSec) ?? 300;
  const windowStart = nowUsec - interval * 1e6;

  if (p.ActiveState === 'failed') {
    const limitHit = events.some((e) => e.message.includes('Start request repeated too quickly')) || p.Result === 'start-limit-hit';
    const burst = Number(p.StartLimitBurst ?? 0) || undefined;
    if (limitHit || (burst !== undefined && restarts >= burst)) {
      const lastLimit = [...events].reverse().find((e) => e.message.includes('Start request repeated too quickly'));
      const end = lastLimit?.realtimeUsec ?? lastExit?.realtimeUsec ?? nowUsec;
      const starts = events.filter((e) => e.messageId === MSG.starting && e.realtimeUsec >= end - interval * 1e6 && e.realtimeUsec <= end);
      const n = starts.length || burst || restarts;
      const span = starts.length ? (end - starts[0].realtimeUsec) / 1e6 : interval;
      const everReady = events.some((e) => e.messageId === MSG.started && e.realtimeUsec >= (starts[0]?.realtimeUsec ?? windowStart));
      return withOutput(
        `stopped: started ${n} times in ${seconds(span)} and ${everReady ? `kept failing (${resultText(lastFailure?.unitResult ?? p.Result, p, exit) ?? 'failed'})` : 'never became ready'}; fix it, then 'nodeunit restart ${app}'`,
      );
    }
    return withOutput(`failed: ${resultText(lastFailure?.unitResult ?? p.Result, p, exit) ?? p.Result ?? 'unknown'}`);
  }

  if (p.ActiveState === 'activating' && restarts > 0) {
    const recent = exits.filter((e) => e.realtimeUsec >= windowStart);
    const n = recent.length || restarts;
    const span = recent.length ? (nowUsec - recent[0].realtimeUsec) / 1e6 : undefined;
    let next = 'starting again now';
    if (p.SubState === 'auto-restart') {
      const delay = parseTimespanSec(p.RestartUSecNext) ?? parseTimespanSec(p.RestartUSec) ?? 0;
      const at = (lastExit?.realtimeUsec ?? nowUsec) + delay * 1e6;
      next = `next try in ${Math.max(0, Math.ceil((at - nowUsec) / 1e6))} s`;
    }
    const what = resultText(lastFailure?.unitResult, p, exit) ?? exit ?? 'failed';
    return withOutput(`crash loop: ${what} (${n} time${n === 1 ? '' : 's'}${span === undefined ? '' : ` in ${seconds(span)}`}), ${next}`);
  }

  if ((p.ActiveState === 'active' || p.ActiveState === 'reloading') && restarts > 0 && lastFailure !== undefined) {
    const what = resultText(lastFailure.unitResult, p, exit);
    if (what === undefined) return undefined;
    const ago = seconds((nowUsec - lastFailure.realtimeUsec) / 1e6);
    const summary = `restarted: ${what} (${ago} ago)`;
    return lastFailure.unitResult === 'exit-code' ? withOutput(summary) : { summary };
  }
  return undefined;
}

/** Whether an instance's state calls for a look at its journal. */
export function needsExplaining(p: Props): boolean {
  return p.ActiveState === 'failed' || (Number(p.NRestarts ?? 0) || 0) > 0;
}

/** The unit's recent journal (this boot), only the fields explainFailure reads. */
export async function unitEvents(unit: string): Promise<JournalEvent[]> {
  // systemd's own lines and the app's last line apart: a chatty app would push systemd's out of any window.
  const query = (transport: string, lines: number) =>
    run('journalctl', ['--no-pager', '-b', '-u', unit, `_TRANSPORT=${transport}`, '-n', String(lines), '-o', 'json', '--output-fields=MESSAGE,MESSAGE_ID,UNIT_RESULT,EXIT_CODE,EXIT_STATUS,_TRANSPORT']);
  const [own, app] = await Promise.all([query('journal', 400), query('stdout', 1)]);
  const events = [...(own.code === 0 ? parseJournalJson(own.stdout) : []), ...(app.code === 0 ? parseJournalJson(app.stdout) : [])];
  return events.sort((a, b) => a.realtimeUsec - b.realtimeUsec);
}
