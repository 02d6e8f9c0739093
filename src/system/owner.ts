import { readFileSync, statSync } from 'node:fs';

/** The name of the user owning `path` (from /etc/passwd), or undefined (missing file, unknown uid, root). */
export function ownerName(path: string, passwd = '/etc/passwd'): string | undefined {
  let uid: number;
  try {
    uid = statSync(path).uid;
  } catch {
    return undefined;
  }
  if (uid === 0) return undefined;
  try {
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && Number(f[2]) === uid) return f[0];
    }
  } catch {
    /* no passwd */
  }
  return undefined;
}
