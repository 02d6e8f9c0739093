import { DEFAULT_BALANCE, DEFAULT_DRAIN_TIMEOUT_SEC, DEFAULT_READY, DEFAULT_WATCHDOG_SEC } from './exec-start.js';

/**
 * What `nodeunit enable` has decided about one app, after parsing and
 * validating the command line and probing the host. The unit renderers take
 * nothing else: no process.env, no clock, no filesystem, so rendering the same
 * spec twice is byte-identical and a repeated `enable` is a no-op.
 */
export interface AppSpec {
  /** Already validated to be safe inside a unit name. */
  name: string;
  /** Absolute path of the app's entry script. */
  script: string;
  /** 1..256; instances are named `<name>@1` .. `<name>@<instances>`. */
  instances: number;
  /** From `--port P` or `--port addr:port` (IPv6 written as `[::1]:80`). */
  ports: Array<{ host?: string; port: number }>;
  /** Default: a static user named after the app. */
  user: { kind: 'static'; name: string } | { kind: 'dynamic' };
  /** Absolute working directory. */
  cwd: string;
  /** `--env K=V`, in command-line order; values contain no newlines. */
  env: Array<[string, string]>;
  /** `--env-file`, absolute. */
  envFile?: string;
  /** Absolute path of the node binary. */
  node: string;
  /** Options placed between node and the script, e.g. `--max-old-space-size=512`. */
  nodeOptions: string[];
  /** The app's own arguments, after the script (`enable NAME SCRIPT -- ARG...`), verbatim. */
  args?: string[];
  /** systemd size, e.g. `512M`. */
  memoryMax?: string;
  /** `--log-rate-limit`: journald's per-service rate limit (LogRateLimitIntervalSec=/LogRateLimitBurst=); 0/0 = off. */
  logRateLimit?: { burst: number; intervalSec: number };
  /** Percent of one CPU, e.g. 150. */
  cpuQuota?: number;
  /** 0 turns the watchdog off. Default 30. */
  watchdogSec: number;
  ready: 'listen' | 'manual' | 'start';
  /** Default 10. */
  drainTimeoutSec: number;
  balance: 'shared' | 'reuseport';
  harden: boolean;
  /**
   * A program that is not Node (pm2 `interpreter: python3`, `none`, a .sh
   * script): ExecStart= runs this argv directly (absolute path first), as a
   * Type=exec unit without nodeunit or the preload. script/node/nodeOptions/
   * args/ready/watchdog do not apply then.
   */
  command?: string[];
  /** pm2 cron_restart (imported): a timer that runs `nodeunit reload NAME` on this calendar event. */
  cronRestart?: { pattern: string; onCalendar: string };
  /** pm2 watch with --allow-watch (imported): a .path unit on these absolute paths runs `nodeunit reload NAME`. */
  watchPaths?: string[];
  /**
   * Directories under /home or /root the service must see (the app's, an nvm
   * node's): ProtectHome=tmpfs hides every home, and these are bound back in
   * read-only (BindReadOnlyPaths=), instead of turning the sandbox off.
   */
  homeBinds?: string[];
  /**
   * Absolute directories the app writes besides its StateDirectory= (`--writable DIR`):
   * ReadWritePaths=, and under a home directory also BindPaths= so that they
   * are visible through ProtectHome=tmpfs. Everything else stays read-only.
   */
  writablePaths?: string[];
  /** Restart= (default on-failure); pm2's autorestart is `always`. */
  restart?: 'always' | 'on-failure' | 'no';
  /** RestartPreventExitStatus=: exit codes that do not restart it (pm2 stop_exit_codes). */
  restartPreventExitStatus?: number[];
  /** RestartSec= in seconds; pm2's restart_delay. Unset: as short as the host's systemd allows (render-service.ts). */
  restartSec?: number;
  /** TimeoutStartSec= in seconds (default: systemd's); pm2's listen_timeout. */
  timeoutStartSec?: number;
  /** Where nodeunit itself is installed, e.g. `/usr/bin/nodeunit`. */
  nodeunitPath: string;
  /** The host's systemd version; directives newer than this are not emitted. */
  systemdVersion: number;
}

export interface RenderedFile {
  /** File name relative to the unit directory, e.g. `myapp@.service`. */
  path: string;
  content: string;
}

/** What every AppSpec needs from its caller: the app, its user and directory, the node binary and the host. */
export type AppSpecEssentials = Pick<AppSpec, 'name' | 'script' | 'user' | 'cwd' | 'node' | 'nodeunitPath' | 'systemdVersion'>;

/**
 * An AppSpec with nodeunit's defaults for every field the caller leaves out:
 * what `nodeunit enable` decides when no option is given (1 instance, no
 * ports, no env, no node options, WatchdogSec=30, ready on listen, the default
 * drain timeout, `--balance shared`, hardened). Fields given win.
 */
export function appSpecWithDefaults(fields: AppSpecEssentials & Partial<AppSpec>): AppSpec {
  return {
    instances: 1,
    ports: [],
    env: [],
    nodeOptions: [],
    watchdogSec: DEFAULT_WATCHDOG_SEC,
    ready: DEFAULT_READY,
    drainTimeoutSec: DEFAULT_DRAIN_TIMEOUT_SEC,
    balance: DEFAULT_BALANCE,
    harden: true,
    ...fields,
  };
}
