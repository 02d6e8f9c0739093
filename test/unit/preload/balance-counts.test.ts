import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { createBalanceCounts, FLUSH_MS } = requirePreload('./balance-counts.cjs');

describe('createBalanceCounts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nodeunit-counts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const alive = new Set([101, 102, 103]);
  const kill = (pid: number) => {
    if (!alive.has(pid)) throw Object.assign(new Error('ESRCH'), { code: 'ESRCH' });
  };
  function fakeTimers() {
    const pending: Array<{ fn: () => void; ms: number }> = [];
    return { timers: { setTimeout: (fn: () => void, ms: number) => (pending.push({ fn, ms }), { unref() {} }) }, pending };
  }

  it('sums the live instances of a port, its own latest count included, and removes files of dead pids', () => {
    let clock = 1000;
    const t = fakeTimers();
    const counts = createBalanceCounts({ dir, pid: 101, fs: nodeFs, kill, timers: t.timers, now: () => clock });
    writeFileSync(join(dir, '8080.102'), '5');
    writeFileSync(join(dir, '8080.103'), '7');
    writeFileSync(join(dir, '8080.999'), '40'); // crashed instance
    writeFileSync(join(dir, '9090.102'), '11'); // another port
    writeFileSync(join(dir, 'junk'), 'x');
    counts.publish(8080, 3);
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('3'); // the first write is at once
    expect(counts.read(8080)).toEqual({ total: 15, instances: 3 });
    expect(readdirSync(dir).sort()).toEqual(['8080.101', '8080.102', '8080.103', '9090.102', 'junk']);
    counts.publish(8080, 4); // within FLUSH_MS: written later, but read sees it already
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('3');
    expect(counts.read(8080)).toEqual({ total: 16, instances: 3 });
    counts.publish(8080, 6);
    expect(t.pending).toHaveLength(1); // one pending write, with the latest count
    expect(t.pending[0].ms).toBe(FLUSH_MS);
    clock += FLUSH_MS;
    t.pending[0].fn();
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('6');
    expect(counts.read(9090)).toEqual({ total: 11, instances: 1 });
  });

  it('counts an empty or malformed file as 0 connections', () => {
    const counts = createBalanceCounts({ dir, pid: 101, fs: nodeFs, kill });
    writeFileSync(join(dir, '8080.102'), '');
    writeFileSync(join(dir, '8080.103'), 'abc');
    expect(counts.read(8080)).toEqual({ total: 0, instances: 2 });
  });

  it('is undefined without its directory, and for good once a write failed', () => {
    const missing = createBalanceCounts({ dir: join(dir, 'gone'), pid: 101, fs: nodeFs, kill });
    expect(missing.read(8080)).toBeUndefined();
    missing.publish(8080, 1); // the write fails: off
    writeFileSync(join(dir, '8080.102'), '5');
    expect(missing.read(8080)).toBeUndefined();
  });
});

describe('accept pacing on shared counts', () => {
  const { createAcceptPacing } = requirePreload('./accept-pacing.cjs');
  it('takes T and N from the counts, not /proc, and publishes its own', () => {
    const published: Array<[number, number]> = [];
    const counts = { publish: (port: number, open: number) => published.push([port, open]), read: () => ({ total: 8, instances: 2 }) };
    const calls: string[] = [];
    const handle = { fd: 3, readStop: () => (calls.push('stop'), 0), readStart: () => (calls.push('start'), 0) };
    const server = { _handle: handle, address: () => ({ port: 8080 }) };
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => { throw new Error('not /proc'); }, counts, timers: { setTimeout: () => ({ unref() {} }) }, now: () => 0 });
    expect(pacing.track(server, [3])).toBe(true);
    const sockets = Array.from({ length: 5 }, () => new EventEmitter());
    for (const s of sockets) {
      pacing.onConnection(server, s);
      pacing.onRequest(server, s, { shouldKeepAlive: true });
      pacing.onRequest(server, s, { shouldKeepAlive: true });
    }
    expect(calls).toContain('stop'); // 5 > ceil(8 / 2)
    sockets[0].emit('close');
    expect(published).toEqual([[8080, 0], [8080, 1], [8080, 2], [8080, 3], [8080, 4], [8080, 5], [8080, 4]]);
  });

  it('re-reads the counts every COUNTS_TTL_MS (they are cheap), not every second as /proc', () => {
    const { COUNTS_TTL_MS } = requirePreload('./accept-pacing.cjs');
    let clock = 0;
    let reads = 0;
    const counts = { publish: () => {}, read: () => (reads++, { total: 100, instances: 4 }) };
    const handle = { fd: 3, readStop: () => 0, readStart: () => 0 };
    const server = { _handle: handle, address: () => ({ port: 8080 }) };
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 0, counts, timers: { setTimeout: () => ({ unref() {} }) }, now: () => clock });
    pacing.track(server, [3]);
    const s = Array.from({ length: 3 }, () => new EventEmitter());
    for (const x of s) pacing.onConnection(server, x);
    const request = () => s.forEach((x) => pacing.onRequest(server, x, { shouldKeepAlive: true }));
    request();
    request();
    const after = reads;
    request();
    expect(reads).toBe(after);
    clock = COUNTS_TTL_MS;
    request();
    expect(reads).toBe(after + 1);
  });

  it('holds the total at its peak for PEAK_HOLD_MS: connections being shed are missing from the counts', () => {
    const { PEAK_HOLD_MS, COUNTS_TTL_MS } = requirePreload('./accept-pacing.cjs');
    let clock = 0;
    let total = 16;
    const counts = { publish: () => {}, read: () => ({ total, instances: 4 }) };
    const calls: string[] = [];
    const handle = { fd: 3, readStop: () => (calls.push('stop'), 0), readStart: () => 0 };
    const server = { _handle: handle, address: () => ({ port: 8080 }) };
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 0, counts, timers: { setTimeout: () => ({ unref() {} }) }, now: () => clock });
    pacing.track(server, [3]);
    const held = Array.from({ length: 4 }, () => new EventEmitter());
    for (const x of held) pacing.onConnection(server, x);
    const request = () => {
      const r = { shouldKeepAlive: true };
      held.forEach((x) => pacing.onRequest(server, x, r));
      return r.shouldKeepAlive;
    };
    request();
    expect(request()).toBe(true); // 4 of 16 over 4: its share
    total = 12; // 4 connections are on their way to another instance
    clock = COUNTS_TTL_MS;
    expect(request()).toBe(true); // still 16: no shedding on a dip
    clock = PEAK_HOLD_MS + COUNTS_TTL_MS;
    expect(request()).toBe(false); // the clients really left: share 3, one connection asked to close
  });
});

