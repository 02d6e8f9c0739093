import type { ReadyMode } from './parse-args';

export interface ExecPlanInput {
  node: string;
  nodeOptions: string[];
  script?: string;
  scriptArgs: string[];
  env: NodeJS.ProcessEnv;
  /** Present when the app runs under systemd and gets the preload. */
  preload?: {
    file: string;
    notifyFd?: number;
    ready?: ReadyMode;
    drainTimeoutSec?: number;
    adopt: boolean;
  };
}

export interface ExecPlan {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** Whether systemd gave this process something the preload acts on. */
export function underSystemd(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.NOTIFY_SOCKET) || Boolean(env.LISTEN_FDS);
}

/**
 * The exec that replaces the launcher: `node [node options] [--require
 * preload] script [args]` and its environment. Pure.
 *
 * NODE_APP_INSTANCE is pm2's 0-based instance number; apps written for pm2
 * read it, so it is derived from the unit's NODEUNIT_INSTANCE (1-based, %i).
 */
export function execPlan(input: ExecPlanInput): ExecPlan {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.env)) if (value !== undefined) env[key] = value;

  const instance = env.NODEUNIT_INSTANCE;
  if (instance !== undefined && /^\d+$/.test(instance) && Number(instance) >= 1 && env.NODE_APP_INSTANCE === undefined) {
    env.NODE_APP_INSTANCE = String(Number(instance) - 1);
  }

  const args = [input.node, ...input.nodeOptions];
  const preload = input.preload;
  if (preload) {
    args.push('--require', preload.file);
    if (preload.notifyFd !== undefined) env.NODEUNIT_NOTIFY_FD = String(preload.notifyFd);
    if (preload.ready !== undefined) env.NODEUNIT_READY = preload.ready;
    if (preload.drainTimeoutSec !== undefined) env.NODEUNIT_DRAIN_TIMEOUT = String(preload.drainTimeoutSec);
    if (!preload.adopt) env.NODEUNIT_ADOPT = '0';
  }
  if (input.script !== undefined) args.push(input.script, ...input.scriptArgs);
  return { file: input.node, args, env };
}
