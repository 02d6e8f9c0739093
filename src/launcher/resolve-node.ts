import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors';

/** Where to look for the node that runs the app, in order of precedence. */
export interface NodeSources {
  flag?: string; // --node PATH
  env?: string; // $NODEUNIT_NODE
  path?: string; // $PATH
  cwd: string;
}

type Probe = (file: string) => 'ok' | 'missing' | 'not-executable';

export const probeExecutable: Probe = (file) => {
  try {
    if (!statSync(file).isFile()) return 'not-executable';
  } catch {
    return 'missing';
  }
  try {
    accessSync(file, constants.X_OK);
    return 'ok';
  } catch {
    return 'not-executable';
  }
};

/**
 * --node PATH, else NODEUNIT_NODE, else `node` on PATH. An explicit choice
 * that is wrong is an error rather than a reason to fall back: the operator
 * asked for that node. When nothing is found, the one error line names
 * every place that was looked at.
 */
export function resolveNode(sources: NodeSources, probe: Probe = probeExecutable): string {
  const explicit = (value: string, from: string): string => {
    const file = isAbsolute(value) ? value : resolve(sources.cwd, value);
    const found = probe(file);
    if (found === 'ok') return file;
    throw new UserError(`${from}${file}: ${found === 'missing' ? 'no such file' : 'not an executable file'}`);
  };
  if (sources.flag !== undefined) return explicit(sources.flag, '--node ');
  if (sources.env !== undefined && sources.env !== '') return explicit(sources.env, 'NODEUNIT_NODE=');

  const dirs = (sources.path ?? '').split(delimiter).filter((d) => isAbsolute(d));
  for (const dir of dirs) {
    const file = join(dir, 'node');
    if (probe(file) === 'ok') return file;
  }
  throw new UserError(
    `cannot find node: no --node given, NODEUNIT_NODE is not set, and no executable 'node' in PATH=${sources.path ?? ''}; ` +
      'install Node.js or pass --node /path/to/node',
  );
}

/** What `node --version` prints (`v18.20.4`), or undefined when it prints no version. */
export function nodeVersion(node: string): string | undefined {
  const r = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const v = (r.stdout ?? '').trim();
  return /^v\d+\./.test(v) ? v : undefined;
}
