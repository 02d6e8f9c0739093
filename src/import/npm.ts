import { join } from 'node:path';
import type { ImportHost } from './convert';
import { splitPm2Args } from './split-args';

/**
 * `script: npm` (yarn, pnpm) with `args: start` / `run NAME`: the
 * package.json script it runs, resolved to a node entry so that node, not
 * the package manager, is the unit's main process (a Type=notify unit's
 * readiness and signals must reach node itself). Handles `node [options]
 * FILE ARGS`, leading `VAR=value` assignments, and a package binary
 * (`next start`, `nest start`, `ts-node src/main.ts`) whose
 * node_modules/.bin link leads to a file with a node shebang. Anything else
 * (shell operators, other programs) is refused with the command to use.
 */
export type PackageScript =
  | { entry: string; args: string[]; nodeOptions: string[]; env: Array<[string, string]>; via: string }
  | { refused: string };

/** node options that take the next word as their value. */
const NODE_VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--inspect-port', '--title', '--conditions', '-C']);

/** The script name a package-manager command line runs, and the arguments it appends. */
function scriptName(pm: string, args: readonly string[]): { name: string; extra: string[] } | undefined {
  const [first, ...rest] = args;
  if (first === undefined) return undefined;
  const extra = (words: string[]) => (pm === 'npm' ? (words[0] === '--' ? words.slice(1) : words.length ? undefined : []) : words[0] === '--' ? words.slice(1) : words);
  if (first === 'run' || first === 'run-script') {
    if (rest[0] === undefined) return undefined;
    const e = extra(rest.slice(1));
    return e === undefined ? undefined : { name: rest[0], extra: e };
  }
  if (first === 'start' || first === 'test' || pm !== 'npm') {
    const e = extra(rest);
    return e === undefined ? undefined : { name: first, extra: e };
  }
  return undefined;
}

export function resolvePackageScript(pm: string, args: readonly string[], cwd: string, host: ImportHost, app: string): PackageScript {
  const shown = [pm, ...args].join(' ');
  const instead = `run the node entry directly: nodeunit enable ${app} ${cwd}/<entry>.js [options] -- ARG...`;
  const which = scriptName(pm, args);
  if (which === undefined) return { refused: `'${shown}' is not '${pm} start' or '${pm} run NAME'; ${instead}` };
  const pkgFile = join(cwd, 'package.json');
  const text = host.readFile(pkgFile);
  if (text === undefined) return { refused: `'${shown}': no ${pkgFile}; ${instead}` };
  let pkg: { scripts?: Record<string, string>; main?: string };
  try {
    pkg = JSON.parse(text);
  } catch (err) {
    return { refused: `${pkgFile}: ${(err as Error).message}` };
  }
  let line = pkg.scripts?.[which.name];
  // npm's default start script.
  if (line === undefined && which.name === 'start' && host.fileExists(join(cwd, 'server.js'))) line = 'node server.js';
  if (line === undefined) return { refused: `'${shown}': ${pkgFile} has no script '${which.name}'; ${instead}` };
  const via = `"${line}" (package.json scripts.${which.name})`;
  if (/&&|\|\||[;|<>`]|\$\(/.test(line)) {
    // A `node FILE ARGS` step inside the command line gives the exact command to use instead.
    const step = line.split(/&&|\|\||;/).map((part) => splitPm2Args(part.trim())).find((w) => w[0] === 'node' && w.slice(1).some((x) => !x.startsWith('-')));
    if (step) {
      const at = step.findIndex((w, i) => i > 0 && !w.startsWith('-'));
      const cmd = ['nodeunit enable', app, join(cwd, step[at]), ...step.slice(1, at).map((o) => `--node-option=${o}`), ...(step.length > at + 1 ? ['--', ...step.slice(at + 1)] : [])].join(' ');
      return { refused: `'${shown}' runs ${via}, a shell command line, not one node process; run the node step directly: ${cmd}` };
    }
    return { refused: `'${shown}' runs ${via}, a shell command line, not one node process; ${instead}` };
  }
  const words = [...splitPm2Args(line), ...which.extra];
  const env: Array<[string, string]> = [];
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
    const w = words.shift()!;
    env.push([w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]);
  }
  const [program, ...rest] = words;
  if (program === 'node' || program === 'nodejs') {
    const nodeOptions: string[] = [];
    let i = 0;
    for (; i < rest.length && rest[i].startsWith('-'); i++) {
      nodeOptions.push(rest[i]);
      if (NODE_VALUE_OPTIONS.has(rest[i]) && i + 1 < rest.length) nodeOptions.push(rest[++i]);
    }
    if (i >= rest.length) return { refused: `'${shown}' runs ${via}, which names no script; ${instead}` };
    return { entry: join(cwd, rest[i]), args: rest.slice(i + 1), nodeOptions, env, via };
  }
  if (program !== undefined) {
    const bin = host.realpath(join(cwd, 'node_modules', '.bin', program));
    const head = bin === undefined ? undefined : host.readFile(bin)?.split('\n', 1)[0];
    if (bin !== undefined && head !== undefined && /^#!.*\bnode\b/.test(head)) {
      return { entry: bin, args: rest, nodeOptions: [], env, via: `${via}, ${program} = ${bin}` };
    }
    if (bin === undefined) return { refused: `'${shown}' runs ${via}; ${program} is not node and not in node_modules/.bin (run npm ci first?); ${instead}` };
  }
  return { refused: `'${shown}' runs ${via}, which is not a node program; ${instead}` };
}
