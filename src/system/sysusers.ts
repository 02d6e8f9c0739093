import { readFileSync } from 'node:fs';
import { UserError } from '../errors';
import { GENERATED_MARKER } from '../units/index';
import { run } from './run';
import { removeFileDurably, writeFileAtomic } from './unit-files';

export const SYSUSERS_DIR = '/etc/sysusers.d';

export function sysusersFile(app: string, dir = SYSUSERS_DIR): string {
  return `${dir}/nodeunit-${app}.conf`;
}

/** sysusers.d(5): a system user and its group, no login shell, home `/`. */
export function renderSysusers(app: string, user: string): string {
  return [
    `${GENERATED_MARKER} for app '${app}'. Removed by 'nodeunit disable ${app} --purge' (the user itself stays).`,
    `u ${user} - "nodeunit app ${app}"`,
    '',
  ].join('\n');
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether nodeunit declared the app's user (the file exists and carries the marker). */
export function ownsSysusersFile(app: string, dir = SYSUSERS_DIR): boolean {
  return read(sysusersFile(app, dir))?.startsWith(GENERATED_MARKER) ?? false;
}

/**
 * Declares the user in /etc/sysusers.d and creates it with systemd-sysusers
 * (idempotent: an existing user is left alone). Returns an undo that removes
 * the file if this call created it; a created user stays (harmless, and
 * removing users is never safe to automate).
 */
export async function declareUser(app: string, user: string, dir = SYSUSERS_DIR): Promise<() => void> {
  const file = sysusersFile(app, dir);
  const content = renderSysusers(app, user);
  const previous = read(file);
  if (previous !== undefined && !previous.startsWith(GENERATED_MARKER)) {
    throw new UserError(`${file} exists and was not written by nodeunit; remove it or pass --user`);
  }
  if (previous !== content) writeFileAtomic(file, content);
  const undo = previous === undefined ? () => removeFileDurably(file) : previous !== content ? () => writeFileAtomic(file, previous) : () => {};
  const r = await run('systemd-sysusers', [file]);
  if (r.code !== 0) {
    undo();
    throw new UserError(`systemd-sysusers ${file} failed: ${(r.stderr.trim() || `exit ${r.code}`).split('\n').join('; ')}`);
  }
  return undo;
}
