'use strict';
/**
 * Connection counts that the instances of an app share through a directory
 * (NODEUNIT_BALANCE_DIR: the unit's RuntimeDirectory=, a tmpfs under /run,
 * kept while any instance runs). Each instance keeps one file per port,
 * `<port>.<pid>`, holding how many connections it accepted there and has not
 * closed yet. accept-pacing.cjs reads the total and the number of instances
 * from them instead of /proc/net/tcp, which costs ~0.75 ms a read and grows
 * with every socket of the host, TIME_WAIT ones included.
 *
 * createBalanceCounts({ dir, pid, fs, kill, timers, now }) outcomes:
 *   publish(port, open)  the count (accept-pacing.cjs publishes the
 *                        connections it holds minus those it has asked to
 *                        close) is written at once if the last write is
 *                        FLUSH_MS old, else once FLUSH_MS after it (the
 *                        latest count wins); a write that fails turns
 *                        publishing and reading off for good (read says
 *                        undefined: the caller falls back)
 *   publish(port, open, true)
 *                        written at once whatever the last write's age (the
 *                        pending write, if any, is dropped): for a connection
 *                        the instance has asked to close, whose client
 *                        reconnects to a sibling within a round trip
 *   read(port)           { total, instances, least } summed over the port's
 *                        files, this process's own with its latest count;
 *                        least is the smallest count among the other
 *                        instances (undefined when there are none); a file
 *                        whose pid is gone (kill(pid, 0) throws ESRCH) is
 *                        removed and not counted
 *                     -> undefined when the directory cannot be listed or
 *                        publishing failed
 * Files are written whole (a few bytes, one write(2) on tmpfs); a reader that
 * sees an empty or malformed one counts 0 connections for that instance.
 */
const FLUSH_MS = 20;

function createBalanceCounts({ dir, pid, fs, kill, timers = globalThis, now = Date.now }) {
  const own = new Map(); // port -> { open, writtenAt, timer }
  let broken = false;
  const file = (port) => `${dir}/${port}.${pid}`;

  function write(port, state) {
    state.timer = undefined;
    state.writtenAt = now();
    try {
      fs.writeFileSync(file(port), String(state.open));
    } catch {
      broken = true;
    }
  }

  function publish(port, open, atOnce = false) {
    if (broken) return;
    let state = own.get(port);
    if (!state) own.set(port, (state = { open, writtenAt: -Infinity, timer: undefined }));
    state.open = open;
    if (atOnce) {
      if (state.timer) timers.clearTimeout(state.timer);
      return write(port, state);
    }
    if (state.timer) return;
    const wait = state.writtenAt + FLUSH_MS - now();
    if (wait <= 0) return write(port, state);
    state.timer = timers.setTimeout(() => write(port, state), wait);
    if (state.timer && state.timer.unref) state.timer.unref();
  }

  function read(port) {
    if (broken) return undefined;
    let names;
    try {
      names = fs.readdirSync(dir);
    } catch {
      return undefined;
    }
    const prefix = `${port}.`;
    let total = 0;
    let instances = 0;
    let least;
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const holder = name.slice(prefix.length);
      if (!/^\d+$/.test(holder)) continue;
      if (Number(holder) === pid) continue; // counted below, with the latest count
      try {
        kill(Number(holder), 0);
      } catch (err) {
        if (err && err.code === 'ESRCH') {
          try {
            fs.unlinkSync(`${dir}/${name}`);
          } catch {
            /* another instance removed it first */
          }
          continue;
        }
        // EPERM: alive, another user's (not expected here): counted.
      }
      let count = 0;
      try {
        count = Number.parseInt(fs.readFileSync(`${dir}/${name}`, 'latin1'), 10) || 0;
      } catch {
        continue; // removed meanwhile
      }
      total += count;
      instances++;
      if (least === undefined || count < least) least = count;
    }
    const mine = own.get(port);
    if (mine) {
      total += mine.open;
      instances++;
    }
    return { total, instances, least };
  }

  return { publish, read };
}

module.exports = { createBalanceCounts, FLUSH_MS };
