'use strict';
/**
 * Accept pacing: spreads the connections of a listening socket that every
 * instance shares (`--balance shared`) evenly over the instances.
 *
 * Why: every instance polls the same socket and the kernel wakes them all;
 * whichever runs first drains the accept queue (libuv accepts in a loop),
 * so a client that opens its keep-alive connections at once can pin most of
 * them on one instance for as long as it keeps them (measured 94/6/0/0).
 * Node's cluster module avoids this with a master that accepts and forwards;
 * here each instance steps aside on its own instead.
 *
 * Only keep-alive traffic needs this: short connections spread well by
 * themselves (measured), and pausing their accepts costs throughput. So an
 * instance paces only while at least half of the connections it holds have
 * carried more than one request ("reused").
 *
 * Rule, after this instance accepts a connection on a paced server:
 *   - it holds fewer than 2 connections, or fewer than half are reused
 *                                                  -> nothing;
 *   - with the counts the instances share (`counts`, balance-counts.cjs,
 *     in the unit's RuntimeDirectory=, re-read every COUNTS_TTL_MS: tens of
 *     microseconds): it holds at least its fair share, ceil(T / N), where T
 *     is the connections the instances hold on the server's port and N the
 *     instances running, counting connections it asked to close as gone,
 *     while another instance holds less than that
 *                                                  -> stop accepting
 *     (server._handle.readStop(): uv_read_stop stops the listening socket's
 *     io watcher, whose callback is libuv's accept loop) until that is no
 *     longer so, checked every CHECK_MS, for at most MAX_PAUSE_MS in a row,
 *     then accept again (readStart()). A stop takes effect at the next
 *     poll: libuv's accept loop, once woken, accepts until the queue is
 *     empty, which is why a burst can land on one instance and needs
 *     shedding. New connections, the shed ones
 *     coming back included, then wake only the instances below their share
 *     (with only a 1 ms pause after taking one too many, shed connections
 *     bounced between instances at their share: 64 keep-alive connections
 *     took 129-283 connects to settle, 104-126 with this rule; measured in
 *     a container, 2 CPUs). The check also runs when a request starts, so an
 *     instance at its share steps aside before its siblings shed. The bound
 *     keeps a sibling whose loop is blocked from holding new connections;
 *     one that died is gone from the counts at the next read;
 *   - without shared counts (units written before them have no such
 *     directory), it holds more than its fair share, where T is the
 *     connections to the port (all instances, queued
 *     ones included, from /proc/net/tcp and tcp6, re-read when older than
 *     ACCEPT_TTL_MS: a burst of new connections changes it quickly; pacing
 *     waits while those list more than ~6,000 sockets) and N is the
 *     processes holding the socket (socketHolders, read with T; while it
 *     cannot be read, NODEUNIT_INSTANCES): an instance that is down, stopped
 *     or added by `scale` counts at once, without a restart
 *                                                  -> stop accepting for
 *     PAUSE_MS, then accept again. An instance with fewer connections takes
 *     the next ones meanwhile; the pause is bounded, so when a sibling is
 *     dead the survivors still take its share at once, only paced;
 *   - otherwise                                   -> nothing.
 * Pacing alone cannot undo a burst that one instance took before the others
 * woke up, and keep-alive connections stay where they landed. So, when a
 * request starts on a paced HTTP server (the `http.server.request.start`
 * channel, before the app's handler runs):
 *   - at least half of its connections are reused, it holds more than
 *     its fair share (T re-read when older than TOTAL_TTL_MS), counting
 *     connections it has already asked to close as gone, and it has asked
 *     fewer than N x T connections to close in the current SHED_WINDOW_MS
 *     (a window that starts afresh once it holds no connection; so does the
 *     peak that the shared total is held at, see refresh)
 *                                              -> the response says
 *     `Connection: close` (response.shouldKeepAlive = false, as the drain
 *     does): the client reconnects, and the new connection goes to an
 *     instance below its share, since this one is pacing its accepts
 *     (with shared counts it stopped accepting on reaching its share, as
 *     above);
 *   - otherwise                                -> nothing.
 * Every request is answered; a shed connection closes after its response.
 * The share is strict (16 connections over 4 instances end as 4/4/4/4; with
 * a slack of one they stuck at 5/5/4/2, a 0.44 share). N counts the
 * instances running, not those configured: with NODEUNIT_INSTANCES=4 and 3
 * running, a fourth share had nowhere to go, shed connections came back,
 * and the churn halved throughput (measured, 16 connections). The budget
 * bounds that churn wherever N is still too high.
 * Which servers: only those listening on an fd systemd passed in (libuv
 * opened it with uv_tcp_open, so readStart works on it; on a socket Node
 * bound itself readStart fails with ENOTCONN and readStop does nothing),
 * and only when N > 1. Anything unexpected (no handle, no readStop, a
 * failing readStart, /proc unreadable) turns pacing off for that server and
 * leaves it accepting; while the total cannot be read (or the table is too
 * big) the instance neither pauses nor sheds, and tries again after
 * TOTAL_TTL_MS.
 */

const PAUSE_MS = 1;
const CHECK_MS = 5;
const MAX_PAUSE_MS = 20;
const TOTAL_TTL_MS = 1000;
const ACCEPT_TTL_MS = 100;
const COUNTS_TTL_MS = 20;
const PEAK_HOLD_MS = 2000;
const SHED_WINDOW_MS = 10_000;
// About 6,000 sockets (150 bytes a line), TIME_WAIT ones included. Reading
// /proc/net/tcp costs ~0.75 ms even when it is nearly empty (the kernel walks
// its whole connection hash table; measured on this 24 GiB host), and more
// with every socket: at most one read per ACCEPT_TTL_MS at an accept and one
// per TOTAL_TTL_MS otherwise. A host that closes thousands of short
// connections a minute has more TIME_WAIT sockets than the cap (the bench's
// pinned section: 13,000, 2 MB): pacing is then off. Instances that tell each
// other their counts (a shared RuntimeDirectory=) would need neither.
const PROC_CAP_BYTES = 1 << 20;
const TCP_ESTABLISHED = '01';

/** Established sockets whose local port is `port`, in /proc/net/tcp{,6} text. */
function countEstablished(text, port) {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[3] === TCP_ESTABLISHED && cols[1] !== undefined && cols[1].endsWith(suffix)) n++;
  }
  return n;
}

function fairShare(total, instances) {
  return Math.ceil(total / instances);
}

/**
 * The first `cap` bytes of a /proc file, or undefined when it is longer (or
 * unreadable). /proc/net/tcp lists every socket of the network namespace,
 * TIME_WAIT included: on a host with hundreds of thousands of them, reading
 * it would block the event loop, so a bigger table turns pacing off.
 */
function readCapped(fs, file, cap) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(cap + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, length, cap + 1 - length, null);
      if (n === 0) break;
      length += n;
      if (length > cap) return undefined;
    }
    return buf.toString('latin1', 0, length);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Reads the port's established connections from /proc; undefined when unreadable or too big. */
function procTotal(fs, cap = PROC_CAP_BYTES) {
  return (port) => {
    const v4 = readCapped(fs, '/proc/net/tcp', cap);
    if (v4 === undefined) return undefined;
    // Missing without IPv6; too big: give up as above.
    const v6 = fs.existsSync('/proc/net/tcp6') ? readCapped(fs, '/proc/net/tcp6', cap) : '';
    if (v6 === undefined) return undefined;
    return countEstablished(v4 + v6, port);
  };
}

/**
 * How many processes hold the listening socket at `fd`, this one included,
 * as far as this process can see: those whose /proc/<pid>/fd/<fd> names the
 * same socket inode. Every instance gets systemd's sockets at the same fd
 * numbers. Under ProtectProc=invisible only the service user's processes
 * are listed. A holder whose parent holds it too is a child that inherited
 * the fd (systemd clears no FD_CLOEXEC for the app's children), not counted.
 * Outcomes: the count (>= 1); undefined when /proc/self/fd/<fd> is not a
 * socket or /proc cannot be listed.
 */
/** The parent pid in /proc/<pid>/stat (field 4, after the parenthesised name); '' when unreadable. */
function parentPid(fs, pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] || '';
  } catch {
    return '';
  }
}

function socketHolders(fs) {
  return (fd) => {
    let self;
    try {
      self = fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return undefined;
    }
    if (!self.startsWith('socket:')) return undefined;
    let entries;
    try {
      entries = fs.readdirSync('/proc');
    } catch {
      return undefined;
    }
    const holders = new Set();
    for (const pid of entries) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === self) holders.add(pid);
      } catch {
        /* gone, or not ours to read */
      }
    }
    // A child of an instance that inherited the fd is no instance.
    let n = 0;
    for (const pid of holders) if (!holders.has(parentPid(fs, pid))) n++;
    return n > 0 ? n : undefined;
  };
}

function createAcceptPacing({ instances, totalFor, holdersFor = () => undefined, counts, timers = globalThis, now = Date.now }) {
  const paced = new Map(); // server -> { open, paused, total, n, readAt, port, fd, ... }
  const enabled = Number.isInteger(instances) && instances > 1;

  function stopPacing(server) {
    paced.delete(server);
  }

  /** The port's total, re-read when older than TOTAL_TTL_MS; false while it cannot be known. */
  function refresh(state, ttl = TOTAL_TTL_MS) {
    // The shared counts cost tens of microseconds to read: fresh ones let a
    // burst settle within its first requests.
    if (now() - state.readAt >= (counts ? COUNTS_TTL_MS : ttl)) {
      const shared = counts && counts.read(state.port);
      if (shared) {
        // The counts miss connections between instances: shed and not yet
        // accepted again. Counting from them alone, shedding lowers the share
        // and sheds more (on one saturated CPU throughput fell by a quarter);
        // so the total holds its peak for PEAK_HOLD_MS.
        const t = now();
        if (shared.total >= state.peak || t - state.peakAt >= PEAK_HOLD_MS) {
          state.peak = shared.total;
          state.peakAt = t;
        }
        state.total = state.peak;
        state.n = shared.instances;
        state.least = shared.least;
        state.readAt = t;
        return true;
      }
      const total = totalFor(state.port);
      state.total = total === undefined ? undefined : total;
      const holders = holdersFor(state.fd);
      state.n = holders === undefined ? instances : holders;
      state.readAt = now();
    }
    return state.total !== undefined;
  }

  const keepAlive = (state) => state.reused * 2 >= state.open;

  /**
   * With shared counts: this instance holds its share (connections being
   * shed count as gone) while another holds less. It then steps aside so
   * that new connections, shed ones coming back included, wake only the
   * instances below their share.
   */
  function full(state) {
    if (state.least === undefined) return false;
    const share = fairShare(state.total, state.n);
    return state.open - state.shed >= share && state.least < share;
  }

  /**
   * Stops accepting. Without shared counts for PAUSE_MS; with them while
   * full(), checked every CHECK_MS, for at most MAX_PAUSE_MS in a row (a
   * sibling below its share that does not accept, its loop blocked, holds
   * new connections no longer than that).
   */
  function pause(server, state) {
    const handle = server._handle;
    if (!handle) return stopPacing(server);
    handle.readStop();
    state.paused = true;
    const since = now();
    const resume = () => {
      // A server closed meanwhile has no handle (or another one): leave it.
      if (server._handle !== handle) {
        state.paused = false;
        return;
      }
      if (counts && now() - since < MAX_PAUSE_MS && refresh(state) && full(state)) return wait(CHECK_MS);
      state.paused = false;
      if (handle.readStart() !== 0) stopPacing(server);
    };
    // Not unref'd: a stopped listening handle no longer keeps the loop
    // alive, and an instance paused when its last connection closed would
    // exit (status 0) instead of accepting again.
    const wait = (ms) => timers.setTimeout(resume, ms);
    wait(counts ? CHECK_MS : PAUSE_MS);
  }

  function afterAccept(server, state) {
    if (state.open < 2 || state.paused || !keepAlive(state)) return;
    if (!refresh(state, ACCEPT_TTL_MS)) return;
    if (state.least !== undefined ? full(state) : state.open > fairShare(state.total, state.n)) pause(server, state);
  }

  return {
    get enabled() {
      return enabled;
    },
    /** Paces `server` if it listens on one of systemd's fds and can pause. */
    track(server, inheritedFds) {
      if (!enabled || paced.has(server)) return false;
      const handle = server._handle;
      if (!handle || typeof handle.readStop !== 'function' || typeof handle.readStart !== 'function') return false;
      if (!inheritedFds.includes(handle.fd)) return false;
      const address = server.address();
      if (!address || typeof address !== 'object') return false;
      // The first readStart arms readStop (libuv's stop is a no-op on a
      // stream it never started reading); on an fd it cannot read, give up.
      if (handle.readStart() !== 0) return false;
      if (counts) counts.publish(address.port, 0);
      paced.set(server, { open: 0, paused: false, total: 0, least: undefined, peak: 0, peakAt: -Infinity, n: instances, readAt: -Infinity, port: address.port, fd: handle.fd, shedding: new WeakSet(), shed: 0, windowAt: -Infinity, windowSheds: 0, requests: new WeakMap(), reused: 0 });
      return true;
    },
    /** A connection this process accepted (the `net.server.socket` channel). */
    onConnection(server, socket) {
      const state = paced.get(server);
      if (!state) return;
      state.open++;
      if (counts) counts.publish(state.port, state.open - state.shed);
      socket.once('close', () => {
        state.open--;
        if (state.shedding.has(socket)) state.shed--;
        if (counts) counts.publish(state.port, state.open - state.shed);
        if ((state.requests.get(socket) || 0) >= 2) state.reused--;
        // The clients left: the next ones get a budget of their own, not
        // what is left of one spent settling the last, and a total of their
        // own, not the last ones' peak (else a client that comes within
        // SHED_WINDOW_MS, or PEAK_HOLD_MS, stays where its burst landed:
        // 16 connections that came about a second after 64 left were not
        // shed in their first second).
        if (state.open === 0) {
          state.windowAt = -Infinity;
          state.peak = 0;
          state.readAt = -Infinity;
        }
      });
      afterAccept(server, state);
    },
    /** A request starting on `socket` (the `http.server.request.start` channel). */
    onRequest(server, socket, response) {
      const state = paced.get(server);
      if (!state) return;
      const count = (state.requests.get(socket) || 0) + 1;
      state.requests.set(socket, count);
      if (count === 2) state.reused++;
      if (state.shedding.has(socket) || state.open - state.shed < 3 || !keepAlive(state)) return;
      if (!refresh(state)) return;
      // At its share while a sibling is below: step aside before shedding
      // or taking more, or the connections shed elsewhere land here.
      if (!state.paused && full(state)) pause(server, state);
      if (state.open - state.shed <= fairShare(state.total, state.n)) return;
      // A budget of N x T sheds per SHED_WINDOW_MS: a shed connection may
      // land on another instance at its share and bounce on (about 1 in N
      // reaches the one below), yet when the share is unreachable (a child
      // holding the socket counted as an instance) the churn stays bounded.
      const t = now();
      if (t - state.windowAt >= SHED_WINDOW_MS) {
        state.windowAt = t;
        state.windowSheds = 0;
      }
      if (state.windowSheds >= state.n * state.total) return;
      state.windowSheds++;
      response.shouldKeepAlive = false;
      state.shedding.add(socket);
      state.shed++;
      // Counted as gone at once, not when it closes nor FLUSH_MS later: its
      // client reconnects within a round trip, and a sibling that counts it
      // before this instance stops counting it makes the total one too high,
      // which the peak then holds (measured: 32 connections still at
      // 9/8/8/7 2 s into a 3 s run, as ceil(33 / 4) = 9 sheds nothing; 6 of
      // 30 runs at 16, 32 and 64 connections uneven like that, none with this).
      if (counts) counts.publish(state.port, state.open - state.shed, true);
    },
  };
}

module.exports = { createAcceptPacing, countEstablished, fairShare, procTotal, readCapped, socketHolders, PAUSE_MS, CHECK_MS, MAX_PAUSE_MS, TOTAL_TTL_MS, ACCEPT_TTL_MS, COUNTS_TTL_MS, PEAK_HOLD_MS, SHED_WINDOW_MS, PROC_CAP_BYTES };
