'use strict';
/**
 * The nodeunit preload: loaded by `node --require` in the app's own process
 * (same PID as the launcher, which exec'd node). It connects the app to
 * systemd and otherwise stays out of the way: it never touches
 * process.stdout or process.stderr, never adds uncaughtException or
 * unhandledRejection handlers, and loads no native code.
 *
 * What it reads, then removes from process.env so the app and its children
 * never see it: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID, LISTEN_FDS,
 * LISTEN_PID, LISTEN_FDNAMES (sd_notify(3), sd_listen_fds(3)) and the
 * launcher's NODEUNIT_NOTIFY_FD, NODEUNIT_READY, NODEUNIT_DRAIN_TIMEOUT,
 * NODEUNIT_ADOPT, NODEUNIT_SECRETS (after credentials.cjs moved the named
 * credentials into process.env). NODEUNIT_INSTANCE stays: it is the app's identity, like
 * pm2's NODE_APP_INSTANCE.
 */

// First, before anything that an old node lacks (diagnostics_channel is
// 14.17+): a node too old for nodeunit gets one line and exit 1, not a stack.
const refusal = require('./supported-node.cjs').unsupportedNode(process.version, process.execPath);
if (refusal) {
  require('fs').writeSync(2, refusal);
  process.exit(1);
}

const dc = require('diagnostics_channel');
const fs = require('fs');
const path = require('path');
const net = require('net');
const perfHooks = require('perf_hooks');
const features = require('./features.cjs');
const { createNotifier } = require('./notify.cjs');
const { startWatchdog } = require('./watchdog.cjs');
const { readSettings, CONSUMED } = require('./settings.cjs');
const { installAdoption } = require('./adopt.cjs');
const { onServerListening, installManualReady } = require('./readiness.cjs');
const { createStatus } = require('./status.cjs');
const { createDrain } = require('./drain.cjs');
const { createAcceptPacing, procTotal, socketHolders } = require('./accept-pacing.cjs');
const { createBalanceCounts } = require('./balance-counts.cjs');
const { subscribe } = require('./channels.cjs');
const { loadSecrets } = require('./credentials.cjs');
const { createUpgradeDrain } = require('./upgrade-drain.cjs');
const { startCompileCache } = require('./compile-cache.cjs');
const { startCpuShare } = require('./cpu-share.cjs');

function main() {
  loadSecrets(process.env, fs, path);
  const settings = readSettings(process.env, process.pid);
  for (const name of CONSUMED) delete process.env[name];
  // Before the app's first require: its modules compile from the cache.
  const compileCache = startCompileCache({ moduleApi: require('module'), env: process.env, supported: features.compileCache });

  const notifier = createNotifier(settings.notifyFd);
  const status = createStatus({ notifier, perfHooks });
  const upgrades = createUpgradeDrain();
  const drain = createDrain({
    net,
    dc,
    notifier,
    timeoutMs: settings.drainTimeoutMs,
    exit: () => process.exit(),
    onDrain: upgrades.drain,
  });
  process.on('SIGTERM', drain.onSigterm);

  if (settings.adopt) installAdoption(net, settings.fds);
  const pacing = createAcceptPacing({
    instances: settings.instances,
    totalFor: procTotal(fs),
    holdersFor: socketHolders(fs),
    counts: settings.balanceDir ? createBalanceCounts({ dir: settings.balanceDir, pid: process.pid, fs, kill: process.kill.bind(process) }) : undefined,
  });
  const inheritedFds = settings.fds.map((f) => f.fd);
  if (pacing.enabled) {
    subscribe(dc, 'net.server.socket', ({ socket }) => pacing.onConnection(socket.server, socket));
    subscribe(dc, 'http.server.request.start', ({ server, socket, response }) => pacing.onRequest(server || socket.server, socket, response));
  }

  let ready = false;
  const becomeReady = () => {
    if (ready) return;
    ready = true;
    status.ready();
    // The modules loaded so far, written now: a service killed later (SIGKILL,
    // watchdog) never reaches the normal exit where Node would write them.
    if (compileCache) setImmediate(compileCache.flush);
  };
  onServerListening(net, dc, features, (server) => {
    drain.track(server);
    pacing.track(server, inheritedFds);
    upgrades.watch(server);
    status.addServer(server);
    if (ready) status.refresh();
    else if (settings.ready === 'listen') becomeReady();
  });

  startWatchdog(notifier, settings.watchdogUsec);
  if (settings.cpuShare) startCpuShare({ fs });
  if (settings.ready === 'start') becomeReady();
  else {
    status.waiting(settings.ready);
    if (settings.ready === 'manual') installManualReady(process, becomeReady);
  }
}

main();
