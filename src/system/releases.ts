/**
 * Releases of one app on one host, in the layout Capistrano made common:
 *
 *   /var/lib/nodeunit/<app>/releases/<UTC time>-<content hash>/   one directory per release
 *   /var/lib/nodeunit/<app>/current -> releases/<id>              what the units run
 *   /var/lib/nodeunit/<app>/history                               "<unix ms> <id>" each time current changed
 *
 * Outcomes of stageRelease: a new directory (copied or extracted from a
 * tarball, hashed, renamed into place only when complete), or an existing
 * release with the same content (nothing copied), or the directory given when
 * it already is a release. switchCurrent replaces `current` atomically: a new
 * symlink under a temporary name, then rename(2) over the old one
 * (rename(2): "If newpath already exists, it will be atomically replaced"),
 * so a process starting at any moment sees either the old or the new release.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { UserError } from '../errors';

export const RELEASES_ROOT = '/var/lib/nodeunit';

export function appReleaseRoot(app: string, root = RELEASES_ROOT): string {
  return join(root, app);
}

/** The path units generated with `enable --release-dir` run from. */
export function currentPath(app: string, root = RELEASES_ROOT): string {
  return join(root, app, 'current');
}

const ID_PATTERN = /^(\d{8}T\d{6}Z)-([0-9a-f]{12})$/;

/** `20261127T130501Z-0123456789ab`: creation time (UTC, sorts as text) and the content hash. */
export function releaseId(hash: string, at: Date): string {
  const t = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${t}-${hash.slice(0, 12)}`;
}

export function parseReleaseId(id: string): { created: Date; hash: string } | undefined {
  const m = ID_PATTERN.exec(id);
  if (!m) return undefined;
  const t = m[1];
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
  return { created: new Date(iso), hash: m[2] };
}

/**
 * A hash of a directory tree's content: every entry's relative path, type,
 * executable bit and bytes (or link target), in sorted order. Timestamps and
 * owners are left out, so the same code hashes the same wherever it was built.
 */
export function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const names = readdirSync(join(dir, rel)).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = join(dir, r);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) h.update(`l ${r}\0${readlinkSync(p)}\0`);
      else if (st.isDirectory()) {
        h.update(`d ${r}\0`);
        walk(r);
      } else if (st.isFile()) {
        h.update(`f ${r}\0${st.mode & 0o111 ? 'x' : '-'}\0${st.size}\0`);
        h.update(readFileSync(p));
      }
    }
  };
  walk('');
  return h.digest('hex');
}

export interface Release {
  id: string;
  dir: string;
  hash: string;
  created: Date;
  /** When it last became current (from the history), if ever. */
  deployed?: Date;
  current: boolean;
}

/** History lines, oldest first. */
export function readHistory(app: string, root = RELEASES_ROOT): Array<{ at: Date; id: string }> {
  let text = '';
  try {
    text = readFileSync(join(appReleaseRoot(app, root), 'history'), 'utf8');
  } catch {
    return [];
  }
  const out: Array<{ at: Date; id: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line.trim());
    if (m) out.push({ at: new Date(Number(m[1])), id: m[2] });
  }
  return out;
}

/** The id `current` points at, or undefined. */
export function currentRelease(app: string, root = RELEASES_ROOT): string | undefined {
  try {
    const target = readlinkSync(currentPath(app, root));
    const id = basename(target);
    return ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Every release on disk, newest deployment first (never deployed: by creation time). */
export function listReleases(app: string, root = RELEASES_ROOT): Release[] {
  const dir = join(appReleaseRoot(app, root), 'releases');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const current = currentRelease(app, root);
  const lastDeployed = new Map<string, Date>();
  for (const h of readHistory(app, root)) lastDeployed.set(h.id, h.at);
  const out: Release[] = [];
  for (const id of names) {
    const parsed = parseReleaseId(id);
    if (!parsed) continue;
    const r: Release = { id, dir: join(dir, id), hash: parsed.hash, created: parsed.created, current: id === current };
    const d = lastDeployed.get(id);
    if (d) r.deployed = d;
    out.push(r);
  }
  const key = (r: Release) => (r.deployed ?? r.created).getTime();
  return out.sort((a, b) => key(b) - key(a) || b.id.localeCompare(a.id));
}

/**
 * The release a rollback goes to. The history is read as a stack: switching
 * to a release already on it (a rollback, automatic or not) pops back to it,
 * so after v1, v2, a failed v3 and the return to v2, the previous release is
 * v1, never the broken v3. Releases pruned from disk are skipped.
 */
export function previousRelease(app: string, root = RELEASES_ROOT): string | undefined {
  const stack: string[] = [];
  for (const { id } of readHistory(app, root)) {
    const at = stack.indexOf(id);
    if (at >= 0) stack.length = at + 1;
    else stack.push(id);
  }
  const current = currentRelease(app, root);
  if (stack[stack.length - 1] !== current) return undefined;
  const onDisk = new Set(listReleases(app, root).map((r) => r.id));
  for (let i = stack.length - 2; i >= 0; i--) if (onDisk.has(stack[i])) return stack[i];
  return undefined;
}

function isTarball(path: string): boolean {
  return /\.(tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tar\.zst)$/.test(path);
}

/** What a release source is: one of this app's releases already, a directory to copy, or a tarball to extract. */
function inspectSource(app: string, src: string, root: string): { kind: 'release'; id: string; dir: string } | { kind: 'directory' | 'tarball' } {
  let st;
  try {
    st = statSync(src);
  } catch {
    throw new UserError(`release ${src}: no such file or directory`);
  }
  if (st.isDirectory()) {
    const releasesDir = join(appReleaseRoot(app, root), 'releases');
    const real = realpathSync(src);
    if (existsSync(releasesDir) && dirname(real) === realpathSync(releasesDir)) {
      const id = basename(real);
      if (!ID_PATTERN.test(id)) throw new UserError(`${src} is in ${releasesDir} but is not named <time>-<hash>; deploy it from elsewhere`);
      return { kind: 'release', id, dir: real };
    }
    return { kind: 'directory' };
  }
  if (!(st.isFile() && isTarball(src))) throw new UserError(`release ${src}: not a directory or a tarball (.tar, .tar.gz, .tgz, .tar.xz)`);
  return { kind: 'tarball' };
}

/**
 * Extracts a tarball into `tmp` and returns the release root in it (a
 * tarball holding one top-level directory, like `npm pack`'s `package/`,
 * gives that directory); refuses an empty release.
 */
function extractTarball(src: string, tmp: string): string {
  // --no-same-owner: files belong to root, whoever built the tarball.
  const r = spawnSync('tar', ['-xf', src, '-C', tmp, '--no-same-owner'], { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`cannot extract ${src}: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`);
  const top = readdirSync(tmp);
  return top.length === 1 && lstatSync(join(tmp, top[0])).isDirectory() ? join(tmp, top[0]) : tmp;
}

function refuseEmpty(src: string, content: string): void {
  if (readdirSync(content).length === 0) throw new UserError(`release ${src} is empty`);
}

/**
 * Puts a release in place: `src` is a directory (copied; or taken as it is
 * when it already is one of this app's releases) or a tarball (extracted; a
 * tarball holding one top-level directory, like `npm pack`'s `package/`,
 * gives that directory). `created` is false when a release with the same
 * content already existed.
 */
export function stageRelease(app: string, src: string, root = RELEASES_ROOT, now = new Date()): { id: string; dir: string; created: boolean } {
  const releasesDir = join(appReleaseRoot(app, root), 'releases');
  const source = inspectSource(app, src, root);
  if (source.kind === 'release') return { id: source.id, dir: source.dir, created: false };
  mkdirSync(releasesDir, { recursive: true, mode: 0o755 });
  chmodSync(appReleaseRoot(app, root), 0o755);
  chmodSync(releasesDir, 0o755);
  const tmp = mkdtempSync(join(releasesDir, '.staging-'));
  try {
    let content = tmp;
    if (source.kind === 'directory') cpSync(src, tmp, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    else content = extractTarball(src, tmp);
    refuseEmpty(src, content);
    const hash = hashTree(content).slice(0, 12);
    const existing = listReleases(app, root).find((r) => r.hash === hash);
    if (existing) return { id: existing.id, dir: existing.dir, created: false };
    const id = releaseId(hash, now);
    const dir = join(releasesDir, id);
    chmodSync(content, 0o755);
    renameSync(content, dir);
    return { id, dir, created: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * What stageRelease would give for `src`, writing nothing under the app's
 * directory (deploy --dry-run, Ansible's check mode): the content hash and
 * the release on disk with that content, if there is one (`id` undefined:
 * deploying it would create a new release). A tarball is extracted into a
 * temporary directory under `scratch` (default the system's) and removed.
 */
export function previewRelease(app: string, src: string, root = RELEASES_ROOT, scratch = tmpdir()): { hash: string; id?: string } {
  const source = inspectSource(app, src, root);
  if (source.kind === 'release') return { hash: parseReleaseId(source.id)!.hash, id: source.id };
  const hashOf = (content: string) => {
    refuseEmpty(src, content);
    return hashTree(content).slice(0, 12);
  };
  let hash: string;
  if (source.kind === 'directory') hash = hashOf(src);
  else {
    const tmp = mkdtempSync(join(scratch, 'nodeunit-release-'));
    try {
      hash = hashOf(extractTarball(src, tmp));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { hash, id: listReleases(app, root).find((r) => r.hash === hash)?.id };
}

/** Points `current` at a release atomically (a temporary symlink renamed over it) and records it in the history. */
export function switchCurrent(app: string, id: string, root = RELEASES_ROOT, now = new Date()): void {
  const dir = join(appReleaseRoot(app, root), 'releases', id);
  if (!existsSync(dir)) throw new UserError(`release ${id} of ${app} does not exist ('nodeunit releases ${app}' lists them)`);
  const link = currentPath(app, root);
  const tmp = `${link}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(relative(dirname(link), dir), tmp);
  renameSync(tmp, link);
  appendFileSync(join(appReleaseRoot(app, root), 'history'), `${now.getTime()} ${id}\n`);
}

/**
 * Removes releases beyond the `keep` most recently deployed; never the
 * current one, the previous one (rollback's target) or `protect`.
 */
export function pruneReleases(app: string, keep: number, root = RELEASES_ROOT, protect: readonly string[] = []): string[] {
  const all = listReleases(app, root);
  const spared = new Set([currentRelease(app, root), previousRelease(app, root), ...protect].filter(Boolean));
  const removed: string[] = [];
  let kept = 0;
  for (const r of all) {
    if (kept < keep || spared.has(r.id)) {
      kept++;
      continue;
    }
    rmSync(r.dir, { recursive: true, force: true });
    removed.push(r.id);
  }
  return removed;
}

/** The release a process runs, from its working directory (/proc/<pid>/cwd): undefined when it runs from elsewhere. */
export function releaseOfProcess(app: string, pid: number, root = RELEASES_ROOT): string | undefined {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const prefix = join(appReleaseRoot(app, root), 'releases') + '/';
    if (!cwd.startsWith(prefix)) return undefined;
    return cwd.slice(prefix.length).split('/')[0];
  } catch {
    return undefined;
  }
}
