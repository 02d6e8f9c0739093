'use strict';
/**
 * The preload's settings, read from the environment the launcher and systemd
 * prepared. Pure: the caller removes CONSUMED from process.env afterwards.
 *
 *   notifyFd        NODEUNIT_NOTIFY_FD, the launcher's socket to $NOTIFY_SOCKET
 *   ready           NODEUNIT_READY: listen (default) | manual | start
 *   drainTimeoutMs  NODEUNIT_DRAIN_TIMEOUT in seconds (default 10; malformed -> 10)
 *   adopt           false only when NODEUNIT_ADOPT=0 (--no-adopt)
 *   watchdogUsec    see watchdog.cjs
 *   fds             see listen-fds.cjs
 *   instances       NODEUNIT_INSTANCES, how many instances share the app's
 *                   sockets (accept-pacing.cjs); 1 when unset or malformed.
 *                   Kept in process.env, like NODEUNIT_INSTANCE.
 *   balanceDir      NODEUNIT_BALANCE_DIR, an absolute directory where the
 *                   instances share their connection counts
 *                   (balance-counts.cjs); undefined when unset or relative.
 *   cpuShare        false only when NODEUNIT_CPU_SHARE=0: each instance keeps
 *                   the weight of a whole service (cpu-share.cjs)
 */
const { parseFd } = require('./notify.cjs');
const { watchdogPeriodUsec } = require('./watchdog.cjs');
const { listenFds } = require('./listen-fds.cjs');
const { parseReadyMode } = require('./readiness.cjs');

const CONSUMED = [
  'NOTIFY_SOCKET',
  'WATCHDOG_USEC',
  'WATCHDOG_PID',
  'LISTEN_FDS',
  'LISTEN_PID',
  'LISTEN_FDNAMES',
  'NODEUNIT_NOTIFY_FD',
  'NODEUNIT_READY',
  'NODEUNIT_DRAIN_TIMEOUT',
  'NODEUNIT_ADOPT',
  'NODEUNIT_SECRETS',
  'NODEUNIT_BALANCE_DIR',
  'NODEUNIT_CPU_SHARE',
];

function readSettings(env, pid) {
  const drain = /^\d+(\.\d+)?$/.test(env.NODEUNIT_DRAIN_TIMEOUT || '') ? Number(env.NODEUNIT_DRAIN_TIMEOUT) : 10;
  return {
    notifyFd: parseFd(env.NODEUNIT_NOTIFY_FD),
    ready: parseReadyMode(env.NODEUNIT_READY) || 'listen',
    drainTimeoutMs: drain * 1000,
    adopt: env.NODEUNIT_ADOPT !== '0',
    watchdogUsec: watchdogPeriodUsec(env, pid),
    fds: listenFds(env, pid),
    instances: /^[1-9]\d{0,3}$/.test(env.NODEUNIT_INSTANCES || '') ? Number(env.NODEUNIT_INSTANCES) : 1,
    balanceDir: (env.NODEUNIT_BALANCE_DIR || '').startsWith('/') ? env.NODEUNIT_BALANCE_DIR : undefined,
    cpuShare: env.NODEUNIT_CPU_SHARE !== '0',
  };
}

module.exports = { readSettings, CONSUMED };
