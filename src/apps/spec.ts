import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, isAbsolute, normalize, resolve } from 'node:path';
import { UserError } from '../errors';
import { parseDrainTimeout } from '../launcher/parse-args';
import type { AppSpec } from '../units/app-spec';
import { DEFAULT_BALANCE, DEFAULT_DRAIN_TIMEOUT_SEC, DEFAULT_READY, DEFAULT_WATCHDOG_SEC } from '../units/exec-start';
import { currentPath } from '../system/releases';
import { hasInvalidUnicode } from '../units/quote';
import { listenAddress } from '../units/render-socket';
import { homeBindsFor, inHomeDirectory } from '../units/sandbox';

/**
 * The options of an app as a command line gives them (values unparsed: they are
 * validated here). A repeated option arrives as an array; the last one wins.
 */
export interface AppOptions {
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
  cpuQuota?: string | string[];
  watchdog?: string | string[];
  ready?: string | string[];
  drainTimeout?: string | string[];
  balance?: string | string[];
  harden?: boolean;
  /** `--writable DIR` (repeatable): directories the app writes besides its StateDirectory=. */
  writable?: string | string[];
  /** The app's own arguments (after `--` on the command line), verbatim. */
  args?: string[];
  /** `LINES/SECONDS` or `off`: journald's rate limit for each instance. */
  logRateLimit?: string | string[];
  /** The script (and default cwd) are in /var/lib/nodeunit/<name>/current, the release `nodeunit deploy` switches. */
  releaseDir?: boolean;
}

export const MAX_INSTANCES = 256;
/** Leaves room for `-65535@256.socket` and `.target.wants` within systemd's 255-character unit names. */
export const MAX_NAME_LENGTH = 200;

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
  if (value === undefined) return DEFAULT_WATCHDOG_SEC;
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
  if (value === undefined) return DEFAULT_BALANCE;
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

/**
 * `--writable DIR`: absolute directories the app may write (ReadWritePaths=,
 * plus BindPaths= under /home), each once. Whether they exist is checked on
 * the host that installs the app (checkFilesForService).
 */
export function parseWritable(values: string[], option = '--writable'): string[] {
  const out: string[] = [];
  for (const v of values) {
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(v) || v.endsWith('\\')) throw new UserError(`${option} ${JSON.stringify(v)} cannot be written into a unit file`, 2);
    if (!isAbsolute(v)) throw new UserError(`${option} '${v}' is not an absolute path; give the directory's full path, starting with /`, 2);
    const dir = normalize(v).replace(/(.)\/+$/, '$1');
    if (inHomeDirectory(dir) && dir.includes(':')) throw new UserError(`${option} ${dir}: a directory under a home directory is bound in with BindPaths=, which cannot hold ':'; rename it`, 2);
    if (dir === '/') throw new UserError(`${option} /: that makes the whole file system writable; name the directories the app writes, or pass --no-harden`, 2);
    if (!out.includes(dir)) out.push(dir);
  }
  return out;
}

/** What buildAppSpec needs from the host; injected so that parsing stays testable. */
export interface AppHost {
  cwd: string;
  systemdVersion: number;
  nodeunitPath: string;
  /** Resolves --node (or finds node) to an absolute path; throws a UserError. */
  resolveNode(flag: string | undefined): string;
  /** The (non-root) user owning a path: the default user of an app under /home. */
  ownerOf?(path: string): string | undefined;
}

/** Every command-line check that needs no file system: name, numbers, ports, env, user. */
export function buildAppSpec(argv: AppOptions, host: AppHost): AppSpec {
  const name = validateAppName(String(argv.name));
  if (argv.script === undefined || String(argv.script) === '') throw new UserError('no script given', 2);
  const base = argv.releaseDir ? currentPath(name) : host.cwd;
  const script = resolve(base, String(argv.script));
  const cwdFlag = last(argv.cwd);
  const cwd = cwdFlag === undefined ? (argv.releaseDir ? base : dirname(script)) : resolve(host.cwd, cwdFlag);
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
  if (argv.args !== undefined && argv.args.length > 0) {
    spec.args = argv.args.map(String);
    // The kernel cannot pass a NUL inside an argument; everything else is quoted into ExecStart=.
    const bad = spec.args.find((a) => a.includes('\0'));
    if (bad !== undefined) throw new UserError(`app argument ${JSON.stringify(bad)} contains a NUL character`, 2);
    // systemd drops a command line that is not UTF-8 clean (found by the unit round-trip property test).
    const odd = spec.args.find(hasInvalidUnicode);
    if (odd !== undefined) throw new UserError(`app argument ${JSON.stringify(odd)} contains a Unicode noncharacter, which systemd refuses`, 2);
  }
  const writable = parseWritable(all(argv.writable).map(String));
  if (writable.length && !spec.harden) throw new UserError('--writable has no effect with --no-harden (without the sandbox the app may write anywhere its user may); drop one', 2);
  if (writable.length) spec.writablePaths = writable;
  // Under /home (pm2 users keep apps there): keep the sandbox, bind the app's directories in read-only,
  // and run as the directory's owner unless a user was named.
  if (spec.harden) {
    const binds = homeBindsFor(spec);
    if (binds.length) {
      spec.homeBinds = binds;
      const owner = userFlag === undefined && !argv.dynamicUser ? host.ownerOf?.(spec.cwd) : undefined;
      if (owner !== undefined) spec.user = { kind: 'static', name: validateUserName(owner, `owner of ${spec.cwd}`) };
    }
  }
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

export function requireAbsoluteExisting(path: string, what: string): void {
  if (!isAbsolute(path) || !existsSync(path)) throw new UserError(`${what} ${path}: no such file`);
}
