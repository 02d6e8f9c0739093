import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { run } from './run';

/** Who a service runs as, for permission checks. `other` = a uid that owns nothing (new or dynamic user). */
export type Who = { kind: 'root' } | { kind: 'user'; uid: number; gids: number[] } | { kind: 'other' };

export async function lookupUser(name: string): Promise<Who | undefined> {
  const r = await run('getent', ['passwd', name]);
  if (r.code !== 0) return undefined;
  const fields = r.stdout.trim().split('\n')[0]?.split(':') ?? [];
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid)) return undefined;
  if (uid === 0) return { kind: 'root' };
  const g = await run('id', ['-G', name]);
  const gids = g.code === 0 ? g.stdout.trim().split(/\s+/).map(Number).filter(Number.isInteger) : [];
  return { kind: 'user', uid, gids: [...new Set([gid, ...gids])] };
}

interface Owned {
  uid: number;
  gid: number;
  mode: number;
  isDirectory(): boolean;
}

type Stat = (path: string) => Owned;

function allowed(st: Owned, who: Who, bits: number /* 4 r, 1 x */): boolean {
  if (who.kind === 'root') return true;
  if (who.kind === 'user' && st.uid === who.uid) return ((st.mode >> 6) & bits) === bits;
  if (who.kind === 'user' && who.gids.includes(st.gid)) return ((st.mode >> 3) & bits) === bits;
  return (st.mode & bits) === bits;
}

/**
 * Why `who` cannot read `file` (or enter it, for a directory), or undefined
 * when it can: every directory above it must be searchable (x), the file
 * itself readable (r; directories r+x). ACLs are not considered.
 */
export function accessProblem(file: string, who: Who, stat: Stat = statSync): string | undefined {
  const path = resolve(file);
  let st: Owned;
  try {
    st = stat(path);
  } catch {
    return `${path} does not exist`;
  }
  const want = st.isDirectory() ? 5 : 4;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    let d: Owned;
    try {
      d = stat(dir);
    } catch {
      return `${dir} does not exist`;
    }
    if (!allowed(d, who, 1)) return `directory ${dir} is not searchable`;
    if (dir === '/') break;
  }
  if (!allowed(st, who, want)) return `${path} is not ${st.isDirectory() ? 'readable and searchable' : 'readable'}`;
  return undefined;
}
