'use strict';
/**
 * Socket adoption: the app calls listen(8080) as it always does, and is
 * served on the listening socket systemd passed in (sd_listen_fds(3)), so
 * every instance shares one socket held by PID 1 and no port is bound twice.
 *
 * Node offers no hook to change where a server listens, so this is the one
 * place the preload wraps a Node API (net.Server.prototype.listen).
 *
 * routeListen(fds, claimed, args) outcomes, for one listen() call:
 *   - listen({ fd }) on an inherited fd      -> unchanged; that fd counts as claimed
 *   - listen(port) / listen({ port }), port > 0:
 *       an unclaimed fd named "<port>" or "<host>:<port>" -> that fd
 *       else the first unclaimed fd, in LISTEN_FDS order   -> that fd
 *       every fd claimed                                    -> unchanged (binds as usual)
 *   - port 0 (a throwaway port), a pipe path, a handle, no arguments
 *                                            -> unchanged
 * Each fd is adopted once per process: libuv owns it from then on.
 */

function listenTarget(args) {
  const first = args[0];
  if (typeof first === 'number') return { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (typeof first === 'string' && /^\d+$/.test(first)) {
    return { port: Number(first), host: typeof args[1] === 'string' ? args[1] : undefined };
  }
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (typeof first.fd === 'number') return { fd: first.fd };
    if (first.path === undefined && first.handle === undefined && first._handle === undefined && first.port !== undefined) {
      const port = Number(first.port);
      if (Number.isInteger(port)) return { port, host: first.host };
    }
  }
  return null;
}

/** Returns the arguments to call the real listen() with. */
function routeListen(fds, claimed, args) {
  const target = listenTarget(args);
  if (target === null) return args;
  if (target.fd !== undefined) {
    if (fds.some((f) => f.fd === target.fd)) claimed.add(target.fd);
    return args;
  }
  if (target.port <= 0) return args;
  const free = fds.filter((f) => !claimed.has(f.fd));
  if (free.length === 0) return args;
  const wanted = [String(target.port), `${target.host}:${target.port}`];
  const pick = free.find((f) => wanted.includes(f.name)) || free[0];
  claimed.add(pick.fd);
  const callback = args.find((a) => typeof a === 'function');
  const options = { fd: pick.fd };
  return callback ? [options, callback] : [options];
}

/** Wraps net.Server.prototype.listen so port listens land on systemd's fds. */
function installAdoption(net, fds) {
  if (fds.length === 0) return () => {};
  const claimed = new Set();
  const original = net.Server.prototype.listen;
  net.Server.prototype.listen = function listen(...args) {
    return original.apply(this, routeListen(fds, claimed, args));
  };
  return () => {
    net.Server.prototype.listen = original;
  };
}

module.exports = { routeListen, listenTarget, installAdoption };
