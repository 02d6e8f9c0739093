import { EventEmitter } from 'node:events';
import nodeFs from 'node:fs';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';
import { connectClients, requestPasses } from './pacing-clients';

const { createAcceptPacing, countEstablished, fairShare, PAUSE_MS, TOTAL_TTL_MS, ACCEPT_TTL_MS, SHED_WINDOW_MS } = requirePreload('./accept-pacing.cjs');

// Two lines of /proc/net/tcp: an established connection to port 8080 (0x1F90), a listener on it.
const PROC = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0
   2: 0100007F:C351 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0
`;

describe('countEstablished', () => {
  it('counts established sockets whose local port is the port, not listeners or clients', () => {
    expect(countEstablished(PROC, 8080)).toBe(1);
    expect(countEstablished(PROC, 50001)).toBe(1);
    expect(countEstablished(PROC, 80)).toBe(0);
  });
});

describe('fairShare', () => {
  it.each([
    [16, 4, 4],
    [17, 4, 5],
    [0, 4, 0],
  ])('%i connections over %i instances -> %i', (total, n, share) => expect(fairShare(total, n)).toBe(share));
});

/** A fake server on systemd's fd 3 with a handle that records readStop/readStart. */
function fakeServer(fd = 3, startRc = 0) {
  const calls: string[] = [];
  const handle = {
    fd,
    readStop: () => (calls.push('stop'), 0),
    readStart: () => (calls.push('start'), startRc),
  };
  return { server: { _handle: handle as typeof handle | null, address: () => ({ port: 8080 }) }, calls, handle };
}

function fakeTimers() {
  const pending: Array<() => void> = [];
  return {
    timers: { setTimeout: (fn: () => void, ms: number) => (expect(ms).toBe(PAUSE_MS), pending.push(fn), { unref() {} }) },
    fire: () => pending.splice(0).forEach((fn) => fn()),
    pending,
  };
}

const connection = () => new EventEmitter();

/** Two requests on `socket`: it is now a reused (keep-alive) connection. */
function reuse(pacing: { onRequest(server: unknown, socket: unknown, response: unknown): void }, server: unknown, socket: EventEmitter) {
  pacing.onRequest(server, socket, { shouldKeepAlive: true });
  pacing.onRequest(server, socket, { shouldKeepAlive: true });
}

describe('createAcceptPacing', () => {
  it('does nothing with one instance', () => {
    const pacing = createAcceptPacing({ instances: 1, totalFor: () => 100 });
    expect(pacing.enabled).toBe(false);
    expect(pacing.track(fakeServer().server, [3])).toBe(false);
  });

  it('paces only servers on an inherited fd whose handle can pause', () => {
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 0 });
    expect(pacing.track(fakeServer(12).server, [3])).toBe(false);
    expect(pacing.track(fakeServer(3, -107).server, [3])).toBe(false); // readStart fails: ENOTCONN
    const { server, calls } = fakeServer();
    expect(pacing.track(server, [3])).toBe(true);
    expect(calls).toEqual(['start']); // arms readStop
  });

  it('steps aside for PAUSE_MS once it holds more than its fair share, then accepts again', () => {
    const t = fakeTimers();
    let reads = 0;
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => (reads++, 8), timers: t.timers, now: () => 0 });
    const { server, calls } = fakeServer();
    pacing.track(server, [3]);
    calls.length = 0;
    const sockets = [connection(), connection()];
    for (const s of sockets) pacing.onConnection(server, s);
    for (const s of sockets) reuse(pacing, server, s);
    expect(calls).toEqual([]); // 2 of 8 over 4 instances: its share
    pacing.onConnection(server, connection());
    expect(calls).toEqual(['stop']); // 3 > ceil(8 / 4), 2 of 3 reused
    pacing.onConnection(server, connection()); // already paused: no second timer
    expect(t.pending).toHaveLength(1);
    t.fire();
    expect(calls).toEqual(['stop', 'start']);
    expect(reads).toBe(1); // the total is cached for TOTAL_TTL_MS
  });

  it('forgets closed connections and re-reads the total after TOTAL_TTL_MS', () => {
    const t = fakeTimers();
    let clock = 0;
    let total = 4;
    const pacing = createAcceptPacing({ instances: 2, totalFor: () => total, timers: t.timers, now: () => clock });
    const { server, calls } = fakeServer();
    pacing.track(server, [3]);
    calls.length = 0;
    const [a, b, c] = [connection(), connection(), connection()];
    pacing.onConnection(server, a);
    pacing.onConnection(server, b);
    reuse(pacing, server, a);
    reuse(pacing, server, b);
    a.emit('close');
    pacing.onConnection(server, c);
    reuse(pacing, server, c);
    expect(calls).toEqual([]); // holds 2 of 4 over 2
    clock = TOTAL_TTL_MS;
    total = 2;
    pacing.onConnection(server, connection());
    expect(calls).toEqual(['stop']); // holds 3 of 2 over 2 (fresh total)
  });

  it('leaves a server that closed during the pause alone', () => {
    const t = fakeTimers();
    const pacing = createAcceptPacing({ instances: 2, totalFor: () => 0, timers: t.timers, now: () => 0 });
    const { server, calls } = fakeServer();
    pacing.track(server, [3]);
    const a = connection();
    pacing.onConnection(server, a);
    reuse(pacing, server, a);
    pacing.onConnection(server, connection());
    server._handle = null;
    t.fire();
    expect(calls).toEqual(['start', 'stop']);
  });

  it('neither pauses nor sheds while the total cannot be read', () => {
    const pacing = createAcceptPacing({ instances: 2, totalFor: () => undefined, now: () => 0 });
    const { server, calls } = fakeServer();
    pacing.track(server, [3]);
    const a = connection();
    pacing.onConnection(server, a);
    reuse(pacing, server, a);
    for (let i = 0; i < 5; i++) pacing.onConnection(server, connection());
    expect(calls).toEqual(['start']);
  });
});

/** A listening socket whose fd a child inherits as fd 3 (as from systemd); close `parent` once the child has it. */
async function inheritedListener() {
  const parent = net.createServer();
  await new Promise<void>((r) => parent.listen(0, '127.0.0.1', () => r()));
  const port = (parent.address() as net.AddressInfo).port;
  const fd = (parent as unknown as { _handle: { fd: number } })._handle.fd;
  return { parent, port, fd };
}

/** Resolves once `ready()` is true, checked every 10 ms. */
const until = (ready: () => boolean) =>
  new Promise<void>((r) => {
    const wait = () => (ready() ? r() : setTimeout(wait, 10));
    wait();
  });

/** One connection to `port`: what the server sends before it ends it. */
const replyFrom = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let body = '';
    c.on('data', (b) => (body += b));
    c.on('end', () => resolve(body));
    c.on('error', reject);
  });

// The libuv behaviour the rule relies on, on this Node: on a listening socket
// opened from an inherited fd, readStop() stops accepting and readStart()
// resumes. The fd is inherited for real: a child node gets a listening socket
// as fd 3 from its parent, as from systemd.
describe('readStop/readStart on an inherited listening fd (real Node)', () => {
  it('holds a connection in the queue while stopped and accepts it after readStart', async () => {
    const { parent, port, fd } = await inheritedListener();
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const net = require('net');
         const s = net.createServer((c) => { console.log('accepted ' + stopped); c.end('x'); });
         let stopped = false;
         s.listen({ fd: 3 }, () => {
           const h = s._handle;
           if (h.readStart() !== 0) { console.log('readStart failed'); process.exit(1); }
           h.readStop(); stopped = true; console.log('stopped');
           setTimeout(() => { stopped = false; h.readStart(); }, 300);
           setTimeout(() => process.exit(0), 2000);
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit', fd] },
    );
    // Only the child holds the socket now (a socket Node bound itself cannot be paused).
    parent.close();
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    await until(() => out.includes('stopped'));
    const reply = await replyFrom(port);
    await new Promise((r) => child.on('close', r));
    expect(reply).toBe('x');
    // The connection waited in the queue until readStart: accepted while not stopped.
    expect(out).toContain('accepted false');
    expect(out).not.toContain('accepted true');
  }, 15_000);
});

describe('a pause on a real listening socket (real Node)', () => {
  it('keeps the process alive while paused with no connection left: it accepts again, it does not exit', async () => {
    const { parent, port, fd } = await inheritedListener();
    // The child paces its server on fd 3 (4 instances, 8 connections in all),
    // is told of 3 reused connections (more than its share of 2), so it stops
    // accepting; then they close. Nothing but the server keeps its loop alive.
    const code = `
      const { EventEmitter } = require('events');
      const { createAcceptPacing } = require(${JSON.stringify(requirePreload.resolve('./accept-pacing.cjs'))});
      const net = require('net');
      const pacing = createAcceptPacing({ instances: 4, totalFor: () => 8 });
      const s = net.createServer((c) => c.end('x'));
      s.listen({ fd: 3 }, () => {
        if (!pacing.track(s, [3])) { console.log('not tracked'); process.exit(1); }
        const sockets = [1, 2, 3].map(() => new EventEmitter());
        for (const c of sockets) {
          pacing.onConnection(s, c);
          for (let i = 0; i < 2; i++) pacing.onRequest(s, c, { shouldKeepAlive: true });
        }
        for (const c of sockets) c.emit('close');
        console.log('paused');
      });
      process.on('exit', (code) => console.log('exit ' + code));`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit', fd] });
    parent.close();
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    const exited = new Promise((r) => child.on('close', r));
    try {
      await until(() => out.includes('paused') || out.includes('exit'));
      // Still serving after the pause: a new connection is answered.
      expect(await replyFrom(port)).toBe('x');
      expect(out).not.toContain('exit');
    } finally {
      child.kill();
      await exited;
    }
  }, 15_000);
});

describe('shedding surplus keep-alive connections', () => {
  it('asks connections beyond its fair share to close after their response, once each', () => {
    const t = fakeTimers();
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 16, timers: t.timers, now: () => 0 });
    const { server } = fakeServer();
    pacing.track(server, [3]);
    const sockets = Array.from({ length: 8 }, connection);
    for (const s of sockets) pacing.onConnection(server, s);
    // 8 held, fair share 4: shed down to 4, once half of them are reused.
    const first = sockets.map(() => ({ shouldKeepAlive: true }));
    sockets.forEach((s, i) => pacing.onRequest(server, s, first[i]));
    expect(first.every((r) => r.shouldKeepAlive)).toBe(true); // no connection reused yet
    const responses = sockets.map(() => ({ shouldKeepAlive: true }));
    sockets.forEach((s, i) => pacing.onRequest(server, s, responses[i]));
    expect(responses.filter((r) => !r.shouldKeepAlive)).toHaveLength(4);
    // The same socket again: not counted twice; the others are within share now.
    const again = { shouldKeepAlive: true };
    pacing.onRequest(server, sockets[0], again);
    pacing.onRequest(server, sockets[7], again);
    expect(again.shouldKeepAlive).toBe(true);
    // A shed one closes: the count of connections to shed drops with it.
    const shedIndex = responses.findIndex((r) => !r.shouldKeepAlive);
    sockets[shedIndex].emit('close');
    const next = { shouldKeepAlive: true };
    pacing.onRequest(server, sockets[7], next);
    expect(next.shouldKeepAlive).toBe(true); // 7 held, 3 still shedding: 4 <= 4
  });

  it('sheds at most N x T connections per SHED_WINDOW_MS, so an unreachable share costs no endless churn', () => {
    let clock = 0;
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 12, timers: fakeTimers().timers, now: () => clock });
    const { server } = fakeServer();
    pacing.track(server, [3]);
    // N counts one process too many (a child holding the socket): shed connections keep coming back.
    const shedIn = (rounds: number) => {
      let shed = 0;
      for (let i = 0; i < rounds; i++) {
        const s = connection();
        pacing.onConnection(server, s);
        const r = { shouldKeepAlive: true };
        pacing.onRequest(server, s, r);
        if (!r.shouldKeepAlive) shed++;
        s.emit('close'); // shed: closed after its response; kept: the client goes away, so the next one is the 4th again
      }
      return shed;
    };
    for (let i = 0; i < 3; i++) {
      const s = connection();
      pacing.onConnection(server, s);
      reuse(pacing, server, s);
    }
    expect(shedIn(60)).toBe(48); // 3 reused + 1 new of 12 over 4 (share 3): 4 x 12 sheds, then the budget is spent
    clock = SHED_WINDOW_MS - 1;
    expect(shedIn(5)).toBe(0);
    clock = SHED_WINDOW_MS;
    expect(shedIn(60)).toBe(48); // a new window
  });

  it('starts the budget afresh once it holds no connection: the next clients are not left with what settling the last ones spent', () => {
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 4, timers: fakeTimers().timers, now: () => 1000 });
    const { server } = fakeServer();
    pacing.track(server, [3]);
    const passes = (sockets: EventEmitter[]) => requestPasses(pacing, server, sockets, 3);
    const connect = (n: number) => connectClients(pacing, server, n);
    // T = 4 over 4 (share 1), budget N x T = 16 per window: 20 connections, 16 asked to close, then it is spent.
    const first = connect(20);
    expect(passes(first)).toBe(16);
    for (const s of first) s.emit('close');
    // Within the same SHED_WINDOW_MS (the clock stands still): 4 new ones, beyond the share of 1,
    // shed down to 2 (it never sheds below 3 held).
    expect(passes(connect(4))).toBe(2);
  });

  it('re-reads the total at an accept once it is ACCEPT_TTL_MS old: a burst changes it quickly', () => {
    const t = fakeTimers();
    let clock = 0;
    let reads = 0;
    const pacing = createAcceptPacing({ instances: 2, totalFor: () => (reads++, 100), timers: t.timers, now: () => clock });
    const { server } = fakeServer();
    pacing.track(server, [3]);
    const add = () => {
      const s = connection();
      pacing.onConnection(server, s);
      reuse(pacing, server, s);
    };
    add();
    add();
    expect(reads).toBe(1);
    clock = ACCEPT_TTL_MS - 1;
    add();
    expect(reads).toBe(1);
    clock = ACCEPT_TTL_MS;
    add();
    expect(reads).toBe(2);
  });

  it('leaves connections of an instance within its share alone, and untracked servers', () => {
    const pacing = createAcceptPacing({ instances: 2, totalFor: () => 8, now: () => 0 });
    const { server } = fakeServer();
    pacing.track(server, [3]);
    const sockets = Array.from({ length: 4 }, connection);
    for (const s of sockets) pacing.onConnection(server, s);
    const r = { shouldKeepAlive: true };
    for (const s of sockets) pacing.onRequest(server, s, r);
    for (const s of sockets) pacing.onRequest(server, s, r);
    pacing.onRequest({}, sockets[0], r);
    expect(r.shouldKeepAlive).toBe(true);
  });

  it('never pauses or sheds while most connections carry one request each (new-connection traffic)', () => {
    const t = fakeTimers();
    let reads = 0;
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => (reads++, 4), timers: t.timers, now: () => 0 });
    const { server, calls } = fakeServer();
    pacing.track(server, [3]);
    const responses = [];
    for (let i = 0; i < 20; i++) {
      const s = connection();
      pacing.onConnection(server, s);
      const r = { shouldKeepAlive: true };
      pacing.onRequest(server, s, r);
      responses.push(r);
    }
    expect(calls).toEqual(['start']);
    expect(responses.every((r) => r.shouldKeepAlive)).toBe(true);
    expect(reads).toBe(0); // /proc is never read
  });
});

describe('procTotal', () => {
  const { procTotal, readCapped } = requirePreload('./accept-pacing.cjs');
  it('counts from this host\'s /proc/net/tcp, or gives up when it is longer than the cap', () => {
    const { PROC_CAP_BYTES } = requirePreload('./accept-pacing.cjs');
    const size = (f: string) => (nodeFs.existsSync(f) ? nodeFs.readFileSync(f).length : 0);
    const small = size('/proc/net/tcp') <= PROC_CAP_BYTES && size('/proc/net/tcp6') <= PROC_CAP_BYTES;
    const total = procTotal(nodeFs)(1);
    if (small) expect(typeof total).toBe('number');
    else expect(total).toBeUndefined();
  });
  it('gives up on a table bigger than the cap, or an unreadable one', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pacing-')), 'tcp');
    fs.writeFileSync(file, 'x'.repeat(100));
    expect(readCapped(fs, file, 100)).toBe('x'.repeat(100));
    expect(readCapped(fs, file, 99)).toBeUndefined();
    expect(readCapped(fs, `${file}-missing`, 100)).toBeUndefined();
    expect(procTotal(fs, 10)(1)).toBeUndefined(); // the real /proc/net/tcp is longer than 10 bytes
  });
});

describe('socketHolders', () => {
  const { socketHolders } = requirePreload('./accept-pacing.cjs');
  /** A fake /proc: pid -> [what its fd 3 names, its parent pid]. */
  function fakeProc(self: string | undefined, procs: Record<string, [string | undefined, string]>, listable = true) {
    const stat = (pid: string, ppid: string) => `${pid} (node (x)) S ${ppid} 1 1 0`;
    return {
      readlinkSync(path: string) {
        const m = /^\/proc\/(self|\d+)\/fd\/3$/.exec(path);
        const target = m && (m[1] === 'self' ? self : procs[m[1]]?.[0]);
        if (target === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return target;
      },
      readdirSync(path: string) {
        if (!listable || path !== '/proc') throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return ['self', 'net', ...Object.keys(procs)];
      },
      readFileSync(path: string) {
        const pid = /^\/proc\/(\d+)\/stat$/.exec(path)?.[1];
        if (!pid || !procs[pid]) throw new Error('ENOENT');
        return stat(pid, procs[pid][1]);
      },
    };
  }

  it('counts the processes whose fd names the same socket, not their children, not other sockets', () => {
    const procs: Record<string, [string | undefined, string]> = {
      '101': ['socket:[77]', '1'], // instance 1 (this one)
      '102': ['socket:[77]', '1'], // instance 2
      '103': ['socket:[77]', '1'], // instance 3
      '104': ['socket:[77]', '102'], // a child of instance 2 that inherited fd 3
      '105': ['socket:[99]', '1'], // another app's socket
      '106': [undefined, '1'], // not ours to read
      '107': ['/dev/null', '1'],
    };
    expect(socketHolders(fakeProc('socket:[77]', procs))(3)).toBe(3);
  });

  it('is undefined when the fd is no socket or /proc cannot be listed', () => {
    expect(socketHolders(fakeProc(undefined, {}))(3)).toBeUndefined();
    expect(socketHolders(fakeProc('/dev/null', {}))(3)).toBeUndefined();
    expect(socketHolders(fakeProc('socket:[77]', { '101': ['socket:[77]', '1'] }, false))(3)).toBeUndefined();
  });

  it('sets N for the fair share, and falls back to NODEUNIT_INSTANCES while it is unknown', () => {
    const t = fakeTimers();
    let holders: number | undefined = 2;
    let clock = 0;
    const pacing = createAcceptPacing({ instances: 4, totalFor: () => 8, holdersFor: (fd: number) => (expect(fd).toBe(3), holders), timers: t.timers, now: () => clock });
    const { server, calls } = fakeServer();
    pacing.track(server, [3]);
    calls.length = 0;
    for (let i = 0; i < 4; i++) {
      const s = connection();
      pacing.onConnection(server, s);
      reuse(pacing, server, s);
    }
    expect(calls).toEqual([]); // 4 of 8 over the 2 running: its share
    clock = ACCEPT_TTL_MS;
    holders = undefined;
    pacing.onConnection(server, connection());
    expect(calls).toEqual(['stop']); // 5 > ceil(8 / 4)
  });

  it('counts real processes holding an inherited listening socket at fd 3 (this Node)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    const stdio = ['ignore', 'ignore', 'ignore', fd] as const;
    const sleepers = [0, 1].map(() => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: [...stdio] }));
    try {
      // The checker holds fd 3 and forks a child that inherits it: 2 sleepers + the checker = 3.
      const code = `
        const { spawn } = require('child_process');
        const { socketHolders } = require(${JSON.stringify(requirePreload.resolve('./accept-pacing.cjs'))});
        const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: ['ignore', 'ignore', 'ignore', 3] });
        setTimeout(() => { console.log(socketHolders(require('fs'))(3)); child.kill(); }, 300);`;
      const checker = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit', fd] });
      let out = '';
      checker.stdout!.on('data', (d) => (out += d));
      await new Promise((r) => checker.on('exit', r));
      expect(out.trim()).toBe('3');
    } finally {
      for (const s of sleepers) s.kill();
      server.close();
    }
  }, 15_000);
});
