'use strict';
/**
 * When to tell systemd READY=1 (sd_notify(3); systemd.service(5) Type=notify:
 * `systemctl start` returns, and dependants start, only then).
 *
 * Modes (--ready= / NODEUNIT_READY):
 *   - "listen" (default): the first server that can accept connections. Seen
 *     through the `tracing:net.server.listen:asyncEnd` diagnostics channel;
 *     on Nodes without it (features.listenTracingChannel) through a
 *     'listening' listener added by a wrapped net.Server.prototype.listen.
 *     An app that never listens never becomes ready, and systemd fails the
 *     start after TimeoutStartSec= with the STATUS= text saying what it
 *     waited for.
 *   - "manual": when the app calls process.send('ready'), pm2's wait_ready
 *     convention. A process without an IPC channel has no process.send, so
 *     one is provided; an existing one keeps working and is still called.
 *   - "start": at once, as soon as the preload has run.
 *
 * onServerListening(net, dc, features, callback) also serves the status line
 * and the drain, which need every listening server, so it reports each one.
 */

const LISTEN_CHANNEL = 'tracing:net.server.listen:asyncEnd';
const { subscribe } = require('./channels.cjs');

function onServerListening(net, dc, features, callback) {
  if (features.listenTracingChannel) {
    subscribe(dc, LISTEN_CHANNEL, (message) => callback(message.server));
    return;
  }
  const original = net.Server.prototype.listen;
  net.Server.prototype.listen = function listen(...args) {
    this.once('listening', () => callback(this));
    return original.apply(this, args);
  };
}

function installManualReady(proc, onReady) {
  const original = proc.send;
  proc.send = function send(message, ...rest) {
    if (message === 'ready') onReady();
    if (typeof original === 'function') return original.call(proc, message, ...rest);
    const callback = rest.find((a) => typeof a === 'function');
    if (callback) process.nextTick(callback, null);
    return true;
  };
}

function parseReadyMode(value) {
  if (value === undefined || value === '') return 'listen';
  return ['listen', 'manual', 'start'].includes(value) ? value : undefined;
}

module.exports = { onServerListening, installManualReady, parseReadyMode, LISTEN_CHANNEL };
