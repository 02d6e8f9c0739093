import type { AppSpec, RenderedFile } from './app-spec.js';
import { isDirectiveSupported } from './directive-versions.js';
import { renderExecStart } from './exec-start.js';
import { hardeningDirectives } from './hardening.js';
import { generatedHeader } from './marker.js';
import { escapePath, escapeSpecifiers, quoteEnvironmentAssignment } from './quote.js';
import { directive, renderUnitFile, type Directive } from './unit-file.js';
import { distinctPorts, serviceTemplate, socketUnitForInstance, targetUnit } from './unit-names.js';

/** Where operators put secrets without re-running enable; `-` = fine if missing. */
export function defaultEnvFile(name: string): string {
  return `/etc/nodeunit/${name}.env`;
}

/** Seconds systemd waits after SIGTERM beyond the drain timeout before SIGKILL. */
export const STOP_GRACE_SEC = 5;

// Restart backoff. pm2 restarts a crashed app at once (restart_delay 0);
// here the socket queues connections meanwhile, and the first restart comes
// as soon as systemd can start it. systemd arms the RestartSec= timer with
// sd-event's default accuracy of 250 ms (sd_event_add_time(3)), and a timer
// whose moment has passed is dispatched at the manager's next wake-up, which
// comes within a few ms after a crash (e.g. the socket unit listening again;
// with RestartSec=0 the restart was scheduled 1-3 ms after a SIGKILL). A
// moment 10 ms out lands after those wake-ups, and the restart then waited
// for the boot's coalescing point: 10-70 ms more (measured on 252 and 257,
// issue 10). So the delay is 0 where systemd has no growing delay (< 254:
// there the start limit below ends a crash loop after START_LIMIT_BURST
// quick restarts, as pm2's max_restarts does), and 1 ms on >= 254, which
// grows it geometrically from RestartSec= to RestartMaxDelaySec= over
// RestartSteps= restarts (1ms, 4ms, 16ms, 62ms, 0.24s, 0.97s, 3.8s, 15s,
// 60s) and cannot grow from 0.
const RESTART_MS_BACKOFF = 1;
const RESTART_STEPS = 8;
const RESTART_MAX_DELAY_SEC = 60;
// systemd counts restarts for RestartSteps= until a manual start or
// `systemctl reset-failed` (systemd issue #43813): measured on 257, the 8th
// SIGKILL of an instance that had served 2 s between kills waited 15 s and
// every later one 60 s, for the rest of its life. So each start schedules a
// check, outside the sandbox and off the start path (a transient timer): if
// the same invocation is still up BACKOFF_RESET_SEC later, the count starts
// over and its next crash restarts at once. Kubernetes resets its restart
// backoff after the same 10 minutes without trouble. A crash loop never
// stays up that long, so its backoff and the start limit are untouched.
const BACKOFF_RESET_SEC = 600;
// Give up after this many starts within the interval (crash loop on boot).
// With the steps above, 10 starts take ~80 s < 300 s: a hopeless loop stops
// on every systemd version.
const START_LIMIT_INTERVAL_SEC = 300;
const START_LIMIT_BURST = 10;

function instanceSockets(spec: AppSpec): string {
  return distinctPorts(spec)
    .map((port) => socketUnitForInstance(spec.name, port, spec.balance))
    .join(' ');
}

/** [Unit] side: an instance needs its sockets up first; without them it would bind on its own. */
function socketOrdering(spec: AppSpec): Directive[] {
  const sockets = instanceSockets(spec);
  if (sockets === '') return [];
  return [directive('Requires', sockets, 'no listening socket, no start'), directive('After', sockets)];
}

/** [Service] side: which sockets' fds are passed in (LISTEN_FDS), not just who triggers whom. */
function socketInheritance(spec: AppSpec): Directive[] {
  const sockets = instanceSockets(spec);
  if (sockets === '') return [];
  const why =
    spec.balance === 'shared'
      ? 'every instance gets the same listening fds; the kernel spreads connections among them'
      : 'each instance gets its own SO_REUSEPORT fds; the kernel hashes connections across them';
  return [
    directive('Sockets', sockets, why),
    // systemd clears O_NONBLOCK on passed fds at every start unless told
    // otherwise, and the flag belongs to the socket all instances share:
    // a sibling's restart would leave the running instances blocked in
    // accept() until the next connection comes (systemd.service(5) NonBlocking=).
    directive('NonBlocking', 'yes', "a restarting instance must not switch the shared socket to blocking mode under the others"),
  ];
}

/** Instances on one shared socket pace their accepts (src/preload/accept-pacing.cjs), whatever their count: `scale` may add some. */
function pacesAccepts(spec: AppSpec): boolean {
  return spec.command === undefined && spec.balance === 'shared' && distinctPorts(spec).length > 0;
}

/** The CacheDirectory= where the preload keeps Node's compile cache (src/preload/compile-cache.cjs). */
export function cacheDir(name: string): string {
  return `/var/cache/${name}`;
}

/** The RuntimeDirectory= where instances share their connection counts (src/preload/balance-counts.cjs). */
export function balanceDir(name: string): string {
  return `/run/nodeunit/${name}`;
}

function balanceRuntimeDirectory(spec: AppSpec): Directive[] {
  if (!pacesAccepts(spec)) return [];
  return [
    directive('RuntimeDirectory', escapeSpecifiers(balanceDir(spec.name).slice('/run/'.length)), 'the connection counts above, on tmpfs, writable by the service user'),
    directive('RuntimeDirectoryPreserve', 'yes', 'kept when one instance stops: the others still use it (emptied at reboot)'),
  ];
}

/** The comment above Environment=NODEUNIT_INSTANCES= (instance-count.ts rewrites that pair). */
export const INSTANCES_COMMENT = 'how many instances share the socket: each takes about its share of connections';

function environment(spec: AppSpec): Directive[] {
  const userSetsNodeEnv = spec.env.some(([key]) => key === 'NODE_ENV');
  return [
    directive('Environment', 'NODEUNIT_INSTANCE=%i', 'the instance number (1..N), for per-instance behaviour'),
    ...(spec.balance === 'shared' && spec.instances > 1 && distinctPorts(spec).length > 0
      ? [directive('Environment', `NODEUNIT_INSTANCES=${spec.instances}`, INSTANCES_COMMENT)]
      : []),
    ...(pacesAccepts(spec)
      ? [directive('Environment', quoteEnvironmentAssignment('NODEUNIT_BALANCE_DIR', balanceDir(spec.name)), 'where the instances tell each other how many connections each holds')]
      : []),
    ...(userSetsNodeEnv ? [] : [directive('Environment', 'NODE_ENV=production', 'override with --env NODE_ENV=...')]),
    ...spec.env.map(([key, value]) => directive('Environment', quoteEnvironmentAssignment(key, value))),
    directive('EnvironmentFile', `-${escapePath(defaultEnvFile(spec.name))}`, 'optional, for secrets; read at every start, overrides the lines above'),
    ...(spec.envFile === undefined ? [] : [directive('EnvironmentFile', escapePath(spec.envFile))]),
  ];
}

function identity(spec: AppSpec): Directive[] {
  return spec.user.kind === 'static'
    ? [directive('User', escapeSpecifiers(spec.user.name))]
    : [directive('DynamicUser', 'yes', 'a throwaway uid allocated at start; files persist only in StateDirectory')];
}

function resources(spec: AppSpec): Directive[] {
  return [
    ...(spec.memoryMax === undefined ? [] : [directive('MemoryMax', spec.memoryMax, 'per instance; the kernel OOM-kills beyond it')]),
    ...(spec.cpuQuota === undefined ? [] : [directive('CPUQuota', `${spec.cpuQuota}%`, 'per instance; 100% is one full CPU')]),
  ];
}

function restartPolicy(spec: AppSpec): Directive {
  switch (spec.restart ?? 'on-failure') {
    case 'always':
      return directive('Restart', 'always', 'any exit restarts it, a clean one too (pm2 autorestart); a stop does not');
    case 'no':
      return directive('Restart', 'no', 'an exit is final (pm2 autorestart: false)');
    default:
      return directive('Restart', 'on-failure', 'crashes, non-zero exits and watchdog timeouts restart it; a clean stop does not');
  }
}

/** ExecStartPost= that resets the restart count once this invocation has been up BACKOFF_RESET_SEC (systemd >= 254). */
function backoffReset(spec: AppSpec): Directive[] {
  if (spec.restart === 'no' || !isDirectiveSupported('RestartSteps', spec.systemdVersion)) return [];
  // '+': root and unsandboxed, for systemd-run; '-': a failure does not fail the start.
  // $$ reaches the shell as $; systemd fills in %n and ${INVOCATION_ID} (the invocation that ran this).
  const check = `if [ "$$(systemctl show --property=InvocationID --value "$$1")" = "$$2" ]; then systemctl reset-failed "$$1"; fi`;
  return [
    directive(
      'ExecStartPost',
      `-+/usr/bin/systemd-run --quiet --collect --expand-environment=no --on-active=${BACKOFF_RESET_SEC} --timer-property=AccuracySec=1s "--description=nodeunit: %n up ${BACKOFF_RESET_SEC / 60} min, its restart backoff starts over" /bin/sh -c '${check}' - %n \${INVOCATION_ID}`,
      `up ${BACKOFF_RESET_SEC / 60} min without a crash: systemd's restart count starts over, so the next crash restarts at once, not after the grown delay`,
    ),
  ];
}

/** RestartSec=: the user's (pm2 restart_delay), else as short as the host's systemd allows (see RESTART_MS_BACKOFF). */
function restartDelay(spec: AppSpec): Directive {
  if (spec.restartSec !== undefined) {
    return directive('RestartSec', String(spec.restartSec), 'pause before a restart (pm2 restart_delay); the socket queues connections meanwhile');
  }
  const [value, what] = isDirectiveSupported('RestartSteps', spec.systemdVersion) ? [`${RESTART_MS_BACKOFF}ms`, 'the first restart'] : ['0', 'restart'];
  return directive('RestartSec', value, `${what} at once: a later moment waits for systemd's coalesced timer, up to 250 ms more; the socket queues connections`);
}

export function renderService(spec: AppSpec): RenderedFile {
  const target = targetUnit(spec.name);
  const unit: Directive[] = [
    directive('Description', `${spec.name} (nodeunit instance %i)`),
    directive('PartOf', target, `stopping or restarting ${target} does the same to every instance`),
    directive('After', 'network.target', 'at shutdown, stopped (and drained) before the network goes down'),
    ...socketOrdering(spec),
    directive('StartLimitIntervalSec', String(START_LIMIT_INTERVAL_SEC), `more than ${START_LIMIT_BURST} starts in ${START_LIMIT_INTERVAL_SEC}s means a crash loop:`),
    directive('StartLimitBurst', String(START_LIMIT_BURST), "give up until 'systemctl reset-failed'"),
  ];
  const service: Directive[] = [
    ...(spec.command === undefined
      ? [
          directive('Type', 'notify', 'the preload sends READY=1 once the app is ready (--ready), and WATCHDOG=1'),
          directive('ExecStart', renderExecStart(spec), 'nodeunit execs node in place: node itself is the main process'),
        ]
      : [
          directive('Type', 'exec', 'not a Node app: started once the program has been executed (no readiness protocol)'),
          directive('ExecStart', renderExecStart(spec), 'the program itself is the main process (no nodeunit, no preload)'),
        ]),
    ...socketInheritance(spec),
    directive('WorkingDirectory', escapePath(spec.cwd)),
    ...identity(spec),
    ...environment(spec),
    ...balanceRuntimeDirectory(spec),
    ...(spec.command === undefined
      ? [directive('CacheDirectory', escapeSpecifiers(cacheDir(spec.name).slice('/var/cache/'.length)), `Node's compile cache (Node >= 22.10) in ${cacheDir(spec.name)}: a restart skips compiling the modules again`)]
      : []),
    directive('SyslogIdentifier', escapeSpecifiers(spec.name), "journal lines are tagged with the app's name, not 'node'"),
    ...(spec.logRateLimit === undefined
      ? []
      : [
          directive('LogRateLimitIntervalSec', String(spec.logRateLimit.intervalSec), "journald keeps at most LogRateLimitBurst= lines per interval of this service and drops the rest ('nodeunit status' counts them); 0 = no limit"),
          directive('LogRateLimitBurst', String(spec.logRateLimit.burst), 'lines per interval before journald drops (--log-rate-limit LINES/SECONDS)'),
        ]),
    restartPolicy(spec),
    ...(spec.restartPreventExitStatus?.length
      ? [directive('RestartPreventExitStatus', spec.restartPreventExitStatus.join(' '), 'these exit codes end it for good (pm2 stop_exit_codes)')]
      : []),
    restartDelay(spec),
    directive('RestartSteps', String(RESTART_STEPS), `back off from ${spec.restartSec === undefined ? `${RESTART_MS_BACKOFF}ms` : `${spec.restartSec}s`} to ${RESTART_MAX_DELAY_SEC}s over repeated failures`),
    directive('RestartMaxDelaySec', String(RESTART_MAX_DELAY_SEC)),
    ...backoffReset(spec),
    ...(spec.watchdogSec > 0
      ? [directive('WatchdogSec', String(spec.watchdogSec), 'an event loop blocked this long counts as a failure (killed, restarted)')]
      : []),
    ...(spec.timeoutStartSec === undefined ? [] : [directive('TimeoutStartSec', String(spec.timeoutStartSec), 'not ready by then: the start fails and Restart= applies')]),
    directive('KillMode', 'mixed', 'SIGTERM to node alone so it drains and reaps its children; SIGKILL to all left over'),
    directive('TimeoutStopSec', String(spec.drainTimeoutSec + STOP_GRACE_SEC), `drain timeout + ${STOP_GRACE_SEC}s, so SIGKILL never cuts a drain short`),
    ...resources(spec),
    ...(spec.harden ? hardeningDirectives(spec) : []),
  ];
  const install: Directive[] = [
    directive('WantedBy', target, `'systemctl enable ${spec.name}@N' adds instance N to ${target}`),
  ];
  return {
    path: serviceTemplate(spec.name),
    content: renderUnitFile(
      generatedHeader(spec.name),
      [
        { name: 'Unit', directives: unit },
        { name: 'Service', directives: service },
        { name: 'Install', directives: install },
      ],
      spec.systemdVersion,
    ),
  };
}
