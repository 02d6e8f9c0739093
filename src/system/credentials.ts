import { chmodSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { credentialFile, credentialsDir, renderSecretsDropIn, SECRET_KEY, secretsDropIn, usesEncryptedCredentials } from '../units/credentials';
import { run } from './run';
import { removeFileDurably, UNIT_DIR, writeFileAtomic } from './unit-files';

/**
 * Stores an app's secrets as systemd credentials (see units/credentials.ts)
 * and keeps the drop-in that references them in step with the files. Values
 * travel only through stdin of systemd-creds and into 0600 files in a 0700
 * root-owned directory; no error message here ever contains one.
 */

/** Largest secret accepted: an environment variable, not a file store (systemd's own cap is 1 MiB). */
export const MAX_SECRET_BYTES = 64 * 1024;

/** Checks a secret's name and value; the message names the key only. */
export function checkSecret(key: string, value: string, from: string): void {
  if (!SECRET_KEY.test(key)) throw new UserError(`${from} ${JSON.stringify(key)}: a secret's name is letters, digits and _, not starting with a digit`, 2);
  if (value.includes('\0')) throw new UserError(`${from} ${key}: the value contains a NUL byte, which an environment variable cannot hold`, 2);
  if (Buffer.byteLength(value) > MAX_SECRET_BYTES) throw new UserError(`${from} ${key}: the value is over ${MAX_SECRET_BYTES / 1024} KiB`, 2);
}

/** Names of the app's stored secrets, sorted. */
export function listSecrets(app: string): string[] {
  let names: string[];
  try {
    names = readdirSync(credentialsDir(app));
  } catch {
    return [];
  }
  return [...new Set(names.map((n) => n.replace(/\.cred$/, '')).filter((n) => SECRET_KEY.test(n)))].sort();
}

function ensureDir(app: string): void {
  const dir = credentialsDir(app);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // recursive mkdir applies the mode to new directories only; make sure of it.
  chmodSync(dir, 0o700);
}

async function currentValue(app: string, key: string, systemdVersion: number): Promise<string | undefined> {
  const file = credentialFile(app, key, systemdVersion);
  try {
    statSync(file);
  } catch {
    return undefined;
  }
  if (!usesEncryptedCredentials(systemdVersion)) return readFileSync(file, 'utf8');
  const r = await run('systemd-creds', ['decrypt', `--name=${key}`, file, '-']);
  return r.code === 0 ? r.stdout : undefined;
}

/**
 * Stores one secret. Returns false when the same value was stored already
 * (nothing written, so re-running enable restarts nothing).
 */
export async function storeSecret(app: string, key: string, value: string, systemdVersion: number): Promise<boolean> {
  checkSecret(key, value, 'secret');
  if ((await currentValue(app, key, systemdVersion)) === value) return false;
  ensureDir(app);
  const file = credentialFile(app, key, systemdVersion);
  if (usesEncryptedCredentials(systemdVersion)) {
    // The value goes in through stdin: never in argv, where ps would show it.
    const r = await run('systemd-creds', ['encrypt', `--name=${key}`, '-', '-'], { input: value });
    if (r.code !== 0) {
      const why = r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`;
      throw new UserError(`cannot encrypt secret ${key} with systemd-creds: ${why}`);
    }
    writeFileAtomic(file, r.stdout, 0o600);
  } else {
    writeFileAtomic(file, value, 0o600);
  }
  return true;
}

/** Removes one secret; false when there was none. */
export function removeSecret(app: string, key: string): boolean {
  const dir = credentialsDir(app);
  let found = false;
  for (const name of [key, `${key}.cred`]) {
    try {
      statSync(join(dir, name));
      removeFileDurably(join(dir, name));
      found = true;
    } catch {
      /* not there */
    }
  }
  return found;
}

/**
 * Writes (or removes, when the app has no secrets) the drop-in that lists the
 * stored secrets. Returns true when it changed; the caller runs daemon-reload.
 */
export function syncSecretsDropIn(app: string, systemdVersion: number, dir = UNIT_DIR): boolean {
  const keys = listSecrets(app);
  const path = join(dir, secretsDropIn(app));
  let before: string | undefined;
  try {
    before = readFileSync(path, 'utf8');
  } catch {
    before = undefined;
  }
  if (keys.length === 0) {
    if (before === undefined) return false;
    removeFileDurably(path);
    try {
      rmdirSync(join(dir, `${app}@.service.d`));
    } catch {
      /* other drop-ins stay */
    }
    return true;
  }
  const content = renderSecretsDropIn(app, keys, systemdVersion).content;
  if (content === before) return false;
  writeFileAtomic(path, content, 0o644);
  return true;
}

/**
 * Stores every secret given (enable, import) and brings the drop-in in step.
 * Secrets stored earlier and not named here stay. Returns whether anything
 * changed, so the caller knows instances must restart to see it.
 */
export async function applySecrets(app: string, secrets: ReadonlyArray<readonly [string, string]>, systemdVersion: number): Promise<boolean> {
  let changed = false;
  for (const [key, value] of secrets) if (await storeSecret(app, key, value, systemdVersion)) changed = true;
  if (syncSecretsDropIn(app, systemdVersion)) changed = true;
  return changed;
}

/** disable --purge: the stored secrets and their drop-in. True when there were any. */
export function purgeSecrets(app: string, dir = UNIT_DIR): boolean {
  const had = listSecrets(app).length > 0;
  rmSync(credentialsDir(app), { recursive: true, force: true });
  try {
    removeFileDurably(join(dir, secretsDropIn(app)));
    rmdirSync(join(dir, `${app}@.service.d`));
  } catch {
    /* nothing there */
  }
  return had;
}
