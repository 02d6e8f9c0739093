import { realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../errors';

/**
 * The two files the launcher needs on disk at run time: the preload (loaded
 * by node with --require) and the fd helper (loaded by the
 * launcher with process.dlopen). They are installed, never extracted at
 * service start: a start must work with DynamicUser=yes, ProtectSystem=strict,
 * PrivateTmp=yes and a noexec /tmp, where there is nowhere to extract to.
 */
export const RUNTIME_ROOT = '/usr/lib/nodeunit';
export const PRELOAD_FILE = 'preload.cjs';
export const HELPER_FILE = 'fd-helper.node';

export interface RuntimeFiles {
  dir: string;
  preload: string;
  helper: string;
}

export function runtimeFiles(version: string, root = RUNTIME_ROOT): RuntimeFiles {
  const dir = join(root, version);
  return { dir, preload: join(dir, PRELOAD_FILE), helper: join(dir, HELPER_FILE) };
}

interface Owner {
  uid: number;
  mode: number;
}

/**
 * Code is loaded only from a path that no other non-root user could have
 * written: the file and every directory above it must belong to root (or to
 * the user running the launcher) and be writable by nobody else.
 * Returns the reason the path is not trusted, or undefined when it is.
 */
export function untrustedReason(
  file: string,
  uid: number,
  stat: (p: string) => Owner = statSync,
  realpath: (p: string) => string = realpathSync,
): string | undefined {
  let path = realpath(file);
  for (;;) {
    const st = stat(path);
    if (st.uid !== 0 && st.uid !== uid) return `${path} belongs to uid ${st.uid}`;
    if ((st.mode & 0o022) !== 0) return `${path} is writable by group or others`;
    const parent = dirname(path);
    if (parent === path) return undefined;
    path = parent;
  }
}

/** Throws one line naming the fix when a runtime file is missing or untrusted. */
export function checkRuntimeFiles(files: RuntimeFiles, uid: number): void {
  for (const file of [files.preload, files.helper]) {
    let reason: string | undefined;
    try {
      reason = untrustedReason(file, uid);
    } catch {
      throw new UserError(
        `runtime file ${file} is missing; run 'nodeunit setup' as root, or reinstall the nodeunit package`,
      );
    }
    if (reason) throw new UserError(`refusing to load ${file}: ${reason}; run 'nodeunit setup' as root to reinstall it`);
  }
}
