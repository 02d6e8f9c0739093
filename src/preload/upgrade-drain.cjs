'use strict';
/**
 * Long-lived connections in the drain: WebSockets and Server-Sent Events.
 * An upgraded socket is outside HTTP's request/response cycle, so the
 * `Connection: close` drain (drain.cjs) cannot end it, and without this
 * the client sees the TCP connection drop (close code 1006) when the drain
 * times out.
 *
 * Seeing the upgrade: Node publishes no diagnostics channel for upgrade
 * requests (checked on 18, 20 and 24: `http.server.request.start` fires for
 * ordinary requests only). So, on a server the drain tracks, and only while
 * the app itself listens for 'upgrade' (Node hands upgrade sockets to
 * 'upgrade' listeners only when there is one, so ours must never be the
 * only one), a listener placed before the app's records sockets whose
 * request said `Upgrade: websocket`. It reads the headers and nothing else.
 *
 * On drain (SIGTERM, the app has no SIGTERM handler of its own):
 *   - every recorded WebSocket still open gets a close frame with 1001
 *     "going away" (RFC 6455 5.5.1, 7.4.1; a server's frames are unmasked).
 *     The client answers with its close frame, the app's WebSocket library
 *     answers that and closes the socket: the client sees 1001, not 1006;
 *   - the app goes first: the frames are sent APP_FIRST_MS after SIGTERM, so
 *     a socket the app closes itself by then (its own close code) is left alone;
 *   - every response in flight with `Content-Type: text/event-stream` is ended
 *     (the stream's terminating chunk), so EventSource clients see a clean end
 *     and reconnect to another instance;
 *   - a socket that never answers is cut by the drain timeout, as before.
 */

const APP_FIRST_MS = 200;
const GOING_AWAY = 1001;

function closeFrame(code, reason) {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const frame = Buffer.alloc(4 + text.length);
  frame[0] = 0x88; // FIN + opcode 8 (close)
  frame[1] = 2 + text.length;
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

function isWebSocketUpgrade(req) {
  const upgrade = req && req.headers && req.headers.upgrade;
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}

/**
 * Whether a response that has sent its headers is an event stream. Headers
 * given to writeHead() directly never reach getHeader(), so the header block
 * as sent (`_header`, a string on every Node since 0.x) is read too.
 */
function isEventStream(res) {
  const type = typeof res.getHeader === 'function' ? res.getHeader('content-type') : undefined;
  if (typeof type === 'string') return /^text\/event-stream/i.test(type);
  return typeof res._header === 'string' && /\r\ncontent-type:[ \t]*text\/event-stream/i.test(res._header);
}

function createUpgradeDrain({ timers = globalThis } = {}) {
  const sockets = new Set();
  const ours = new WeakMap(); // server -> our 'upgrade' listener
  const watched = new WeakSet();

  function record(req, socket) {
    if (!isWebSocketUpgrade(req) || socket.destroyed) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  }

  function sync(server) {
    const mine = ours.get(server);
    const appListeners = server.listeners('upgrade').filter((fn) => fn !== mine).length;
    if (appListeners > 0 && !mine) {
      const fn = (req, socket) => record(req, socket);
      ours.set(server, fn);
      server.prependListener('upgrade', fn);
    } else if (appListeners === 0 && mine) {
      ours.delete(server);
      server.removeListener('upgrade', mine);
    }
  }

  function watch(server) {
    if (watched.has(server) || typeof server.prependListener !== 'function') return;
    watched.add(server);
    sync(server);
    // A WebSocket server attached after listen() adds its 'upgrade' listener later.
    server.on('newListener', (event) => {
      if (event === 'upgrade') setImmediateSafe(() => sync(server));
    });
    server.on('removeListener', (event) => {
      if (event === 'upgrade') setImmediateSafe(() => sync(server));
    });
  }

  function setImmediateSafe(fn) {
    (timers.setImmediate || timers.setTimeout)(fn);
  }

  /** Starts the goodbyes; `responses` are the HTTP responses in flight. */
  function drain(responses) {
    for (const res of responses) {
      if (res.headersSent && !res.writableEnded && isEventStream(res)) res.end();
    }
    const t = timers.setTimeout(() => {
      const frame = closeFrame(GOING_AWAY, 'server going away');
      for (const socket of sockets) {
        if (!socket.destroyed && socket.writable) socket.write(frame);
      }
    }, APP_FIRST_MS);
    if (t.unref) t.unref();
  }

  return {
    watch,
    drain,
    get openWebSockets() {
      return sockets.size;
    },
  };
}

module.exports = { createUpgradeDrain, closeFrame, isWebSocketUpgrade, isEventStream, APP_FIRST_MS, GOING_AWAY };
