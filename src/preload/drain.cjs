'use strict';
/**
 * Graceful stop on SIGTERM, which systemd sends first when stopping or
 * restarting a service (systemd.kill(5) KillSignal=; SIGKILL follows after
 * TimeoutStopSec=). The goal is that a rolling restart behind a shared
 * socket fails no request:
 *
 *   1. STOPPING=1 (sd_notify(3)), so `systemctl status` shows "deactivating".
 *   2. Stop accepting: net.Server.prototype.close on every listening server.
 *      (http.Server#close would also close idle keep-alive connections at
 *      once, resetting a client that is sending on one right then.) With a
 *      socket held by systemd only this process' copy closes: the other
 *      instances, or the next start of this one, take the queued connections.
 *   3. Requests in flight finish. Every response not yet started, and every
 *      request that arrives on a kept-alive connection from now on, gets
 *      `Connection: close`: decided on the `http.server.request.start`
 *      diagnostics channel, which Node publishes before the app's 'request'
 *      handler runs.
 *   4. A connection is closed by us only after it stayed idle for
 *      IDLE_CLOSE_MS; a busy one closes itself after its `Connection: close`
 *      response.
 *   5. Exit (process.exit(), so 0 unless the app set process.exitCode) when
 *      every server has closed, or after the drain timeout, whichever first.
 *
 * Outcomes:
 *   - the app added its own SIGTERM listener: the app owns shutdown; only
 *     STOPPING=1 is sent (checked when the signal arrives, so a listener the
 *     app adds late still counts);
 *   - no server ever listened: exit at once;
 *   - a second SIGTERM while draining: ignored, the first drain goes on;
 *   - raw TCP servers: step 3 does not apply; they close as their peers hang up;
 *   - long-lived connections (WebSocket, SSE): `onDrain` gets the responses in
 *     flight once the servers stop accepting (upgrade-drain.cjs).
 */

const { subscribe: subscribeChannel } = require('./channels.cjs');

const IDLE_CLOSE_MS = 1000;

function createDrain({ net, dc, notifier, timeoutMs, exit, onDrain = () => {}, proc = process, timers = globalThis }) {
  const servers = new Set();
  const sockets = new Map(); // server-side socket -> { inflight: Set<ServerResponse>, idle?: Timer }
  let draining = false;
  let exited = false;
  const finish = () => {
    if (exited) return;
    exited = true;
    exit();
  };

  const subscribe = (name, fn) => subscribeChannel(dc, name, fn);

  subscribe('net.server.socket', ({ socket }) => {
    if (!servers.has(socket.server)) return;
    sockets.set(socket, { inflight: new Set(), idle: undefined });
    socket.once('close', () => {
      const state = sockets.get(socket);
      if (state && state.idle) timers.clearTimeout(state.idle);
      sockets.delete(socket);
    });
  });
  subscribe('http.server.request.start', ({ socket, response }) => {
    const state = sockets.get(socket);
    if (!state) return;
    if (state.idle) timers.clearTimeout(state.idle);
    state.idle = undefined;
    state.inflight.add(response);
    if (draining) response.shouldKeepAlive = false;
  });
  subscribe('http.server.response.finish', ({ socket, response }) => {
    const state = sockets.get(socket);
    if (!state) return;
    state.inflight.delete(response);
    if (draining) closeWhenIdle(socket, state);
  });

  function closeWhenIdle(socket, state) {
    if (state.inflight.size > 0 || state.idle) return;
    state.idle = timers.setTimeout(() => {
      if (state.inflight.size === 0) socket.destroy();
    }, IDLE_CLOSE_MS);
    if (state.idle.unref) state.idle.unref();
  }

  function track(server) {
    if (servers.has(server)) return;
    servers.add(server);
    server.once('close', () => {
      servers.delete(server);
      if (draining && servers.size === 0) finish();
    });
  }

  function onSigterm() {
    if (proc.listenerCount('SIGTERM') > 1) {
      notifier.send({ STOPPING: 1 });
      return;
    }
    if (draining) return;
    draining = true;
    // With nothing to drain the last STATUS= stays: for an app stopped before
    // it was ready, it says what the start was waiting for.
    if (servers.size === 0) {
      notifier.send({ STOPPING: 1 });
      return finish();
    }
    notifier.send({ STOPPING: 1, STATUS: `Draining: ${sockets.size} connection(s) open` });
    const deadline = timers.setTimeout(finish, timeoutMs);
    if (deadline.unref) deadline.unref();
    for (const server of [...servers]) {
      net.Server.prototype.close.call(server, (err) => {
        // ERR_SERVER_NOT_RUNNING: the app had closed it already.
        if (err) servers.delete(server);
        if (servers.size === 0) finish();
      });
    }
    const inflight = [];
    for (const [socket, state] of sockets) {
      for (const response of state.inflight) {
        if (!response.headersSent) response.shouldKeepAlive = false;
        inflight.push(response);
      }
      closeWhenIdle(socket, state);
    }
    // WebSockets and event streams (upgrade-drain.cjs).
    onDrain(inflight);
  }

  return {
    track,
    onSigterm,
    get draining() {
      return draining;
    },
    get openConnections() {
      return sockets.size;
    },
  };
}

module.exports = { createDrain, IDLE_CLOSE_MS };
