import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { hiddenBySandbox } from '../units/sandbox';
import { scriptFile } from './script-file';
import { nodeVersion } from '../launcher/resolve-node';
import { UserError } from '../errors';
import type { AppSpec } from '../units/app-spec';
import { accessProblem, lookupUser, type Who } from './users';

/** Oldest node the preload supports (the preload itself refuses older ones). */
export { MIN_NODE_MAJOR } from '../preload/supported-node.cjs';
import { MIN_NODE_MAJOR } from '../preload/supported-node.cjs';

/** Who the service will run as, as far as file permissions go. */
export async function serviceUser(spec: AppSpec): Promise<Who> {
  if (spec.user.kind === 'dynamic') return { kind: 'other' };
  // Not created yet: a fresh system user owns nothing and is in no group.
  return (await lookupUser(spec.user.name)) ?? { kind: 'other' };
}

function describeWho(spec: AppSpec): string {
  return spec.user.kind === 'dynamic' ? 'the dynamic user' : `user ${spec.user.name}`;
}

/**
 * Everything about the host that would make the app fail at start, checked
 * before anything is written: the script, the working directory and node
 * exist and are usable by the service user, the sandbox does not hide them,
 * node is recent enough, the env file exists.
 */
export async function checkFilesForService(spec: AppSpec): Promise<void> {
  const who = await serviceUser(spec);
  const whoText = describeWho(spec);
  checkWritable(spec);
  if (spec.command !== undefined) return checkCommandForService(spec, who, whoText);
  const file = scriptFile(spec.script);
  if (file === undefined) throw new UserError(`cannot find script ${spec.script}: no such file`);
  for (const [what, path] of [['script', file], ['working directory', spec.cwd], ['node', spec.node]] as const) {
    const hidden = hiddenBySandbox(path, spec);
    if (hidden) throw new UserError(`${what} ${path} is not visible to the service: ${hidden}; move it, or pass --no-harden`);
  }
  const scriptProblem = accessProblem(file, who);
  if (scriptProblem) throw new UserError(`script ${file} is not readable by ${whoText}: ${scriptProblem}`);
  let cwdIsDir = false;
  try {
    cwdIsDir = statSync(spec.cwd).isDirectory();
  } catch {
    /* below */
  }
  if (!cwdIsDir) throw new UserError(`working directory ${spec.cwd} is not a directory`);
  const cwdProblem = accessProblem(spec.cwd, who);
  if (cwdProblem) throw new UserError(`working directory ${spec.cwd} is not usable by ${whoText}: ${cwdProblem}`);
  const nodeProblem = accessProblem(spec.node, who === undefined ? { kind: 'other' } : who);
  if (nodeProblem) throw new UserError(`node ${spec.node} is not usable by ${whoText}: ${nodeProblem}`);
  const major = nodeMajor(spec.node);
  if (major === undefined) throw new UserError(`${spec.node} --version did not print a node version: is it node?`);
  if (major < MIN_NODE_MAJOR) throw new UserError(`${spec.node} is node ${major}; nodeunit needs node ${MIN_NODE_MAJOR} or later (--node PATH)`);
  if (spec.envFile !== undefined) {
    try {
      if (!statSync(spec.envFile).isFile()) throw new Error();
    } catch {
      throw new UserError(`--env-file ${spec.envFile}: no such file`);
    }
  }
}

/** `--writable DIR`: each an existing directory (systemd fails the start on a missing ReadWritePaths=). */
function checkWritable(spec: AppSpec): void {
  for (const dir of spec.writablePaths ?? []) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      /* below */
    }
    if (!isDir) throw new UserError(`--writable ${dir}: no such directory; create it (writable by ${describeWho(spec)}) or fix the path`);
  }
}

/** A program that is not Node (Type=exec): the executable and the working directory. */
function checkCommandForService(spec: AppSpec, who: Who, whoText: string): void {
  const exe = spec.command![0];
  for (const [what, path] of [['program', exe], ['working directory', spec.cwd]] as const) {
    const hidden = hiddenBySandbox(path, spec);
    if (hidden) throw new UserError(`${what} ${path} is not visible to the service: ${hidden}; move it, or pass --no-harden`);
  }
  let ok = false;
  try {
    ok = statSync(exe).isFile();
  } catch {
    /* below */
  }
  if (!ok) throw new UserError(`cannot find program ${exe}: no such file`);
  const problem = accessProblem(exe, who);
  if (problem) throw new UserError(`program ${exe} is not usable by ${whoText}: ${problem}`);
  let cwdIsDir = false;
  try {
    cwdIsDir = statSync(spec.cwd).isDirectory();
  } catch {
    /* below */
  }
  if (!cwdIsDir) throw new UserError(`working directory ${spec.cwd} is not a directory`);
}

function nodeMajor(node: string): number | undefined {
  const v = nodeVersion(node);
  return v === undefined ? undefined : Number(/^v(\d+)/.exec(v)![1]);
}

/** Whether something already listens on host:port (EADDRINUSE when we try to bind). */
export function portInUse(listen: { host?: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE'));
    const host = listen.host?.replace(/^\[|\]$/g, '');
    server.listen({ port: listen.port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}
