import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import yaml from 'js-yaml';
import { UserError } from '../errors';

/**
 * Loads a pm2 configuration file the way pm2 7 does (lib/Common.js
 * parseConfig, lib/API.js _startJson; shared/reference/pm2-options.md §1):
 *
 * - the type comes from a substring of the name, in pm2's order: `.json`,
 *   `.yml`/`.yaml`, `.config.js`/`.config.cjs`, `.config.mjs`; any other name
 *   is refused (pm2 would start it as a script);
 * - "JSON" is evaluated as a JavaScript expression (comments, trailing
 *   commas, single quotes), like pm2's vm.runInThisContext('(' + text + ')');
 * - YAML through js-yaml's load(), the parser pm2 uses;
 * - JS through require() (fresh from disk), with the file's directory as the
 *   current directory, as if `pm2 start` ran there: `require('dotenv')`,
 *   sibling files and process.cwd() work; .mjs through import(), falling back
 *   to require() of ESM like pm2 itself.
 *
 * Outcomes: the apps list (`apps`, else `pm2`, else the whole object; one
 * object becomes a list of one) and `deploy`; or a UserError of one line that
 * names the file and the error (a syntax error with its line).
 */
export interface LoadedConfig {
  file: string;
  type: 'json' | 'yaml' | 'js' | 'mjs';
  apps: Array<Record<string, unknown>>;
  deploy?: Record<string, unknown>;
}

export function configType(file: string): LoadedConfig['type'] | undefined {
  const name = basename(file);
  if (name.includes('.json')) return 'json';
  if (name.includes('.yml') || name.includes('.yaml')) return 'yaml';
  if (name.includes('.config.js') || name.includes('.config.cjs')) return 'js';
  if (name.includes('.config.mjs')) return 'mjs';
  return undefined;
}

/** `file:line: message` from an error thrown while compiling or running `file`. */
function describeLoadError(file: string, err: unknown): string {
  const e = err as Error & { mark?: { line: number }; reason?: string };
  if (e && typeof e === 'object' && e.mark && typeof e.mark.line === 'number') {
    return `${file}:${e.mark.line + 1}: ${e.reason ?? e.message.split('\n')[0]}`;
  }
  const message = (e?.message ?? String(err)).split('\n')[0];
  // V8 puts `file:line` first in a SyntaxError's stack, and in the stack frames otherwise.
  const stack = typeof e?.stack === 'string' ? e.stack : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  const kind = e instanceof SyntaxError || e?.name === 'SyntaxError' ? 'syntax error: ' : '';
  return `${file}${at ? `:${at[1]}` : ''}: ${kind}${message}`;
}

/** Evaluates "JSON" as pm2 does: a JavaScript expression. */
export function evaluateJsonLike(text: string, file: string): unknown {
  const script = new vm.Script(`(${text}\n)`, { filename: file });
  return script.runInThisContext();
}

function withCwd<T>(dir: string, fn: () => T): T {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return fn();
  } finally {
    process.chdir(before);
  }
}

async function evaluate(file: string, type: LoadedConfig['type']): Promise<unknown> {
  if (type === 'json') return evaluateJsonLike(readFileSync(file, 'utf8'), file);
  if (type === 'yaml') return yaml.load(readFileSync(file, 'utf8'), { filename: file });
  const dir = dirname(file);
  const req = createRequire(file);
  if (type === 'js') {
    return withCwd(dir, () => {
      delete req.cache[req.resolve(file)];
      return req(file);
    });
  }
  const before = process.cwd();
  process.chdir(dir);
  try {
    try {
      const mod = (await import(`${pathToFileURL(file).href}?t=${Date.now()}`)) as { default?: unknown };
      return mod.default ?? mod;
    } catch (err) {
      // import() is unavailable inside a single-executable application; require(esm) is what pm2 uses anyway.
      if ((err as NodeJS.ErrnoException)?.code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING') throw err;
      const mod = req(file) as { default?: unknown };
      return mod.default ?? mod;
    }
  } finally {
    process.chdir(before);
  }
}

export async function loadConfig(fileArg: string, cwd = process.cwd()): Promise<LoadedConfig> {
  const file = resolve(cwd, fileArg);
  const type = configType(file);
  if (type === undefined) {
    throw new UserError(`${file}: pm2 reads configuration only from names containing .json, .yml, .yaml, .config.js, .config.cjs or .config.mjs (pm2 start would run this file as a script)`);
  }
  try {
    readFileSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let config: unknown;
  try {
    config = await evaluate(file, type);
  } catch (err) {
    throw new UserError(`cannot load ${describeLoadError(file, err)}`);
  }
  if (config === null || typeof config !== 'object') throw new UserError(`${file}: expected an object or a list of apps, got ${config === null ? 'null' : typeof config}`);
  const c = config as Record<string, unknown>;
  const list = c.apps ?? c.pm2 ?? config;
  const apps = (Array.isArray(list) ? list : [list]) as unknown[];
  for (const [i, a] of apps.entries()) {
    if (a === null || typeof a !== 'object' || Array.isArray(a)) throw new UserError(`${file}: app ${i + 1} is not an object`);
  }
  const deploy = c.deploy !== null && typeof c.deploy === 'object' && !Array.isArray(config) ? (c.deploy as Record<string, unknown>) : undefined;
  return { file, type, apps: apps as Array<Record<string, unknown>>, ...(deploy ? { deploy } : {}) };
}
