import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors';

// node resolves `node app` to app, app.js, app.mjs, app.cjs, app.json or a
// directory; any of those existing is enough here, node does the rest.
const SUFFIXES = ['', '.js', '.mjs', '.cjs', '.json'];

/**
 * Checks the script before exec so that a wrong path is one clear line, not
 * node's stack trace and, under systemd, not a Type=notify start that waits
 * for a READY=1 that never comes.
 */
export function checkScript(script: string, cwd: string): string {
  const base = resolve(cwd, script);
  for (const suffix of SUFFIXES) {
    const file = base + suffix;
    try {
      statSync(file);
    } catch {
      continue;
    }
    try {
      accessSync(file, constants.R_OK);
    } catch {
      throw new UserError(`cannot read script ${file}: permission denied for uid ${process.getuid?.()}`);
    }
    return file;
  }
  const from = script === base ? '' : ` ('${script}' from ${cwd})`;
  throw new UserError(`cannot find script ${base}${from}: no such file`);
}
