'use strict';
/**
 * The STATUS= line of sd_notify(3): what `systemctl status` prints as
 * "Status:". It says what the service waits for before it is ready, where
 * it listens once ready, and every REFRESH_MS its resident memory and the
 * 99th percentile of event-loop delay since the last refresh (loop-delay.cjs).
 */

const { createLoopDelay } = require('./loop-delay.cjs');

const REFRESH_MS = 10_000;

function formatAddress(address) {
  if (address === null || address === undefined) return 'unknown';
  if (typeof address === 'string') return address;
  const host = address.family === 'IPv6' || address.family === 6 ? `[${address.address}]` : address.address;
  return `${host}:${address.port}`;
}

function waitingText(mode) {
  if (mode === 'manual') return "Starting: waiting for process.send('ready') (--ready=manual)";
  return 'Starting: waiting for the app to listen (--ready=listen)';
}

function readyText(addresses, metrics) {
  const where = addresses.length ? `listening on ${addresses.join(', ')}` : 'not listening';
  const parts = [`Ready: ${where}`];
  if (metrics) parts.push(`rss ${metrics.rssMb} MB`, `loop p99 ${metrics.loopP99Ms} ms`);
  return parts.join(' · ');
}

function createStatus({ notifier, perfHooks, memoryUsage = process.memoryUsage, timers = globalThis }) {
  const servers = new Set();
  let loopDelay;

  const addresses = () => {
    const list = [];
    for (const server of servers) {
      try {
        const address = server.address();
        if (address !== null) list.push(formatAddress(address));
      } catch {
        // A closed server has no address; nothing to show.
      }
    }
    return list;
  };

  const metrics = () => {
    const rssMb = Math.round(memoryUsage.rss() / 1048576);
    const p99 = loopDelay ? loopDelay.p99Ms() : 0;
    return { rssMb, loopP99Ms: p99.toFixed(1) };
  };

  return {
    addServer(server) {
      servers.add(server);
    },
    waiting(mode) {
      notifier.send({ STATUS: waitingText(mode) });
    },
    /** Sends READY=1 with the status; refreshes the status from then on. */
    ready() {
      notifier.send({ READY: 1, STATUS: readyText(addresses(), null) });
      loopDelay = createLoopDelay(perfHooks);
      const timer = timers.setInterval(() => {
        if (!notifier.enabled) return;
        notifier.send({ STATUS: readyText(addresses(), metrics()) });
      }, REFRESH_MS);
      if (timer.unref) timer.unref();
    },
    refresh() {
      notifier.send({ STATUS: readyText(addresses(), null) });
    },
  };
}

module.exports = { createStatus, formatAddress, readyText, waitingText, REFRESH_MS };
