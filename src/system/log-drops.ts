import { run } from './run';

/**
 * Lines journald dropped from a service under its rate limit
 * (journald.conf(5) RateLimitIntervalSec=/RateLimitBurst=, per service
 * systemd.exec(5) LogRateLimitIntervalSec=/LogRateLimitBurst=). journald
 * logs "Suppressed N messages from UNIT" (MESSAGE_ID a596d6fe…,
 * SD_MESSAGE_JOURNAL_DROPPED) when the first line after a dropping window
 * arrives; this sums those for the current boot. Outcomes: a map
 * unit -> lines dropped (units with none are absent); {} when the journal
 * cannot be read.
 */
export const JOURNAL_DROPPED = 'a596d6fe7bfa4994828e72309e95d61e';

export function parseDropped(messages: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of messages) {
    const hit = /^Suppressed (\d+) messages from (\S+)$/.exec(m.trim());
    if (hit) out.set(hit[2], (out.get(hit[2]) ?? 0) + Number(hit[1]));
  }
  return out;
}

export async function droppedLines(): Promise<Map<string, number>> {
  const r = await run('journalctl', ['--no-pager', '-b', '-o', 'cat', `MESSAGE_ID=${JOURNAL_DROPPED}`]);
  return r.code === 0 ? parseDropped(r.stdout.split('\n')) : new Map();
}
