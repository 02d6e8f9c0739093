import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainFailure, formatLimit, parseJournalJson, parseTimespanSec, type JournalEvent } from '../../../src/system/failure';
import { parseShow, type Props } from '../../../src/system/systemctl';

/**
 * Fixtures recorded in a real container (Debian 12, systemd 252): line 2 is
 * the clock (µs since the epoch) when recorded, then `systemctl show -p ...`,
 * then `---` and `journalctl -u UNIT -o json`.
 */
function fixture(name: string): { props: Props; events: JournalEvent[]; now: number } {
  const text = readFileSync(new URL(`./fixtures/${name}.show-journal.txt`, import.meta.url), 'utf8');
  const [head, journal] = text.split('---\n');
  const lines = head.split('\n');
  return { now: Number(lines[1]), props: parseShow(lines.slice(2).join('\n'))[0], events: parseJournalJson(journal) };
}

describe('explainFailure, from recorded systemd 252 output', () => {
  it('a crash loop, caught while systemd starts it again', () => {
    const { props, events, now } = fixture('crash-loop');
    expect(explainFailure('crashy', props, events, now)).toEqual({
      summary: 'crash loop: exited 1 (3 times in 4 s), starting again now',
      lastOutput: 'listening needs DATABASE_URL: it is not set',
    });
  });
  it('a crash loop between two tries says when the next one comes', () => {
    const { props, events } = fixture('crash-loop');
    // The same moment as if systemd were still waiting RestartSec=1s after the third exit (at now - 1.05 s).
    const waiting = { ...props, SubState: 'auto-restart', RestartUSec: '2s' };
    const exit3 = events.filter((e) => e.message.includes('Main process exited'))[2].realtimeUsec;
    expect(explainFailure('crashy', waiting, events.filter((e) => e.realtimeUsec <= exit3), exit3 + 500_000)?.summary).toBe(
      'crash loop: exited 1 (3 times in 4 s), next try in 2 s',
    );
  });
  it('after the start limit: what happened and what to do', () => {
    const { props, events, now } = fixture('start-limit');
    expect(props.ActiveState).toBe('failed');
    expect(explainFailure('crashy', props, events, now)).toEqual({
      summary: "stopped: started 10 times in 15 s and never became ready; fix it, then 'nodeunit restart crashy'",
      lastOutput: 'listening needs DATABASE_URL: it is not set',
    });
  });
  it('running again after the watchdog killed a blocked event loop', () => {
    const { props, events, now } = fixture('watchdog');
    expect(props.ActiveState).toBe('active');
    expect(explainFailure('wd', props, events, now)).toEqual({ summary: 'restarted: event loop blocked > 2 s (4 s ago)' });
    expect(explainFailure('wd', { ...props, WatchdogUSec: '30s' }, events, now)?.summary).toBe('restarted: event loop blocked > 30 s (4 s ago)');
  });
  it('running again after an OOM kill (journal of the watchdog fixture with the result systemd logs for one)', () => {
    // No delegated memory controller on this machine: the OOM case is the watchdog recording with
    // UNIT_RESULT=oom-kill, and MemoryMax= as systemctl show prints it (bytes).
    const { props, events, now } = fixture('watchdog');
    const oom = events.map((e) => (e.unitResult === 'watchdog' ? { ...e, unitResult: 'oom-kill' } : e));
    expect(explainFailure('wd', { ...props, MemoryMax: '536870912' }, oom, now)?.summary).toBe('restarted: out of memory (MemoryMax=512M) (4 s ago)');
  });
  it('says nothing about a healthy instance', () => {
    expect(explainFailure('x', { ActiveState: 'active', SubState: 'running', NRestarts: '0' }, [], 0)).toBeUndefined();
  });
  it('a failed instance that did not hit the start limit', () => {
    const { events, now } = fixture('watchdog');
    expect(explainFailure('wd', { ActiveState: 'failed', Result: 'watchdog', NRestarts: '1', StartLimitBurst: '10', WatchdogUSec: '30s' }, events, now)?.summary).toBe(
      'failed: event loop blocked > 30 s',
    );
  });
});

describe('the parsers', () => {
  it('time spans as systemctl show prints them', () => {
    expect(parseTimespanSec('5min')).toBe(300);
    expect(parseTimespanSec('1min 30s')).toBe(90);
    expect(parseTimespanSec('100ms')).toBe(0.1);
    expect(parseTimespanSec('infinity')).toBeUndefined();
  });
  it('limits', () => {
    expect(formatLimit('536870912')).toBe('512M');
    expect(formatLimit('1073741824')).toBe('1G');
    expect(formatLimit('1000')).toBe('1000');
    expect(formatLimit('infinity')).toBeUndefined();
  });
});
