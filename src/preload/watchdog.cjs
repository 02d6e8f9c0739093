'use strict';
/**
 * The service watchdog, as sd_watchdog_enabled(3) and systemd.service(5)
 * WatchdogSec= describe it: systemd kills the service unless it sends
 * WATCHDOG=1 at least once per period. The keep-alive is sent from an
 * unref'd timer on the app's own event loop, so a loop that hangs stops
 * feeding the watchdog and systemd ends the process (Result=watchdog).
 *
 * watchdogPeriodUsec(env, pid) outcomes:
 *   - WATCHDOG_USEC unset                         -> 0 (watchdog off)
 *   - WATCHDOG_PID set and not `pid`              -> 0 (meant for another process)
 *   - WATCHDOG_USEC not a positive integer, or
 *     WATCHDOG_PID malformed                      -> 0 (ignored, as libsystemd does)
 *   - otherwise                                   -> the period in microseconds
 */

function watchdogPeriodUsec(env, pid) {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || !/^\d+$/.test(usec) || Number(usec) <= 0) return 0;
  const owner = env.WATCHDOG_PID;
  if (owner !== undefined && (!/^\d+$/.test(owner) || Number(owner) !== pid)) return 0;
  return Number(usec);
}

/** Sends WATCHDOG=1 every half period, as sd_watchdog_enabled(3) advises.
 * Returns a function that stops it. */
function startWatchdog(notifier, periodUsec, timers = globalThis) {
  if (!periodUsec) return () => {};
  const everyMs = Math.max(1, Math.floor(periodUsec / 2000));
  notifier.send({ WATCHDOG: 1 });
  const timer = timers.setInterval(() => notifier.send({ WATCHDOG: 1 }), everyMs);
  if (timer && typeof timer.unref === 'function') timer.unref();
  return () => timers.clearInterval(timer);
}

module.exports = { watchdogPeriodUsec, startWatchdog };
