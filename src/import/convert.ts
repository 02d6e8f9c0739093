import { basename, extname, isAbsolute, resolve } from 'node:path';
import { MAX_INSTANCES, parseEnvAssignment, validateAppName, validateUserName } from '../apps/spec';
import { appSpecWithDefaults, type AppSpec } from '../units/app-spec';
import { looksSecret } from '../units/credentials';
import { homeBindsFor } from '../units/sandbox';
import { cronToOnCalendar } from './cron';
import { resolvePackageScript } from './npm';
import { pm2Option, type VerdictKind } from './pm2-options';
import { argList, splitPm2Args } from './split-args';

/**
 * One pm2 app object -> an AppSpec plus a verdict for every key, following
 * pm2 7's normalisation (Common.verifyConfs, prepareAppConf,
 * resolveInterpreter, determineExecMode; shared/reference/pm2-options.md §1-4).
 * Pure: the host is reached only through ImportHost.
 */
export interface ImportHost {
  /** The directory `pm2 start` is taken to have run in: the config file's. */
  cwd: string;
  /** `--env NAME`. */
  envName?: string;
  /** The config's `deploy` section (its `<env>.env` takes part in --env). */
  deploy?: Record<string, unknown>;
  /** CPUs "max"/0/-k are computed for, and where that number comes from: 'this host' (the default, --instances-from-host) or the option that fixed it. */
  cpus: number;
  cpusFrom: string;
  /**
   * `import --writable DIR` (key '': every app) and `--writable APP=DIR`:
   * directories the app writes. No pm2 option names them: out_file,
   * error_file, log_file and pid_file are written by pm2, not by the app.
   */
  writable?: ReadonlyMap<string, string[]>;
  /** `--port APP=PORT`. */
  ports: ReadonlyMap<string, number>;
  allowWatch: boolean;
  systemdVersion: number;
  nodeunitPath: string;
  /** node for the app: `flag` is pm2's interpreter when it names a node binary. Throws a UserError. */
  resolveNode(flag?: string): string;
  /** An executable on PATH (python3, bun, bash), or undefined. */
  which(command: string): string | undefined;
  fileExists(path: string): boolean;
  readFile(path: string): string | undefined;
  /** The real path of a file (node_modules/.bin links), or undefined. */
  realpath(path: string): string | undefined;
  /** The first bytes of a file contain a NUL: pm2 runs binaries directly. */
  isBinary(path: string): boolean;
  /** The (non-root) owner of a path: the user of an app under /home when the file names none. */
  ownerOf?(path: string): string | undefined;
}

export type Topic = 'script' | 'node' | 'cwd' | 'user' | 'env' | 'instances' | 'memory' | 'restarts' | 'ready' | 'stop' | 'cron' | 'start' | 'name' | 'other';

export interface Verdict {
  key: string;
  kind: VerdictKind;
  topic: Topic;
  /** What it became (mapped/emulated) or why not (ignored/refused/unknown). */
  text: string;
}

export interface ImportedApp {
  /** The name in the pm2 file. */
  pm2Name: string;
  /** The nodeunit app (unit) name. */
  name: string;
  /** Node under nodeunit, or a plain Type=exec command. */
  kind: 'node' | 'exec';
  /** e.g. `4 instances (pm2: instances "max" on this 4-CPU host), port 3000 from env PORT`. */
  summary: string;
  verdicts: Verdict[];
  /** Reasons the app is not imported; empty when it is. */
  refused: string[];
  /** Undefined when refused before a spec could be built. */
  spec?: AppSpec;
  /** cron_restart as a timer. */
  cron?: { pattern: string; onCalendar: string };
  /** pm2 autostart: false -> installed, enabled, not started. */
  autostart: boolean;
  /** A `.path` unit's paths for --allow-watch. */
  watchPaths?: string[];
  /** env keys that look secret (units/credentials.ts looksSecret), taken out of the unit's env: systemd credentials. */
  secrets?: Array<[string, string]>;
}

const NODE_EXTENSIONS = ['.js', '.cjs', '.mjs'];
/** pm2 resolveInterpreter's extension table (lib/API/interpreter.json). */
const INTERPRETER_BY_EXT: Record<string, string> = { '.sh': 'bash', '.py': 'python3', '.rb': 'ruby', '.php': 'php', '.pl': 'perl', '.ts': 'bun', '.tsx': 'bun', '.coffee': 'coffee', '.ls': 'lsc' };
const PACKAGE_MANAGERS = ['npm', 'yarn', 'pnpm'];

/** pm2 instances -> a count (§2), and how it was computed. */
export function instanceCount(value: unknown, cpus: number, cpusFrom = 'this host'): { count: number; note?: string } {
  if (value === undefined || value === null) return { count: 1 };
  let n: number;
  if (typeof value === 'number') n = Math.trunc(value);
  else if (value === 'max') n = 0;
  else n = Number.parseInt(String(value), 10) || 0;
  const shown = JSON.stringify(value);
  if (n >= 1) return { count: n, ...(typeof value === 'string' ? { note: `instances ${shown}` } : {}) };
  const count = Math.max(cpus + n, 1);
  return { count, note: cpusFrom === 'this host' ? `instances ${shown} on this ${cpus}-CPU host` : `instances ${shown} for ${cpus} CPUs, ${cpusFrom}` };
}

/** pm2's max_memory_restart (bytes, or K/M/G ×1024) as a MemoryMax= size. */
export function memorySize(value: unknown): string | undefined {
  const m = /^(\d+)([KMG])?$/i.exec(String(value).trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * (m[2] ? 1024 ** (' KMG'.indexOf(m[2].toUpperCase())) : 1);
  for (const [suffix, size] of [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

/** A unit-safe app name from a pm2 name (`my api`, `node ace queue:listen`, `a/b`). */
export function unitNameFor(name: string): string {
  let n = name
    .replace(/[^A-Za-z0-9_.:-]+/g, '-')
    .replace(/\.\.+/g, '.')
    .replace(/^[^A-Za-z0-9_]+/, '')
    .replace(/-+$/, '');
  n = n.replace(/\.(service|socket|target|timer|mount|slice|scope|path|device|swap|automount)$/, '-$1');
  return n.slice(0, 200) || 'app';
}

/** A system user name for the app: letters, digits, _ and -, at most 31. */
function userNameFor(name: string): string {
  let u = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z_]+/, '');
  u = u.slice(0, 31).replace(/-+$/, '');
  return u || 'app';
}

/** env values as pm2 passes them: objects JSON.stringified, primitives as strings, the rest dropped. */
function envValue(v: unknown): string | undefined {
  if (v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function plainObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** `--port N`, `-p N`, `--port=N` among the app's arguments. */
function portFromArgs(args: readonly string[]): number | undefined {
  for (let i = 0; i < args.length; i++) {
    const m = /^(?:--port|-p)(?:=(\d+))?$/.exec(args[i]);
    if (!m) continue;
    const v = m[1] ?? args[i + 1];
    if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  }
  return undefined;
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

export function convertApp(raw: Record<string, unknown>, host: ImportHost): ImportedApp {
  const verdicts: Verdict[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  const note = (key: string, kind: VerdictKind, topic: Topic, text: string) => {
    verdicts.push({ key, kind, topic, text });
    if (kind === 'refused') refused.push(`${key}: ${text}`);
    seen.add(key);
  };
  /** The value of a canonical option under any of its names; marks those keys as handled. */
  const take = (key: string): unknown => {
    const o = pm2Option(key)!;
    for (const k of [o.key, ...(o.aliases ?? [])]) {
      if (raw[k] !== undefined) {
        for (const other of [o.key, ...(o.aliases ?? [])]) if (raw[other] !== undefined) seen.add(other);
        return raw[k];
      }
    }
    return undefined;
  };
  const keyOf = (key: string): string => {
    const o = pm2Option(key)!;
    return [o.key, ...(o.aliases ?? [])].find((k) => raw[k] !== undefined) ?? key;
  };

  // --- script, name (verifyConfs steps 2, 4, 6) ---
  const scriptValue = take('script');
  const rawName = raw.name;
  seen.add('name');
  if (typeof scriptValue !== 'string' || scriptValue.trim() === '') {
    const pm2Name = typeof rawName === 'string' ? rawName : '(no name)';
    note('script', 'refused', 'script', 'no script given');
    return { pm2Name, name: unitNameFor(pm2Name), kind: 'node', summary: 'refused', verdicts, refused, autostart: true };
  }
  let script: string = scriptValue;
  let pm2Name = rawName === undefined || rawName === null || rawName === '' ? basename(script).replace(/\.[^.]*$/, '') : String(rawName);
  const prefix = take('name_prefix');
  if (typeof prefix === 'string' && prefix !== '') pm2Name = `${prefix}:${pm2Name}`;
  const appendEnv = take('append_env_to_name');
  if (appendEnv === true && host.envName) {
    pm2Name = `${pm2Name}-${host.envName}`;
    note('append_env_to_name', 'mapped', 'name', `name ${pm2Name}`);
  } else if (appendEnv !== undefined) note('append_env_to_name', 'mapped', 'name', host.envName ? 'false: the name stays' : 'no --env given: the name stays');
  let name = unitNameFor(pm2Name);
  try {
    validateAppName(name);
  } catch (err) {
    name = 'app';
    note('name', 'refused', 'name', (err as Error).message);
  }
  if (name !== pm2Name) note('name', 'mapped', 'name', `unit name ${name} (pm2 name ${JSON.stringify(pm2Name)} is not a valid unit name)`);
  else if (rawName !== undefined) note('name', 'mapped', 'script', `units ${name}.target, ${name}@N.service`);

  // --- cwd (prepareAppConf: against the directory pm2 ran in) ---
  const cwdValue = take('cwd');
  const cwd = typeof cwdValue === 'string' && cwdValue !== '' ? resolve(host.cwd, cwdValue) : host.cwd;
  if (cwdValue !== undefined) note('cwd', 'mapped', 'cwd', `WorkingDirectory=${cwd}`);

  // --- args, interpreter ---
  let args = argList(take('args')) ?? [];
  if (raw.args !== undefined) note('args', 'mapped', 'script', 'after the script in ExecStart=');
  let interpreterValue = take('exec_interpreter');
  let interpreter = typeof interpreterValue === 'string' && interpreterValue !== '' ? interpreterValue : undefined;
  const nodeArgs = argList(take('node_args')) ?? [];
  let extraNodeArgs: string[] = [];

  // A script with spaces: pm2 runs `bash -c <script>` and drops the args. A
  // package manager or node at its start is resolved instead (node must be the main process).
  if (/\s/.test(script.trim())) {
    const words = splitPm2Args(script);
    if (PACKAGE_MANAGERS.includes(words[0])) {
      if (args.length) note('args', 'ignored', 'script', `pm2 drops args when the script contains a space ("${script}")`);
      script = words[0];
      args = words.slice(1);
    } else if (words[0] === 'node' && words.slice(1).some((w) => !w.startsWith('-'))) {
      if (args.length) note('args', 'ignored', 'script', `pm2 drops args when the script contains a space ("${script}")`);
      const at = words.findIndex((w, i) => i > 0 && !w.startsWith('-'));
      extraNodeArgs = words.slice(1, at);
      script = words[at];
      args = words.slice(at + 1);
    } else {
      if (args.length) note('args', 'ignored', 'script', `pm2 drops args when the script contains a space ("${script}")`);
      args = ['-c', script];
      script = 'bash';
      interpreter = 'none';
      interpreterValue = undefined;
    }
  }

  // --- what runs: node (under nodeunit) or a plain command ---
  let kind: ImportedApp['kind'] = 'node';
  let scriptPath = isAbsolute(script) ? script : resolve(cwd, script);
  let command: string[] | undefined;
  let node: string | undefined;
  let nodeOptions = [...nodeArgs, ...extraNodeArgs];
  let packageEnv: Array<[string, string]> = [];
  const ext = extname(script).toLowerCase();
  const onPath = !host.fileExists(scriptPath) && !script.includes('/') ? host.which(script) : undefined;

  if (PACKAGE_MANAGERS.includes(script) && !host.fileExists(scriptPath)) {
    const r = resolvePackageScript(script, args, cwd, host, name);
    if ('refused' in r) {
      note('script', 'refused', 'script', r.refused);
    } else {
      scriptPath = r.entry;
      args = r.args;
      nodeOptions = [...nodeArgs, ...r.nodeOptions];
      packageEnv = r.env;
      note('script', 'mapped', 'script', `${[script, ...(argList(raw.args) ?? [])].join(' ')} runs ${r.via}: node runs ${r.entry} directly (npm must not be the main process)`);
    }
  } else {
    const interp = interpreter ?? INTERPRETER_BY_EXT[ext] ?? (NODE_EXTENSIONS.includes(ext) ? 'node' : undefined);
    const isNode = (i: string | undefined) => i === undefined || i === 'node' || i === 'nodejs' || /(^|\/)node(js)?$/.test(i);
    if (interp === 'none' || (interp === undefined && (onPath !== undefined ? host.isBinary(onPath) : host.fileExists(scriptPath) && host.isBinary(scriptPath)))) {
      kind = 'exec';
      const exe = onPath ?? scriptPath;
      command = [exe, ...args];
      note(interpreterValue !== undefined ? keyOf('exec_interpreter') : 'script', 'mapped', 'script', `not Node: runs ${exe} directly (Type=exec, no preload)`);
    } else if (interp !== undefined && /^node@/.test(interp)) {
      note(keyOf('exec_interpreter'), 'refused', 'node', `${interp} selects a node through nvm; pass the node binary's path as interpreter (e.g. ~/.nvm/versions/node/vX/bin/node)`);
    } else if (isNode(interp)) {
      try {
        node = host.resolveNode(interp !== undefined && interp.includes('/') ? resolve(cwd, interp) : undefined);
        if (interpreterValue !== undefined) note(keyOf('exec_interpreter'), 'mapped', 'node', `--node ${node}`);
      } catch (err) {
        note(keyOf('exec_interpreter'), 'refused', 'node', (err as Error).message);
      }
      if (onPath !== undefined && !NODE_EXTENSIONS.includes(ext)) scriptPath = onPath;
      note('script', 'mapped', 'script', 'the script of ExecStart= (nodeunit starts node with it)');
    } else {
      // Another interpreter (python3, bun, php, bash...): a plain unit running it.
      const exe = interp.includes('/') ? resolve(cwd, interp) : host.which(interp);
      if (exe === undefined) note(interpreterValue !== undefined ? keyOf('exec_interpreter') : 'script', 'refused', 'script', `interpreter ${interp} is not on PATH; install it or give its absolute path`);
      else {
        kind = 'exec';
        command = [exe, ...nodeArgs, scriptPath, ...args];
        note(interpreterValue !== undefined ? keyOf('exec_interpreter') : 'script', 'mapped', 'script', `not Node (${interp}): runs ${exe} directly (Type=exec, no preload)`);
        if (nodeArgs.length) note(keyOf('node_args'), 'mapped', 'script', `interpreter arguments before the script`);
      }
    }
  }
  if (kind === 'node' && nodeArgs.length) note(keyOf('node_args'), 'mapped', 'node', `node options ${nodeArgs.join(' ')}`);
  if (kind === 'node' && !host.fileExists(scriptPath) && !refused.length) {
    const withExt = NODE_EXTENSIONS.some((e) => host.fileExists(scriptPath + e));
    if (!withExt) note('script', 'refused', 'script', `${scriptPath}: no such file`);
  }

  // --- env: deploy.<env>.env <- env <- env_<env> (§3) ---
  const env = new Map<string, string>();
  const sources: string[] = [];
  const merge = (obj: unknown, label: string) => {
    const o = plainObject(obj);
    if (!o) return;
    for (const [k, v] of Object.entries(o)) {
      const s = envValue(v);
      if (s === undefined) continue;
      env.set(k, s);
    }
    if (Object.keys(o).length) sources.push(label);
  };
  for (const [k, v] of packageEnv) env.set(k, v);
  if (packageEnv.length) sources.push('package.json script');
  if (host.envName) merge(plainObject(plainObject(host.deploy?.[host.envName])?.env), `deploy.${host.envName}.env`);
  merge(raw.env, 'env');
  if (raw.env !== undefined && !plainObject(raw.env)) note('env', 'refused', 'env', 'env must be an object of NAME: value');
  seen.add('env');
  for (const k of Object.keys(raw).filter((k) => k.startsWith('env_'))) {
    seen.add(k);
    if (host.envName !== undefined && k === `env_${host.envName}`) {
      merge(raw[k], k);
      note(k, 'mapped', 'env', `merged over env (--env ${host.envName})`);
    } else note(k, 'ignored', 'env', host.envName === undefined ? `used only with --env ${k.slice(4)}` : `not the selected environment (--env ${host.envName})`);
  }
  const port = take('port');
  if (port !== undefined) {
    env.set('PORT', String(port));
    note('port', 'mapped', 'env', `PORT=${port}`);
  }
  const filterEnv = take('filter_env');
  if (filterEnv !== undefined) note('filter_env', 'mapped', 'env', "implicit: a unit never inherits the shell's environment");
  const instanceVar = take('instance_var');
  // import --port APP=PORT: the app listens on PORT like pm2's port option says, on systemd's socket.
  const given = host.ports.get(pm2Name) ?? host.ports.get(name);
  if (given !== undefined) env.set('PORT', String(given));
  const envPairs: Array<[string, string]> = [];
  for (const [k, v] of env) {
    try {
      envPairs.push(parseEnvAssignment(`${k}=${v}`));
    } catch (err) {
      note('env', 'refused', 'env', `${k}: ${(err as Error).message.replace(/^--env /, '')}`);
    }
  }
  if (typeof instanceVar === 'string' && instanceVar !== 'NODE_APP_INSTANCE') {
    note('instance_var', 'refused', 'env', `nodeunit sets NODE_APP_INSTANCE (0-based) and NODEUNIT_INSTANCE (1-based); read one of those instead of ${instanceVar}`);
  } else if (instanceVar !== undefined) note('instance_var', 'mapped', 'env', 'NODE_APP_INSTANCE (nodeunit sets it, 0-based)');
  if (sources.length) note('env', 'mapped', 'env', sources.join(' + '));

  // --- instances, exec_mode, port ---
  const inst = instanceCount(take('instances'), host.cpus, host.cpusFrom);
  const execMode = take('exec_mode');
  const cluster = execMode === undefined ? raw.instances !== undefined && kind === 'node' : /^cluster/.test(String(execMode));
  if (inst.count > MAX_INSTANCES) note('instances', 'refused', 'instances', `${inst.count} instances; nodeunit runs at most ${MAX_INSTANCES}`);
  else if (raw.instances !== undefined) note('instances', 'mapped', 'instances', `${inst.count} instance${inst.count > 1 ? 's' : ''}${inst.note ? ` (pm2: ${inst.note})` : ''}`);
  if (execMode !== undefined) {
    if (!/^(cluster|fork)(_mode)?$/.test(String(execMode))) note('exec_mode', 'refused', 'instances', `'${execMode}' is not fork or cluster`);
    else note('exec_mode', 'mapped', 'instances', cluster ? 'instances share one listening socket that systemd holds (no master process)' : 'separate instances');
  }
  let portNumber: number | undefined;
  let portFrom = '';
  if (given !== undefined) [portNumber, portFrom] = [given, 'from --port'];
  else if (env.has('PORT') && /^\d+$/.test(env.get('PORT')!)) [portNumber, portFrom] = [Number(env.get('PORT')), port !== undefined ? 'from port' : 'from env PORT'];
  else if (portFromArgs(args) !== undefined) [portNumber, portFrom] = [portFromArgs(args)!, 'from args'];
  if (portNumber !== undefined && (portNumber < 1 || portNumber > 65535)) {
    note('port', 'refused', 'instances', `port ${portNumber} is not 1-65535`);
    portNumber = undefined;
  }
  const askPort = portNumber === undefined && inst.count > 1 && kind === 'node' && cluster;
  if (kind === 'exec' && portNumber !== undefined && inst.count > 1) {
    note('instances', 'refused', 'instances', `${inst.count} instances of a program that is not Node cannot share port ${portNumber} (only nodeunit's preload adopts systemd's socket); use instances: 1`);
  }
  const usePort = portNumber !== undefined && kind === 'node';

  // --- user ---
  const uid = take('uid');
  let user: AppSpec['user'];
  if (uid !== undefined) {
    try {
      user = { kind: 'static', name: validateUserName(String(uid), keyOf('uid')) };
      note(keyOf('uid'), 'mapped', 'user', `User=${uid}`);
    } catch (err) {
      note(keyOf('uid'), 'refused', 'user', (err as Error).message);
      user = { kind: 'static', name: userNameFor(name) };
    }
  } else user = { kind: 'static', name: userNameFor(name) };

  // --- memory, restarts, readiness, stop ---
  const spec: AppSpec = appSpecWithDefaults({
    name,
    script: scriptPath,
    instances: Math.min(inst.count, MAX_INSTANCES),
    ports: usePort ? [{ port: portNumber! }] : [],
    user,
    cwd,
    env: envPairs,
    node: node ?? '/usr/bin/node',
    nodeOptions,
    nodeunitPath: host.nodeunitPath,
    systemdVersion: host.systemdVersion,
    restart: 'always',
  });
  if (args.length) spec.args = args;
  if (kind === 'exec' && command) spec.command = command;
  const writable = [...new Set(['', pm2Name, name].flatMap((k) => host.writable?.get(k) ?? []))];
  if (writable.length) spec.writablePaths = writable;
  const binds = homeBindsFor(spec);
  if (binds.length) {
    spec.homeBinds = binds;
    const owner = uid === undefined ? host.ownerOf?.(cwd) : undefined;
    if (owner !== undefined) {
      spec.user = { kind: 'static', name: owner };
      note('cwd', 'mapped', 'user', `User=${owner} (owner of ${cwd}, under a home directory)`);
    }
    note('cwd', 'mapped', 'cwd', `under a home directory: ProtectHome=tmpfs + BindReadOnlyPaths=${binds.join(' ')} (the sandbox stays)`);
  }
  // Secret-looking env keys become credentials: the preload sets them in process.env (Node apps only).
  const secretPairs = envPairs.filter(([k]) => looksSecret(k));
  if (secretPairs.length && kind === 'node') spec.env = envPairs.filter(([k]) => !looksSecret(k));
  else if (secretPairs.length) {
    note('env', 'mapped', 'other', `${secretPairs.map(([k]) => k).join(', ')} look secret but stay in the unit's Environment= (not a Node app: no preload turns credentials into variables)`);
  }
  if (kind === 'exec' && command) {
    spec.command = command;
    spec.watchdogSec = 0;
  }
  const mem = take('max_memory_restart');
  if (mem !== undefined) {
    const size = memorySize(mem);
    if (size === undefined) note('max_memory_restart', 'refused', 'memory', `'${mem}' is not a size pm2 accepts (bytes, or a number with K, M or G)`);
    else {
      spec.memoryMax = size;
      const shown = typeof mem === 'number' ? `${mem} bytes` : String(mem);
      note('max_memory_restart', 'emulated', 'memory', `MemoryMax=${size} (max_memory_restart ${shown}: pm2 reloads at ${size} RSS; systemd OOM-kills and restarts)`);
    }
  }
  const autorestart = take('autorestart');
  if (autorestart === false) {
    spec.restart = 'no';
    note('autorestart', 'mapped', 'restarts', 'Restart=no (autorestart false)');
  } else note('autorestart', 'mapped', 'restarts', `Restart=always (${autorestart === undefined ? "pm2's default autorestart" : 'autorestart'})`);
  if (autorestart === undefined) seen.delete('autorestart');
  const delay = take('restart_delay');
  const backoff = take('exp_backoff_restart_delay');
  if (typeof backoff === 'number' && backoff > 0) {
    spec.restartSec = backoff / 1000;
    note('exp_backoff_restart_delay', 'emulated', 'restarts', `RestartSec=${seconds(backoff)}, growing to 60 s over 8 failures on systemd >= 254 and starting over after 10 min up (pm2: ×1.5 up to 15 s, reset after 30 s up)`);
    if (delay !== undefined) note('restart_delay', 'ignored', 'restarts', 'exp_backoff_restart_delay overrides it (as in pm2)');
  } else if (delay !== undefined) {
    if (typeof delay !== 'number' || delay < 0) note('restart_delay', 'refused', 'restarts', `'${delay}' is not a number of ms`);
    else {
      spec.restartSec = delay / 1000;
      note('restart_delay', 'mapped', 'restarts', `RestartSec=${seconds(delay)} (restart_delay ${delay})`);
    }
  }
  if (backoff !== undefined && !(typeof backoff === 'number' && backoff > 0)) note('exp_backoff_restart_delay', 'ignored', 'restarts', '0: off');
  const stopCodes = take('stop_exit_codes');
  if (stopCodes !== undefined) {
    const codes = (Array.isArray(stopCodes) ? stopCodes : [stopCodes]).map(Number);
    if (codes.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) note('stop_exit_codes', 'refused', 'restarts', `'${JSON.stringify(stopCodes)}' is not a list of exit codes 0-255`);
    else if (codes.length) {
      spec.restartPreventExitStatus = codes;
      note('stop_exit_codes', 'mapped', 'restarts', `RestartPreventExitStatus=${codes.join(' ')} (stop_exit_codes)`);
    }
  }
  const waitReady = take('wait_ready');
  if (waitReady === true) {
    if (kind === 'node') {
      spec.ready = 'manual';
      note('wait_ready', 'mapped', 'ready', "--ready manual (wait_ready): the app's process.send('ready') becomes READY=1");
    } else note('wait_ready', 'ignored', 'ready', 'only for Node apps (process.send)');
  } else if (waitReady !== undefined) note('wait_ready', 'mapped', 'ready', 'false: ready when the app listens');
  const listenTimeout = take('listen_timeout');
  if (typeof listenTimeout === 'number' && listenTimeout > 0) {
    spec.timeoutStartSec = Math.max(1, Math.ceil(listenTimeout / 1000));
    note('listen_timeout', 'emulated', 'ready', `TimeoutStartSec=${spec.timeoutStartSec} (listen_timeout ${listenTimeout}: pm2 then carries on as if ready, systemd fails the start and restarts)`);
  } else if (listenTimeout !== undefined) note('listen_timeout', 'refused', 'ready', `'${listenTimeout}' is not a number of ms`);
  const killTimeout = take('kill_timeout');
  if (typeof killTimeout === 'number' && killTimeout >= 0) {
    spec.drainTimeoutSec = Math.max(1, Math.ceil(killTimeout / 1000));
    note('kill_timeout', 'emulated', 'stop', `--drain-timeout ${spec.drainTimeoutSec} (kill_timeout ${killTimeout}; SIGTERM, not pm2's SIGINT)`);
  } else if (killTimeout !== undefined) note('kill_timeout', 'refused', 'stop', `'${killTimeout}' is not a number of ms`);
  const autostart = take('autostart');
  if (autostart !== undefined) note('autostart', 'mapped', 'start', autostart === false ? 'enabled at boot but not started now (autostart false)' : 'started now');

  // --- cron_restart, watch ---
  let cron: ImportedApp['cron'];
  const cronValue = take('cron_restart');
  if (cronValue !== undefined && cronValue !== 0 && cronValue !== '0' && cronValue !== '') {
    const r = cronToOnCalendar(cronValue as string);
    if ('error' in r) note(keyOf('cron_restart'), 'refused', 'cron', r.error);
    else {
      cron = { pattern: String(cronValue), onCalendar: r.onCalendar };
      note(keyOf('cron_restart'), 'mapped', 'cron', `${name}-restart.timer, OnCalendar=${r.onCalendar} (cron_restart ${JSON.stringify(cronValue)}) runs nodeunit reload ${name}`);
    }
  } else if (cronValue !== undefined) note(keyOf('cron_restart'), 'ignored', 'cron', '0: off');
  if (cron) spec.cronRestart = cron;
  const watch = take('watch');
  let watchPaths: string[] | undefined;
  if (watch !== undefined && watch !== false) {
    if (!host.allowWatch) note('watch', 'refused', 'other', pm2Option('watch')!.reason!);
    else {
      const list = watch === true ? [cwd] : (Array.isArray(watch) ? watch : [watch]).map((p) => resolve(cwd, String(p)));
      watchPaths = list;
      spec.watchPaths = list;
      note('watch', 'emulated', 'other', `${name}-watch.path: a change directly in ${list.join(', ')} runs nodeunit reload ${name} (not recursive, no globs; --allow-watch)`);
    }
  } else if (watch === false) note('watch', 'ignored', 'other', 'false');

  // --- every other key: its table verdict, or unknown ---
  for (const key of Object.keys(raw)) {
    if (seen.has(key)) continue;
    const o = pm2Option(key);
    if (o === undefined) note(key, 'unknown', 'other', 'not a pm2 option: pm2 drops it silently');
    else if (o.kind === 'ignored' || o.kind === 'refused') note(key, o.kind, 'other', o.reason ?? '');
    else note(key, 'ignored', 'other', 'no effect here');
  }

  const instancesText = `${spec.instances} instance${spec.instances > 1 ? 's' : ''}${inst.note ? ` (pm2: ${inst.note})` : ''}`;
  const portText = usePort
    ? `port ${portNumber} ${portFrom}`
    : portNumber !== undefined
      ? `port ${portNumber} ${portFrom} (the program binds it itself)`
      : askPort
        ? `no port known (env.PORT, port, --port in args): if it listens, pass --port ${/\s/.test(pm2Name) ? JSON.stringify(pm2Name) : pm2Name}=PORT so that its instances share a socket`
        : 'no port';
  const summary = `${instancesText}, ${portText}${kind === 'exec' ? ', not Node (plain Type=exec unit)' : ''}`;
  return {
    pm2Name,
    name,
    kind,
    summary,
    verdicts,
    refused,
    spec: refused.length ? undefined : spec,
    ...(cron ? { cron } : {}),
    autostart: autostart !== false,
    ...(watchPaths ? { watchPaths } : {}),
    ...(secretPairs.length && kind === 'node' && !refused.length ? { secrets: secretPairs } : {}),
  };
}

/** Converts every app; refuses duplicate unit names (pm2 allows two apps of one name). */
export function convertApps(apps: ReadonlyArray<Record<string, unknown>>, host: ImportHost): ImportedApp[] {
  const out = apps.map((a) => convertApp(a, host));
  const names = new Map<string, number>();
  for (const a of out) names.set(a.name, (names.get(a.name) ?? 0) + 1);
  for (const a of out) {
    if ((names.get(a.name) ?? 0) > 1) {
      a.refused.push(`name: two apps become unit ${a.name}; give them distinct names`);
      a.verdicts.push({ key: 'name', kind: 'refused', topic: 'name', text: `two apps become unit ${a.name}; give them distinct names` });
      delete a.spec;
    }
  }
  return out;
}
