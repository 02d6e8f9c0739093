import { UserError } from '../errors';

export type ReadyMode = 'listen' | 'manual' | 'start';
export const READY_MODES: readonly ReadyMode[] = ['listen', 'manual', 'start'];

/** `nodeunit [nodeunit and node options] script [script args]`, split. */
export interface LaunchArgs {
  node?: string;
  ready?: ReadyMode;
  drainTimeoutSec?: number;
  adopt: boolean;
  help: boolean;
  version: boolean;
  /** Passed to node verbatim, in order. */
  nodeOptions: string[];
  /** node runs code from the command line (-e, -p): there is no script. */
  evaluates: boolean;
  /** Undefined with `evaluates`, or when nothing was given. */
  script?: string;
  scriptArgs: string[];
}

// Node options whose value may be the next argument (`-r x`, `--import x`).
// Everything else that starts with '-' is a flag, or carries its value after
// '=' (`--max-old-space-size=512`): node itself decides whether it is valid.
const NODE_OPTIONS_WITH_VALUE = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions',
  '--input-type', '--title', '--env-file', '--env-file-if-exists', '--inspect-port', '--debug-port',
  '--diagnostic-dir', '--report-dir', '--report-directory', '--report-filename', '--report-signal',
  '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir', '--heap-prof-name',
  '--heap-prof-interval', '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit', '--redirect-warnings',
  '--secure-heap', '--secure-heap-min', '--openssl-config', '--icu-data-dir', '--disable-warning',
  '--watch-path', '--stack-trace-limit', '--unhandled-rejections', '--dns-result-order', '--trace-event-categories',
  '--trace-event-file-pattern', '--tls-cipher-list', '--tls-keylog', '--experimental-default-type',
  '--experimental-config-file', '--localstorage-file', '--max-http-header-size', '--use-largepages',
]);

// With these, node runs the code given on the command line: there is no script.
const NODE_EVAL_OPTIONS = new Set(['-e', '--eval', '-p', '--print']);

const NODEUNIT_OPTIONS_WITH_VALUE = new Set(['--node', '--ready', '--drain-timeout']);

export function parseReadyMode(value: string, from: string): ReadyMode {
  if ((READY_MODES as readonly string[]).includes(value)) return value as ReadyMode;
  throw new UserError(`${from} must be listen, manual or start, not '${value}'`, 2);
}

export function parseDrainTimeout(value: string, from: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new UserError(`${from} must be a number of seconds, like 10, not '${value}'`, 2);
  }
  return Number(value);
}

export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  const out: LaunchArgs = { adopt: true, help: false, version: false, evaluates: false, nodeOptions: [], scriptArgs: [] };
  let i = 0;
  const valueOf = (arg: string): [name: string, value: string] => {
    const eq = arg.indexOf('=');
    if (eq > 0 && arg.startsWith('--')) return [arg.slice(0, eq), arg.slice(eq + 1)];
    const next = argv[i + 1];
    if (next === undefined) throw new UserError(`${arg} needs a value`, 2);
    i++;
    return [arg, next];
  };

  for (; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.includes('=') && arg.startsWith('--') ? arg.slice(0, arg.indexOf('=')) : arg;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (NODEUNIT_OPTIONS_WITH_VALUE.has(name)) {
      const [flag, value] = valueOf(arg);
      if (flag === '--node') out.node = value;
      else if (flag === '--ready') out.ready = parseReadyMode(value, '--ready');
      else out.drainTimeoutSec = parseDrainTimeout(value, '--drain-timeout');
    } else if (arg === '--no-adopt') out.adopt = false;
    else if (arg === '-h' || arg === '--help') out.help = true;
    else if (arg === '-v' || arg === '--version') out.version = true;
    else if (NODE_EVAL_OPTIONS.has(name)) {
      // node -e CODE [args]: everything from here on is node's.
      out.nodeOptions.push(...argv.slice(i));
      out.evaluates = true;
      return out;
    } else if (NODE_OPTIONS_WITH_VALUE.has(arg)) {
      const [flag, value] = valueOf(arg);
      out.nodeOptions.push(flag, value);
    } else out.nodeOptions.push(arg);
  }
  if (i < argv.length) {
    out.script = argv[i];
    out.scriptArgs = argv.slice(i + 1);
  }
  return out;
}
