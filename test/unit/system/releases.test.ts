import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pidsInSs } from '../../../src/system/instance-check';
import {
  currentRelease,
  hashTree,
  listReleases,
  parseReleaseId,
  previewRelease,
  previousRelease,
  pruneReleases,
  releaseId,
  releaseOfProcess,
  stageRelease,
  switchCurrent,
} from '../../../src/system/releases';

let tmp: string;
let root: string;
const app = 'web';

function source(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), body);
  }
  return dir;
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nodeunit-releases-'));
  root = join(tmp, 'var-lib-nodeunit');
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('release ids', () => {
  it('UTC time then 12 hex digits of the hash; parsed back', () => {
    const id = releaseId('0123456789abcdef', new Date('2026-11-27T13:05:01.123Z'));
    expect(id).toBe('20261127T130501Z-0123456789ab');
    expect(parseReleaseId(id)).toEqual({ created: new Date('2026-11-27T13:05:01Z'), hash: '0123456789ab' });
    expect(parseReleaseId('current')).toBeUndefined();
  });
});

describe('hashTree', () => {
  it('depends on content, names and the executable bit, not on timestamps', () => {
    const a = source('a', { 'index.js': 'one', 'lib/x.js': 'x' });
    const h = hashTree(a);
    utimesSync(join(a, 'index.js'), 1, 1);
    expect(hashTree(a)).toBe(h);
    writeFileSync(join(a, 'index.js'), 'two');
    expect(hashTree(a)).not.toBe(h);
    const b = source('b', { 'index.js': 'one', 'lib/y.js': 'x' });
    expect(hashTree(b)).not.toBe(h);
  });
});

describe('stage, switch, list, previous, prune', () => {
  it('copies a directory into releases/<id>, and the same content again reuses it', () => {
    const v1 = source('v1', { 'index.js': 'v1' });
    const s = stageRelease(app, v1, root, new Date('2026-01-01T00:00:00Z'));
    expect(s.created).toBe(true);
    expect(s.id).toMatch(/^20260101T000000Z-[0-9a-f]{12}$/);
    expect(readFileSync(join(s.dir, 'index.js'), 'utf8')).toBe('v1');
    const again = stageRelease(app, v1, root, new Date('2026-01-02T00:00:00Z'));
    expect(again).toEqual({ ...s, created: false });
    // A release directory given as the source is taken as it is.
    expect(stageRelease(app, s.dir, root)).toEqual({ ...s, created: false });
    expect(listReleases(app, root).map((r) => r.id)).toEqual([s.id]);
  });

  it('extracts a tarball; one top-level directory (npm pack) becomes the release root', () => {
    const pkg = source('pack/package', { 'index.js': 'packed', 'package.json': '{}' });
    const tgz = join(tmp, 'app.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', join(pkg, '..'), 'package']);
    const s = stageRelease(app, tgz, root);
    expect(readFileSync(join(s.dir, 'index.js'), 'utf8')).toBe('packed');
    // The same files as a directory hash the same.
    expect(stageRelease(app, pkg, root).id).toBe(s.id);
  });

  it('previews a release (deploy --dry-run) without writing anything: the hash stageRelease gives, and the release with it on disk', () => {
    const pkg = source('pack/package', { 'index.js': 'packed', 'bin/run': '#!/bin/sh\n' });
    const tgz = join(tmp, 'app.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', join(pkg, '..'), 'package']);
    const scratch = join(tmp, 'scratch');
    mkdirSync(scratch);
    const before = previewRelease(app, tgz, root, scratch);
    expect(before.id).toBeUndefined();
    expect(previewRelease(app, pkg, root, scratch)).toEqual(before);
    expect(existsSync(join(root, app))).toBe(false);
    expect(readdirSync(scratch)).toEqual([]);
    const s = stageRelease(app, tgz, root);
    expect(s.id.endsWith(`-${before.hash}`)).toBe(true);
    expect(previewRelease(app, tgz, root, scratch)).toEqual({ hash: before.hash, id: s.id });
    expect(previewRelease(app, s.dir, root, scratch)).toEqual({ hash: before.hash, id: s.id });
    expect(previewRelease(app, source('other', { 'index.js': 'other' }), root, scratch).id).toBeUndefined();
    expect(() => previewRelease(app, join(tmp, 'nope'), root, scratch)).toThrow(/no such file or directory/);
    mkdirSync(join(tmp, 'empty'));
    expect(() => previewRelease(app, join(tmp, 'empty'), root, scratch)).toThrow(/is empty/);
    expect(listReleases(app, root).map((r) => r.id)).toEqual([s.id]);
  });

  it('refuses what is neither a directory nor a tarball, and a missing source, with one line', () => {
    writeFileSync(join(tmp, 'notes.txt'), 'x');
    expect(() => stageRelease(app, join(tmp, 'notes.txt'), root)).toThrow(/not a directory or a tarball/);
    expect(() => stageRelease(app, join(tmp, 'nope'), root)).toThrow(/no such file or directory/);
    expect(existsSync(join(root, app, 'releases')) ? listReleases(app, root) : []).toEqual([]);
  });

  it('switches current atomically through a relative symlink and tracks the previous release', () => {
    const ids = ['v1', 'v2', 'v3'].map((v, i) => stageRelease(app, source(v, { 'index.js': v }), root, new Date(Date.UTC(2026, 0, i + 1))).id);
    expect(currentRelease(app, root)).toBeUndefined();
    switchCurrent(app, ids[0], root, new Date(1000));
    switchCurrent(app, ids[1], root, new Date(2000));
    expect(readlinkSync(join(root, app, 'current'))).toBe(`releases/${ids[1]}`);
    expect(currentRelease(app, root)).toBe(ids[1]);
    expect(previousRelease(app, root)).toBe(ids[0]);
    switchCurrent(app, ids[2], root, new Date(3000));
    expect(previousRelease(app, root)).toBe(ids[1]);
    // A rollback goes to v2; the release before v2 is then v1, not v3.
    switchCurrent(app, ids[1], root, new Date(4000));
    expect(previousRelease(app, root)).toBe(ids[0]);
    const list = listReleases(app, root);
    expect(list.map((r) => r.id)).toEqual([ids[1], ids[2], ids[0]]);
    expect(list[0]).toMatchObject({ current: true, deployed: new Date(4000) });
    expect(() => switchCurrent(app, '20990101T000000Z-000000000000', root)).toThrow(/does not exist/);
  });

  it('prunes beyond --keep, never the current or the previous release', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'].map((v, i) => stageRelease(app, source(v, { 'index.js': v }), root, new Date(Date.UTC(2026, 0, i + 1))).id);
    ids.forEach((id, i) => switchCurrent(app, id, root, new Date(1000 * (i + 1))));
    expect(pruneReleases(app, 2, root)).toEqual([ids[2], ids[1], ids[0]]);
    expect(listReleases(app, root).map((r) => r.id)).toEqual([ids[4], ids[3]]);
    // keep 1 still spares the previous release, the rollback target.
    expect(pruneReleases(app, 1, root)).toEqual([]);
  });

  it('names the release of a process from its working directory', () => {
    expect(releaseOfProcess(app, process.pid, root)).toBeUndefined();
  });
});

describe('pidsInSs', () => {
  it('reads the pid= fields of ss -p', () => {
    expect(pidsInSs('0 0 127.0.0.1:8080 127.0.0.1:51234 users:(("node",pid=4242,fd=21))\n')).toEqual([4242]);
    expect(pidsInSs('')).toEqual([]);
  });
});
