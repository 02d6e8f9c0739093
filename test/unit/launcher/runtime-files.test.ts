import { describe, expect, it } from 'vitest';
import { runtimeFiles, untrustedReason } from '../../../src/launcher/runtime-files';

describe('runtimeFiles', () => {
  it('lives in a versioned directory so an upgrade never changes files under a running launcher', () => {
    expect(runtimeFiles('1.2.3')).toEqual({
      dir: '/usr/lib/nodeunit/1.2.3',
      preload: '/usr/lib/nodeunit/1.2.3/preload.cjs',
      helper: '/usr/lib/nodeunit/1.2.3/fd-helper.node',
    });
  });
});

describe('untrustedReason', () => {
  const tree = (entries: Record<string, { uid: number; mode: number }>) => (p: string) => {
    const e = entries[p];
    if (!e) throw new Error('ENOENT');
    return e;
  };
  const same = (p: string) => p;
  const sound = { '/': { uid: 0, mode: 0o40755 }, '/usr': { uid: 0, mode: 0o40755 }, '/usr/x.cjs': { uid: 0, mode: 0o100644 } };
  it('trusts root-owned files in root-owned directories', () => {
    expect(untrustedReason('/usr/x.cjs', 1000, tree(sound), same)).toBeUndefined();
  });
  it('refuses a file another user owns', () => {
    expect(untrustedReason('/usr/x.cjs', 1000, tree({ ...sound, '/usr/x.cjs': { uid: 1001, mode: 0o100644 } }), same)).toBe(
      '/usr/x.cjs belongs to uid 1001',
    );
  });
  it('refuses a group- or world-writable directory on the way', () => {
    expect(untrustedReason('/usr/x.cjs', 0, tree({ ...sound, '/usr': { uid: 0, mode: 0o41777 } }), same)).toBe(
      '/usr is writable by group or others',
    );
  });
  it('accepts files owned by the user running the launcher', () => {
    expect(untrustedReason('/usr/x.cjs', 1000, tree({ ...sound, '/usr/x.cjs': { uid: 1000, mode: 0o100644 } }), same)).toBeUndefined();
  });
});
