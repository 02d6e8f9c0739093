import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { parseDrainTimeout } from '../launcher/parse-args';
import type { AppSpec } from '../units/app-spec';
import { DEFAULT_DRAIN_TIMEOUT_SEC, DEFAULT_READY } from '../units/exec-start';
import { hasInvalidUnicode } from '../units/quote';
import { listenAddress } from '../units/render-socket';
import { secretOptions, type SecretArgv } from './secret-options';
import { UserError } from './user-error';

/** What yargs hands over for enable/generate (values unparsed: we validate them ourselves). */
export interface AppArgv extends SecretArgv {
  name: string;
  script: string;
  instances?: string | string[];
  port?: string | string[];
  user?: string | string[];
  dynamicUser?: boolean;
  cwd?: string | string[];
  env?: string | string[];
  envFile?: string | string[];
  node?: string | string[];
  nodeOption?: string | string[];
  memoryMax?: string | string[];
  logRateLimit?: string | string[];
  cpuQuota?: string | string[];
  watchdog?: string | string[];
  ready?: string | string[];
  drainTimeout?: string | string[];
  balance?: string | string[];
  harden?: boolean;
}

export const MAX_INSTANCES = 256;
/** Leaves room for `-65535@256.socket` and `.target.wants` within systemd's 255-character unit names. */
export const MAX_NAME_LENGTH = 200;

/**
 * The options enable and generate share. No yargs arrays (they would swallow
 * the script after `--port 8080`): a repeated option arrives as an array anyway.
 */
export function appOptions<T>(y: Argv<T>): Argv<T> {
  return secretOptions(y)
    .positional('name', { type: 'string', describe: 'the app name: units <name>.target, <name>@N.service, <name>-<port>.socket' })
    .positional('script', { type: 'string', describe: "the app's entry script" })
    .option('instances', { alias: 'i', type: 'string', describe: 'number of instances, 1-256 (default 1)' })
    .option('port', { alias: 'p', type: 'string', describe: 'a port systemd listens on for the app: P, addr:P or [v6addr]:P (repeatable)' })
    .option('user', { type: 'string', describe: 'run as this user (default: a system user named after the app, created through /etc/sysusers.d)' })
    .option('dynamic-user', { type: 'boolean', describe: 'run as a throwaway user allocated at each start (DynamicUser=yes)' })
    .option('cwd', { type: 'string', describe: "working directory (default: the script's directory)" })
    .option('env', { alias: 'e', type: 'string', describe: 'an environment variable K=V (repeatable)' })
    .option('env-file', { type: 'string', describe: 'an environment file systemd reads at every start' })
    .option('node', { type: 'string', describe: 'the node binary (default: node on PATH), stored as an absolute path' })
    .option('node-option', { type: 'string', describe: 'an option for node, written --node-option=--max-old-space-size=512 (repeatable)' })
    .option('memory-max', { type: 'string', describe: 'memory limit per instance, e.g. 512M (MemoryMax=)' })
    .option('log-rate-limit', { type: 'string', describe: "journald's limit per instance, LINES/SECONDS, e.g. 50000/30 (LogRateLimitBurst=/LogRateLimitIntervalSec=); off = none" })
    .option('cpu-quota', { type: 'string', describe: 'CPU limit per instance in percent of one CPU, e.g. 150 (CPUQuota=)' })
    .option('watchdog', { type: 'string', describe: 'restart an instance whose event loop is blocked this many seconds (default 30; 0 = off)' })
    .option('ready', { type: 'string', describe: 'when an instance is ready: listen (default), manual (process.send("ready")), start' })
    .option('drain-timeout', { type: 'string', describe: 'on stop, wait at most this many seconds for requests in flight (default 10)' })
    .option('balance', { type: 'string', describe: 'shared (default): one socket for all instances; reuseport: one SO_REUSEPORT socket each' })
    .option('harden', { type: 'boolean', default: true, describe: 'the sandbox (ProtectSystem=strict, ...); --no-harden turns it off' });
}

/** The last value of an option given once or repeated (yargs makes repeats an array). */
function last(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * systemd unit name rules (systemd.unit(5)), for the app name as the prefix of
 * every unit: letters, digits and `_ . : -`; no `@` (instances), no `/`, no
 * `..`, no spaces or control characters; not over-long.
 */
export function validateAppName(name: string): string {
  const shown = JSON.stringify(name);
  if (name === '') throw new UserError('the app name is empty', 2);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) throw new UserError(`app name ${shown} contains control characters`, 2);
  if (/\s/.test(name)) throw new UserError(`app name ${shown} contains spaces`, 2);
  if (name.includes('/')) throw new UserError(`app name ${shown} contains '/'`, 2);
  if (name.includes('..')) throw new UserError(`app name ${shown} contains '..'`, 2);
  if (name.includes('@')) throw new UserError(`app name ${shown} contains '@', which systemd reserves for instances`, 2);
  if (name.length > MAX_NAME_LENGTH) throw new UserError(`app name is ${name.length} characters long; at most ${MAX_NAME_LENGTH}`, 2);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/.test(name)) {
    throw new UserError(`app name ${shown}: use letters, digits and _ . : - (starting with a letter, digit or _)`, 2);
  }
  if (/\.(service|socket|target|timer|mount|slice|scope|path|device|swap|automount)$/.test(name)) {
    throw new UserError(`app name ${shown} ends with a unit type; drop the suffix`, 2);
  }
  return name;
}

/** Instance count: an integer 1..256. */
export function parseInstances(value: string | undefined): number {
  if (value === undefined) return 1;
  if (!/^\d+$/.test(value.trim())) throw new UserError(`--instances must be a whole number 1-${MAX_INSTANCES}, not '${value}'`, 2);
  const n = Number(value);
  if (n < 1 || n > MAX_INSTANCES) throw new UserError(`--instances must be 1-${MAX_INSTANCES}, not ${n}`, 2);
  return n;
}

/** `8080`, `127.0.0.1:8080`, `[::1]:8080` (a bare IPv6 address must be bracketed). */
export function parsePort(value: string): { host?: string; port: number } {
  const bad = (why: string) => new UserError(`--port '${value}': ${why}`, 2);
  let host: string | undefined;
  let portText = value.trim();
  const v6 = /^\[([^\]]*)\]:(.*)$/.exec(portText);
  if (v6) {
    host = v6[1];
    portText = v6[2];
    if (!host.includes(':')) throw bad('brackets are for IPv6 addresses');
  } else if (portText.includes(':')) {
    const colon = portText.lastIndexOf(':');
    host = portText.slice(0, colon);
    portText = portText.slice(colon + 1);
    if (host.includes(':')) throw bad('write an IPv6 address in brackets, like [::1]:8080');
  }
  if (host === '') throw bad('the address before the port is empty');
  if (!/^\d+$/.test(portText)) throw bad('the port must be a number 1-65535');
  const port = Number(portText);
  if (port < 1 || port > 65535) throw bad('the port must be 1-65535');
  const spec = host === undefined ? { port } : { host, port };
  if (host !== undefined && isIP(host.replace(/%[^%]*$/, '')) === 0) throw bad(`'${host}' is not an IP address (systemd listens on addresses, not names)`);
  try {
    listenAddress(spec);
  } catch {
    throw bad(`'${host}' cannot be written into a socket unit`);
  }
  return spec;
}

export function parsePorts(values: string[]): Array<{ host?: string; port: number }> {
  const out = values.map(parsePort);
  const seen = new Set<string>();
  for (const p of out) {
    const key = `${p.host ?? '*'}:${p.port}`;
    if (seen.has(key)) throw new UserError(`--port ${p.host ? `${p.host}:` : ''}${p.port} is given twice`, 2);
    seen.add(key);
  }
  return out;
}

/** `K=V`; the value may be empty but may not contain a newline or other control character. */
export function parseEnvAssignment(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UserError(`--env '${value.split('\n')[0]}': expected NAME=value`, 2);
  const key = value.slice(0, eq);
  const v = value.slice(eq + 1);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UserError(`--env ${JSON.stringify(key)}: a variable name is letters, digits and _, not starting with a digit`, 2);
  if (/[\r\n]/.test(v)) throw new UserError(`--env ${key}: the value contains a newline, which a unit file cannot hold; use --env-file for such values`, 2);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(v)) throw new UserError(`--env ${key}: the value contains a control character, which systemd rejects`, 2);
  if (hasInvalidUnicode(v)) throw new UserError(`--env ${key}: the value contains a Unicode noncharacter, which systemd rejects`, 2);
  return [key, v];
}

/** MemoryMax=: bytes with an optional K/M/G/T suffix, a percentage of RAM, or infinity. */
export function parseMemoryMax(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?[KMGT]?$/i.test(v) && Number.parseFloat(v) > 0) return v.toUpperCase();
  if (/^\d+(\.\d+)?%$/.test(v) && Number.parseFloat(v) > 0 && Number.parseFloat(v) <= 100) return v;
  if (v === 'infinity') return v;
  throw new UserError(`--memory-max must be a size like 512M or 2G, a percentage like 50%, or infinity; not '${value}'`, 2);
}

/** `--log-rate-limit LINES/SECONDS` or `off`. */
export function parseLogRateLimit(value: string | undefined): AppSpec['logRateLimit'] {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === 'off') return { burst: 0, intervalSec: 0 };
  const m = /^(\d+)\/(\d+)s?$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 1e9 || Number(m[2]) > 86400) {
    throw new UserError(`--log-rate-limit must be LINES/SECONDS like 50000/30, or off; not '${value}'`, 2);
  }
  return { burst: Number(m[1]), intervalSec: Number(m[2]) };
}

/** Percent of one CPU, 1..(100 × 1024). */
export function parseCpuQuota(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().replace(/%$/, '');
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 102400) {
    throw new UserError(`--cpu-quota must be a whole percentage of one CPU, like 50 or 200; not '${value}'`, 2);
  }
  return Number(v);
}

export function parseWatchdog(value: string | undefined): number {
  if (value === undefined) return 30;
  const v = value.trim().replace(/s$/, '');
  if (!/^\d+$/.test(v) || Number(v) > 86400) throw new UserError(`--watchdog must be whole seconds (0 = off), not '${value}'`, 2);
  return Number(v);
}

export function parseReady(value: string | undefined): AppSpec['ready'] {
  if (value === undefined) return DEFAULT_READY;
  if (value === 'listen' || value === 'manual' || value === 'start') return value;
  throw new UserError(`--ready must be listen, manual or start, not '${value}'`, 2);
}

export function parseBalance(value: string | undefined): AppSpec['balance'] {
  if (value === undefined) return 'shared';
  if (value === 'shared' || value === 'reuseport') return value;
  throw new UserError(`--balance must be shared or reuseport, not '${value}'`, 2);
}

/** systemd's strict user name rules (what systemd-sysusers accepts). */
export function validateUserName(user: string, from: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(user) || user.length > 31) {
    throw new UserError(`${from} '${user}' is not a valid user name (letters, digits, _ and -, at most 31)`, 2);
  }
  return user;
}

/** What buildAppSpec needs from the host; injected so that parsing stays testable. */
export interface AppHost {
  cwd: string;
  systemdVersion: number;
  nodeunitPath: string;
  /** Resolves --node (or finds node) to an absolute path; throws a UserError. */
  resolveNode(flag: string | undefined): string;
}

/** Every command-line check that needs no file system: name, numbers, ports, env, user. */
export function buildAppSpec(argv: AppArgv, host: AppHost): AppSpec {
  const name = validateAppName(String(argv.name));
  if (argv.script === undefined || String(argv.script) === '') throw new UserError('no script given', 2);
  const script = resolve(host.cwd, String(argv.script));
  const cwdFlag = last(argv.cwd);
  const cwd = cwdFlag === undefined ? dirname(script) : resolve(host.cwd, cwdFlag);
  const userFlag = last(argv.user);
  if (userFlag !== undefined && argv.dynamicUser) throw new UserError('--user and --dynamic-user exclude each other', 2);
  let user: AppSpec['user'];
  if (argv.dynamicUser) user = { kind: 'dynamic' };
  else if (userFlag !== undefined) user = { kind: 'static', name: validateUserName(userFlag, '--user') };
  else {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) || name.length > 31) {
      throw new UserError(`app name '${name}' cannot be a user name (letters, digits, _ and -, at most 31): pass --user NAME or --dynamic-user`, 2);
    }
    user = { kind: 'static', name };
  }
  const env = all(argv.env).map(parseEnvAssignment);
  const envFileFlag = last(argv.envFile);
  const drain = last(argv.drainTimeout);
  const spec: AppSpec = {
    name,
    script,
    instances: parseInstances(last(argv.instances)),
    ports: parsePorts(all(argv.port).map(String)),
    user,
    cwd,
    env,
    node: host.resolveNode(last(argv.node)),
    nodeOptions: all(argv.nodeOption),
    watchdogSec: parseWatchdog(last(argv.watchdog)),
    ready: parseReady(last(argv.ready)),
    drainTimeoutSec: drain === undefined ? DEFAULT_DRAIN_TIMEOUT_SEC : parseDrainTimeout(drain, '--drain-timeout'),
    balance: parseBalance(last(argv.balance)),
    harden: argv.harden !== false,
    nodeunitPath: host.nodeunitPath,
    systemdVersion: host.systemdVersion,
  };
  if (envFileFlag !== undefined) spec.envFile = resolve(host.cwd, envFileFlag);
  const logRateLimit = parseLogRateLimit(last(argv.logRateLimit));
  if (logRateLimit !== undefined) spec.logRateLimit = logRateLimit;
  const memoryMax = parseMemoryMax(last(argv.memoryMax));
  if (memoryMax !== undefined) spec.memoryMax = memoryMax;
  const cpuQuota = parseCpuQuota(last(argv.cpuQuota));
  if (cpuQuota !== undefined) spec.cpuQuota = cpuQuota;
  for (const o of spec.nodeOptions) {
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(o)) throw new UserError(`--node-option ${JSON.stringify(o)} contains a control character`, 2);
    if (hasInvalidUnicode(o)) throw new UserError(`--node-option ${JSON.stringify(o)} contains a Unicode noncharacter, which systemd refuses`, 2);
  }
  for (const [what, path] of [['script', spec.script], ['--cwd', spec.cwd], ['--env-file', spec.envFile]] as const) {
    // eslint-disable-next-line no-control-regex
    if (path !== undefined && (/[\x00-\x1f\x7f]/.test(path) || path.endsWith('\\') || hasInvalidUnicode(path))) throw new UserError(`${what} path ${JSON.stringify(path)} cannot be written into a unit file`, 2);
  }
  return spec;
}

/** Paths the sandbox hides from the service: a script there would be "not found" at start. */
export function hiddenBySandbox(path: string, spec: Pick<AppSpec, 'harden' | 'user'>): string | undefined {
  const under = (dir: string) => path === dir || path.startsWith(`${dir}/`);
  if (spec.harden && ['/home', '/root', '/run/user'].some(under)) return 'ProtectHome=yes hides /home, /root and /run/user from the service';
  if ((spec.harden || spec.user.kind === 'dynamic') && ['/tmp', '/var/tmp'].some(under)) return 'PrivateTmp=yes gives the service its own empty /tmp';
  return undefined;
}

/** The file node would run for `script` (it adds .js etc. like node does), or undefined. */
export function scriptFile(script: string): string | undefined {
  for (const suffix of ['', '.js', '.mjs', '.cjs']) {
    const file = script + suffix;
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export function requireAbsoluteExisting(path: string, what: string): void {
  if (!isAbsolute(path) || !existsSync(path)) throw new UserError(`${what} ${path}: no such file`);
}
