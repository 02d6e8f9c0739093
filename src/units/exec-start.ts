import type { AppSpec } from './app-spec.js';
import { renderCommandLine } from './quote.js';

/** nodeunit's own defaults; flags equal to them are left off to keep ExecStart= short. */
export const DEFAULT_READY: AppSpec['ready'] = 'listen';
export const DEFAULT_DRAIN_TIMEOUT_SEC = 10;
export const DEFAULT_WATCHDOG_SEC = 30;
export const DEFAULT_BALANCE: AppSpec['balance'] = 'shared';

/** argv of the service: nodeunit, which execs node in place with the preload. */
export function execStartArgv(spec: AppSpec): string[] {
  // Not Node: the program itself, no launcher.
  if (spec.command !== undefined) return [...spec.command];
  return [
    spec.nodeunitPath,
    '--node',
    spec.node,
    ...(spec.ready === DEFAULT_READY ? [] : [`--ready=${spec.ready}`]),
    ...(spec.drainTimeoutSec === DEFAULT_DRAIN_TIMEOUT_SEC ? [] : [`--drain-timeout=${spec.drainTimeoutSec}`]),
    ...spec.nodeOptions,
    spec.script,
    ...(spec.args ?? []),
  ];
}

/** The ExecStart= value, quoted and escaped per systemd.service(5) "Command lines". */
export function renderExecStart(spec: AppSpec): string {
  return renderCommandLine(execStartArgv(spec));
}
