import type { AppSpec, RenderedFile } from './app-spec.js';
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

// Restart backoff. Fixed RestartSec= everywhere; on systemd >= 254 the delay
// grows from it to RestartMaxDelaySec= over RestartSteps= restarts.
const RESTART_SEC = 1;
const RESTART_STEPS = 8;
const RESTART_MAX_DELAY_SEC = 60;
// Give up after this many starts within the interval (crash loop on boot).
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

function environment(spec: AppSpec): Directive[] {
  const userSetsNodeEnv = spec.env.some(([key]) => key === 'NODE_ENV');
  return [
    directive('Environment', 'NODEUNIT_INSTANCE=%i', 'the instance number (1..N), for per-instance behaviour'),
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
    directive('Type', 'notify', 'the preload sends READY=1 once the app is ready (--ready), and WATCHDOG=1'),
    directive('ExecStart', renderExecStart(spec), 'nodeunit execs node in place: node itself is the main process'),
    ...socketInheritance(spec),
    directive('WorkingDirectory', escapePath(spec.cwd)),
    ...identity(spec),
    ...environment(spec),
    directive('SyslogIdentifier', escapeSpecifiers(spec.name), "journal lines are tagged with the app's name, not 'node'"),
    ...(spec.logRateLimit === undefined
      ? []
      : [
          directive('LogRateLimitIntervalSec', String(spec.logRateLimit.intervalSec), "journald keeps at most LogRateLimitBurst= lines per interval of this service and drops the rest ('nodeunit status' counts them); 0 = no limit"),
          directive('LogRateLimitBurst', String(spec.logRateLimit.burst), 'lines per interval before journald drops (--log-rate-limit LINES/SECONDS)'),
        ]),
    directive('Restart', 'on-failure', 'crashes, non-zero exits and watchdog timeouts restart it; a clean stop does not'),
    directive('RestartSec', String(RESTART_SEC), 'pause before a restart'),
    directive('RestartSteps', String(RESTART_STEPS), `back off from ${RESTART_SEC}s to ${RESTART_MAX_DELAY_SEC}s over repeated failures`),
    directive('RestartMaxDelaySec', String(RESTART_MAX_DELAY_SEC)),
    ...(spec.watchdogSec > 0
      ? [directive('WatchdogSec', String(spec.watchdogSec), 'an event loop blocked this long counts as a failure (killed, restarted)')]
      : []),
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
