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
