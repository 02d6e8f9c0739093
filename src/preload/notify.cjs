'use strict';
/**
 * sd_notify(3) from the app process, without native code.
 *
 * The launcher connected a datagram socket to $NOTIFY_SOCKET before it
 * exec'd node, and left it open; its number arrives in NODEUNIT_NOTIFY_FD.
 * write(2) on a connected datagram socket sends one datagram, so plain
 * fs.writeSync is enough here. Because the write comes from the main PID,
 * systemd's default NotifyAccess=main accepts it (systemd.service(5)).
 *
 * createNotifier(fd) outcomes:
 *   - fd undefined / not a number   -> a notifier whose send() returns false
 *     (not started by systemd with Type=notify, or nothing to write to);
 *   - fd is not a socket            -> same, the variable was not ours;
 *   - send(fields) writes "KEY=VALUE\n..." as one datagram and returns true;
 *   - EAGAIN (PID 1's queue is full; the socket is non-blocking so the event
 *     loop never waits on systemd) -> false, the caller may try again;
 *   - any other error (the app closed the fd, systemd went away) -> false,
 *     and the notifier goes quiet for good.
 */
const fs = require('fs');

/** Encodes one notification. Values cannot hold a newline (it would start a new
 * assignment in systemd's parser), so newlines become spaces. */
function formatState(fields) {
  return Object.keys(fields)
    .map((key) => `${key}=${String(fields[key]).replace(/[\r\n]+/g, ' ')}\n`)
    .join('');
}

function parseFd(value) {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function createNotifier(fd, io = fs) {
  let open = false;
  if (typeof fd === 'number') {
    try {
      open = io.fstatSync(fd).isSocket();
    } catch {
      open = false;
    }
  }
  return {
    get enabled() {
      return open;
    },
    send(fields) {
      if (!open) return false;
      try {
        io.writeSync(fd, Buffer.from(formatState(fields)));
        return true;
      } catch (err) {
        if (err && err.code !== 'EAGAIN') open = false;
        return false;
      }
    },
  };
}

module.exports = { createNotifier, formatState, parseFd };
