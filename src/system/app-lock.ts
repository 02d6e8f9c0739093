import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';

/**
 * One app-changing command per app at a time (enable, disable, scale, reload,
 * restart, start, stop, secret set/unset, deploy, rollback, import).
 *
 * The lock is the file /run/nodeunit/<app>.lock, created with O_EXCL; it
 * holds the holder's pid, the pid's start time (field 22 of /proc/PID/stat)
 * and its command line. Outcomes of withAppLock():
 *  - free: the lock is taken, `fn` runs, the file is removed afterwards
 *    (also when `fn` throws);
 *  - held by this process (e.g. `secret set` runs `reload`): `fn` runs, no
 *    second lock;
 *  - held by a live process: one line says who holds it, then it waits, at
 *    most WAIT_MS, polling; if the holder is still there it refuses with one
 *    line (UserError) naming the holder and nothing has been changed;
 *  - held by a dead process (killed with SIGKILL, or a reboot left it, though
 *    /run is a tmpfs): the stale file is removed and the lock taken.
 * Both commands never interleave: the second starts only when the first has
 * finished or died.
 */
export const LOCK_DIR = '/run/nodeunit';
export const WAIT_MS = 120_000;
const POLL_MS = 200;
const held = new Map<string, number>();

export function appLockFile(app: string, dir = LOCK_DIR): string {
  return join(dir, `${app}.lock`);
}

export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

interface Holder {
  pid: number;
  command: string;
  alive: boolean;
}

function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  const [first = '', command = '(unknown command)'] = text.split('\n');
  const [pidText, started] = first.split(' ');
  const pid = Number(pidText);
  // A half-written file (its writer killed between create and write) counts as dead once it is not new.
  const alive = Number.isInteger(pid) && pid > 0 && started !== undefined && startTime(pid) === started;
  return { pid, command, alive };
}

function tryCreate(file: string, command: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, `${process.pid} ${startTime(process.pid) ?? ''}\n${command}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Runs `fn` holding app's lock. `command` is what a waiting command prints
 * about this one (e.g. "nodeunit reload web"); `say` prints the waiting line.
 * `opts` exists for the unit test (another directory, a shorter wait).
 */
export async function withAppLock<T>(
  app: string,
  command: string,
  say: (line: string) => void,
  fn: () => Promise<T>,
  opts: { dir?: string; waitMs?: number } = {},
): Promise<T> {
  const dir = opts.dir ?? LOCK_DIR;
  const waitMs = opts.waitMs ?? WAIT_MS;
  const depth = held.get(app) ?? 0;
  if (depth > 0) {
    held.set(app, depth + 1);
    try {
      return await fn();
    } finally {
      held.set(app, depth);
    }
  }
  const file = appLockFile(app, dir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const deadline = Date.now() + waitMs;
  let told = false;
  let emptySince: number | undefined;
  while (!tryCreate(file, command)) {
    const h = readHolder(file);
    if (h && !h.alive) {
      // A pid that is not (or no longer) the one that wrote the file; an empty file gets 2 s to be written.
      const empty = !Number.isInteger(h.pid) || h.pid <= 0;
      emptySince ??= Date.now();
      if (!empty || Date.now() - emptySince > 2000) {
        try {
          unlinkSync(file);
        } catch {
          /* someone else removed it */
        }
        continue;
      }
    }
    if (h && h.alive) {
      if (Date.now() >= deadline) {
        throw new UserError(`${app} is busy: '${h.command}' (pid ${h.pid}) is still changing it after ${Math.round(waitMs / 1000)} s; try again when it has finished (lock ${file})`);
      }
      if (!told) {
        say(`${app}: waiting for '${h.command}' (pid ${h.pid}) to finish (at most ${Math.round(waitMs / 1000)} s)\n`);
        told = true;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  held.set(app, 1);
  try {
    return await fn();
  } finally {
    held.delete(app);
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
}
