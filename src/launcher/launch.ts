import { VERSION } from '../version';
import { UserError } from '../errors';
import { checkScript } from './check-script';
import { execPlan, underSystemd, type ExecPlan } from './exec-plan';
import { blockingSocketWarning, loadFdHelper, openNotifySocket, prepareListenFds } from './fd-helper';
import { listenFds } from '../preload/listen-fds.cjs';
import { parseDrainTimeout, parseLaunchArgs, parseReadyMode, type LaunchArgs } from './parse-args';
import { nodeVersion, resolveNode } from './resolve-node';
import { checkRuntimeFiles, runtimeFiles } from './runtime-files';

export const LAUNCH_USAGE = `Usage: nodeunit [node options] [nodeunit options] script.js [arguments]
       nodeunit run [node options] [nodeunit options] script.js [arguments]

Runs script.js with node, in place: nodeunit replaces itself with node (same
PID). Under systemd it tells systemd when the app is ready (Type=notify),
feeds the watchdog (WatchdogSec=), serves on systemd's sockets and drains
in-flight requests on stop. Elsewhere it behaves exactly like node.

nodeunit options:
  --node PATH            node to run (default: $NODEUNIT_NODE, else node on PATH)
  --ready MODE           listen (default): ready when a server listens;
                         manual: when the app calls process.send('ready');
                         start: at once                     ($NODEUNIT_READY)
  --drain-timeout SEC    on SIGTERM, wait at most SEC for in-flight requests
                         (default 10)                ($NODEUNIT_DRAIN_TIMEOUT)
  --no-adopt             do not serve listen(port) on systemd's sockets
  -v, --version          nodeunit's version and the node it would run
  -h, --help             this help
Every other option is passed to node as it is.`;

/** Resolves everything and returns the exec, without side effects on this process. */
export function planLaunch(args: LaunchArgs, env: NodeJS.ProcessEnv, cwd: string): ExecPlan {
  const node = resolveNode({ flag: args.node, env: env.NODEUNIT_NODE, path: env.PATH, cwd });
  if (args.script === undefined && !args.evaluates) {
    throw new UserError(`no script given; usage: nodeunit [node options] script.js [arguments]`, 2);
  }
  if (args.script !== undefined) checkScript(args.script, cwd);
  const ready = args.ready ?? (env.NODEUNIT_READY ? parseReadyMode(env.NODEUNIT_READY, 'NODEUNIT_READY') : undefined);
  const drainTimeoutSec =
    args.drainTimeoutSec ??
    (env.NODEUNIT_DRAIN_TIMEOUT ? parseDrainTimeout(env.NODEUNIT_DRAIN_TIMEOUT, 'NODEUNIT_DRAIN_TIMEOUT') : undefined);

  const base = { node, nodeOptions: args.nodeOptions, script: args.script, scriptArgs: args.scriptArgs, env };
  if (args.script === undefined || !underSystemd(env)) return execPlan(base);

  const files = runtimeFiles(VERSION);
  checkRuntimeFiles(files, process.getuid?.() ?? 0);
  const helper = loadFdHelper(files.helper);
  const warning = blockingSocketWarning(prepareListenFds(helper, listenFds(env, process.pid)));
  if (warning) process.stderr.write(warning);
  const notifyFd = env.NOTIFY_SOCKET ? openNotifySocket(helper, env.NOTIFY_SOCKET) : undefined;
  return execPlan({ ...base, preload: { file: files.preload, notifyFd, ready, drainTimeoutSec, adopt: args.adopt } });
}

function printVersion(args: LaunchArgs, env: NodeJS.ProcessEnv, cwd: string): void {
  const lines = [`nodeunit ${VERSION} (built with node ${process.version})`];
  try {
    const node = resolveNode({ flag: args.node, env: env.NODEUNIT_NODE, path: env.PATH, cwd });
    lines.push(`node: ${node} ${nodeVersion(node) ?? '(did not print a version)'}`);
  } catch (err) {
    lines.push(`node: ${(err as Error).message}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** `nodeunit [options] script [args]`: never returns when it execs node. */
export function launch(argv: readonly string[]): number {
  const args = parseLaunchArgs(argv);
  if (args.help) {
    process.stdout.write(LAUNCH_USAGE + '\n');
    return 0;
  }
  if (args.version) {
    printVersion(args, process.env, process.cwd());
    return 0;
  }
  const plan = planLaunch(args, process.env, process.cwd());
  // process.execve is experimental and announces it with a warning on the
  // next tick, which never comes after a successful exec; drop the listener
  // anyway so no runtime can put that warning in the journal at every start.
  process.removeAllListeners('warning');
  try {
    process.execve!(plan.file, plan.args, plan.env);
  } catch (err) {
    throw new UserError(`cannot run ${plan.file}: ${(err as Error).message}`);
  }
  return 1;
}
