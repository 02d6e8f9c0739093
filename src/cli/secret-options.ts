import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { checkSecret } from '../system/credentials';
import { looksSecret, SECRET_KEY } from '../units/credentials';
import { UserError } from './user-error';

/** The secret options of enable, generate (and import): values unparsed. */
export interface SecretArgv {
  secret?: string | string[];
  secretFile?: string | string[];
  secretsFrom?: string | string[];
}

export function secretOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('secret', { type: 'string', describe: 'a secret K=V, stored as a systemd credential and set as process.env.K (repeatable; prefer --secret-file: argv is visible in ps)' })
    .option('secret-file', { type: 'string', describe: 'a secret K=PATH: the content of PATH (one trailing newline dropped) (repeatable)' })
    .option('secrets-from', { type: 'string', describe: 'a dotenv file (K=V lines): every entry becomes a secret (repeatable)' });
}

function all(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A file's content minus one trailing newline (what `echo secret > file` adds). */
export function withoutTrailingNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 2);
  }
}

/**
 * A dotenv file: `K=V` lines, optional `export `, `#` comments, blank lines;
 * values unquoted (trimmed, ` #` starts a comment), 'single-quoted' (literal)
 * or "double-quoted" (\n \r \t \" \\ escapes, may span lines). Error messages
 * give the file and line, never a value.
 */
export { secretStorage } from '../units/credentials';

export function parseDotenv(text: string, file: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new UserError(`${file}:${lineNo}: expected NAME=value`, 2);
    const key = m[1];
    let rest = m[2];
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new UserError(`${file}:${lineNo}: ${key}: the single quote is not closed`, 2);
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      rest = rest.slice(1);
      let buf = '';
      for (;;) {
        const end = findClosingQuote(rest);
        if (end >= 0) {
          buf += rest.slice(0, end);
          break;
        }
        buf += `${rest}\n`;
        i++;
        if (i >= lines.length) throw new UserError(`${file}:${lineNo}: ${key}: the double quote is not closed`, 2);
        rest = lines[i];
      }
      value = buf.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c] ?? c);
    } else {
      value = rest.replace(/\s+#.*$/, '').trim();
    }
    entries.push([key, value]);
  }
  return entries;
}

function findClosingQuote(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/**
 * Every secret the options give, later ones winning, each checked. Errors
 * name the option and the key, never the value.
 */
export function parseSecretOptions(argv: SecretArgv, cwd: string): Array<[string, string]> {
  const byKey = new Map<string, string>();
  for (const file of all(argv.secretsFrom)) {
    const path = resolve(cwd, file);
    for (const [k, v] of parseDotenv(readText(path, '--secrets-from'), path)) {
      checkSecret(k, v, `--secrets-from ${path}:`);
      byKey.set(k, v);
    }
  }
  for (const spec of all(argv.secretFile)) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new UserError(`--secret-file '${spec}': expected NAME=PATH`, 2);
    const key = spec.slice(0, eq);
    const path = resolve(cwd, spec.slice(eq + 1));
    const value = withoutTrailingNewline(readText(path, `--secret-file ${key}`));
    checkSecret(key, value, '--secret-file');
    byKey.set(key, value);
  }
  for (const spec of all(argv.secret)) {
    const eq = spec.indexOf('=');
    // Without '=', the whole argument may be the value: show none of it.
    if (eq <= 0) throw new UserError('--secret: expected NAME=value (the argument is not shown, it may be a secret)', 2);
    const key = spec.slice(0, eq);
    if (!SECRET_KEY.test(key)) throw new UserError('--secret: the name before = is not a variable name (letters, digits and _); the argument is not shown', 2);
    const value = spec.slice(eq + 1);
    checkSecret(key, value, '--secret');
    byKey.set(key, value);
  }
  return [...byKey];
}

/** Warnings for --env keys that look secret: their values are world-readable in the unit. */
export function secretLookingEnvWarnings(env: ReadonlyArray<readonly [string, string]>, secretKeys: readonly string[] = []): string[] {
  return env
    .filter(([key]) => looksSecret(key) && !secretKeys.includes(key))
    .map(
      ([key]) =>
        `warning: --env ${key} looks like a secret, and --env values are readable by every local user (unit file, systemctl show); store it as a credential instead: --secret ${key}=... or --secret-file ${key}=/path/to/file`,
    );
}


