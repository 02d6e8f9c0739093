import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requirePreload } from './load';
import { connectClients, requestPasses } from './pacing-clients';

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
    const cleared: unknown[] = [];
    return {
      timers: {
        setTimeout: (fn: () => void, ms: number) => {
          const t = { fn, ms, unref() {} };
          pending.push(t);
          return t;
        },
        clearTimeout: (t: unknown) => cleared.push(t),
      },
      pending,
      cleared,
    };
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
    expect(counts.read(8080)).toEqual({ total: 15, instances: 3, least: 5 }); // least: of the others
    expect(readdirSync(dir).sort()).toEqual(['8080.101', '8080.102', '8080.103', '9090.102', 'junk']);
    counts.publish(8080, 4); // within FLUSH_MS: written later, but read sees it already
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('3');
    expect(counts.read(8080)).toEqual({ total: 16, instances: 3, least: 5 });
    counts.publish(8080, 6);
    expect(t.pending).toHaveLength(1); // one pending write, with the latest count
    expect(t.pending[0].ms).toBe(FLUSH_MS);
    clock += FLUSH_MS;
    t.pending[0].fn();
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('6');
    expect(counts.read(9090)).toEqual({ total: 11, instances: 1, least: 11 });
  });

  it('writes at once when asked to, whatever the last write\'s age, and drops the pending write', () => {
    let clock = 1000;
    const t = fakeTimers();
    const counts = createBalanceCounts({ dir, pid: 101, fs: nodeFs, kill, timers: t.timers, now: () => clock });
    counts.publish(8080, 5);
    clock += 1;
    counts.publish(8080, 6); // within FLUSH_MS: pending
    expect(t.pending).toHaveLength(1);
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('5');
    clock += 1;
    counts.publish(8080, 3, true);
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('3');
    expect(t.cleared).toEqual([t.pending[0]]);
    counts.publish(8080, 4, true); // again within FLUSH_MS of that write: at once all the same
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('4');
    counts.publish(8080, 7); // and a throttled one after it waits FLUSH_MS from it
    expect(t.pending).toHaveLength(2);
    expect(t.pending[1].ms).toBe(FLUSH_MS);
    expect(readFileSync(join(dir, '8080.101'), 'latin1')).toBe('4');
  });

  it('counts an empty or malformed file as 0 connections', () => {
    const counts = createBalanceCounts({ dir, pid: 101, fs: nodeFs, kill });
    writeFileSync(join(dir, '8080.102'), '');
    writeFileSync(join(dir, '8080.103'), 'abc');
    expect(counts.read(8080)).toEqual({ total: 0, instances: 2, least: 0 });
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
  it('takes T and N from the counts, not /proc, and publishes its own, less those it asked to close, at once when it asks', () => {
    const published: Array<[number, number, boolean]> = [];
    const counts = { publish: (port: number, open: number, atOnce = false) => published.push([port, open, atOnce]), read: () => ({ total: 8, instances: 2 }) };
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
    // The 5th connection's second request was answered with `Connection: close`.
    expect(published).toEqual([[8080, 0, false], [8080, 1, false], [8080, 2, false], [8080, 3, false], [8080, 4, false], [8080, 5, false], [8080, 4, true]]);
    sockets[4].emit('close'); // the shed one: already not counted
    sockets[0].emit('close');
    expect(published.slice(7)).toEqual([[8080, 4, false], [8080, 3, false]]);
  });

  it('never counts a shed connection twice: gone from its instance\'s count before its client reconnects to a sibling', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nodeunit-counts-'));
    try {
      let clock = 0;
      const alive = () => {};
      const noTimers = { setTimeout: () => ({ unref() {} }), clearTimeout: () => {} };
      const instance = (pid: number) => {
        const counts = createBalanceCounts({ dir, pid, fs: nodeFs, kill: alive, timers: noTimers, now: () => clock });
        const handle = { fd: 3, readStop: () => 0, readStart: () => 0 };
        const server = { _handle: handle, address: () => ({ port: 8080 }) };
        const pacing = createAcceptPacing({ instances: 2, totalFor: () => 0, counts, timers: noTimers, now: () => clock });
        pacing.track(server, [3]);
        return { counts, pacing, server };
      };
      const a = instance(101);
      const b = instance(102);
      // A burst of 8 keep-alive connections: 3 on B, then 5 on A; each count written.
      const connect = (x: typeof a, n: number) =>
        Array.from({ length: n }, () => {
          clock += FLUSH_MS;
          return connectClients(x.pacing, x.server, 1)[0];
        });
      connect(b, 3);
      const onA = connect(a, 5);
      expect(b.counts.read(8080)).toEqual({ total: 8, instances: 2, least: 5 });
      // A's requests: its 5th connection is beyond its share (4) and asked to close.
      expect(requestPasses(a.pacing, a.server, onA, 2)).toBe(1);
      // Its client reconnects to B before A has seen it close, within FLUSH_MS of A's last write.
      connectClients(b.pacing, b.server, 1);
      expect(b.counts.read(8080)).toEqual({ total: 8, instances: 2, least: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** A paced server over counts that `read()` returns, with timers that record their delay. */
  function pacedOnCounts(read: () => { total: number; instances: number; least?: number }) {
    let clock = 0;
    const pending: Array<{ fn: () => void; ms: number }> = [];
    const calls: string[] = [];
    const handle = { fd: 3, readStop: () => (calls.push('stop'), 0), readStart: () => (calls.push('start'), 0) };
    const server = { _handle: handle, address: () => ({ port: 8080 }) };
    const pacing = createAcceptPacing({
      instances: 4,
      totalFor: () => 0,
      counts: { publish: () => {}, read },
      timers: { setTimeout: (fn: () => void, ms: number) => (pending.push({ fn, ms }), { unref() {} }) },
      now: () => clock,
    });
    pacing.track(server, [3]);
    calls.length = 0;
    const sockets: EventEmitter[] = [];
    /** A new connection with two requests (reused); false when either response asked it to close. */
    const add = () => {
      const s = new EventEmitter();
      sockets.push(s);
      pacing.onConnection(server, s);
      const rs = [{ shouldKeepAlive: true }, { shouldKeepAlive: true }];
      for (const r of rs) pacing.onRequest(server, s, r);
      return rs.every((r) => r.shouldKeepAlive);
    };
    /** Advances the clock by the first pending timer's delay and fires it. */
    const tick = () => {
      const t = pending.shift()!;
      clock += t.ms;
      t.fn();
      return t.ms;
    };
    return { pacing, server, calls, pending, add, tick, sockets, advance: (ms: number) => (clock += ms) };
  }

  it('steps aside while it holds its share and a sibling holds less, checking every CHECK_MS, until none does', () => {
    const { CHECK_MS } = requirePreload('./accept-pacing.cjs');
    let least = 2;
    const p = pacedOnCounts(() => ({ total: 16, instances: 4, least }));
    for (let i = 0; i < 3; i++) p.add();
    expect(p.calls).toEqual([]); // 3 of a share of 4
    p.add();
    expect(p.calls).toEqual(['stop']); // 4, its share, while a sibling holds 2: new connections go there
    expect(p.pending.map((t) => t.ms)).toEqual([CHECK_MS]);
    p.tick();
    expect(p.calls).toEqual(['stop']); // still so (the counts are re-read every COUNTS_TTL_MS)
    least = 4;
    while (p.calls.length < 2) p.tick();
    expect(p.calls).toEqual(['stop', 'start']); // every sibling at its share: new clients are taken again
    expect(p.pending).toHaveLength(0);
  });

  it('accepts again after MAX_PAUSE_MS even while a sibling stays below its share (its loop may be blocked)', () => {
    const { MAX_PAUSE_MS } = requirePreload('./accept-pacing.cjs');
    const p = pacedOnCounts(() => ({ total: 16, instances: 4, least: 0 }));
    for (let i = 0; i < 4; i++) p.add();
    expect(p.calls).toEqual(['stop']);
    let paused = 0;
    while (p.calls.length < 2) paused += p.tick();
    expect(paused).toBeGreaterThanOrEqual(MAX_PAUSE_MS);
    expect(paused).toBeLessThan(MAX_PAUSE_MS + 10);
  });

  it('keeps accepting at or above its share while no sibling is below: a new client has to be taken', () => {
    const p = pacedOnCounts(() => ({ total: 16, instances: 4, least: 4 }));
    for (let i = 0; i < 4; i++) expect(p.add()).toBe(true);
    expect(p.add()).toBe(false); // the 5th is beyond its share: asked to close after its response
    expect(p.calls).toEqual([]); // but it never stopped accepting
  });

  it('has stopped accepting by the time it sheds, so the client reconnects to a sibling below its share', () => {
    const p = pacedOnCounts(() => ({ total: 8, instances: 2, least: 2 }));
    const kept = Array.from({ length: 6 }, () => p.add());
    // share 4: the 5th and 6th are shed; it stepped aside at the 4th already
    expect(kept).toEqual([true, true, true, true, false, false]);
    expect(p.calls).toEqual(['stop']);
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

  it('forgets the peak once it holds no connection: new clients right after others left are balanced at once', () => {
    const { COUNTS_TTL_MS } = requirePreload('./accept-pacing.cjs');
    let clock = 0;
    let total = 64;
    const counts = { publish: () => {}, read: () => ({ total, instances: 4 }) };
    const handle = { fd: 3, readStop: () => 0, readStart: () => 0 };
    const server = { _handle: handle, address: () => ({ port: 8080 }) };
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 0, counts, timers: { setTimeout: () => ({ unref() {} }) }, now: () => clock });
    pacing.track(server, [3]);
    const connect = (n: number) => connectClients(pacing, server, n);
    /** Two requests on each; how many responses asked to close. */
    const requests = (sockets: EventEmitter[]) => requestPasses(pacing, server, sockets, 2);
    const first = connect(16);
    expect(requests(first)).toBe(0); // 16 of 64 over 4: its share
    for (const s of first) s.emit('close');
    // The next client, well within PEAK_HOLD_MS: 16 connections in all, all of them here.
    total = 16;
    clock += COUNTS_TTL_MS;
    // Share 4, not the 16 of the last client's 64: shedding starts once half are reused (the 8th), 9 in this pass.
    expect(requests(connect(16))).toBe(9);
  });
});

