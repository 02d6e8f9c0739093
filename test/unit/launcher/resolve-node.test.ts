import { describe, expect, it } from 'vitest';
import { resolveNode } from '../../../src/launcher/resolve-node';

const probe = (existing: Record<string, 'ok' | 'not-executable'>) => (file: string) => existing[file] ?? 'missing';

describe('resolveNode', () => {
  const fs = probe({ '/usr/bin/node': 'ok', '/opt/n/node': 'ok', '/home/u/bin/node': 'not-executable', '/srv/app/node': 'ok' });
  it('prefers --node, then NODEUNIT_NODE, then PATH', () => {
    expect(resolveNode({ flag: '/opt/n/node', env: '/usr/bin/node', path: '/usr/bin', cwd: '/' }, fs)).toBe('/opt/n/node');
    expect(resolveNode({ env: '/opt/n/node', path: '/usr/bin', cwd: '/' }, fs)).toBe('/opt/n/node');
    expect(resolveNode({ path: '/home/u/bin:/usr/bin', cwd: '/' }, fs)).toBe('/usr/bin/node');
  });
  it('resolves a relative --node against the working directory', () => {
    expect(resolveNode({ flag: './node', cwd: '/srv/app' }, fs)).toBe('/srv/app/node');
  });
  it('does not fall back when an explicit choice is wrong', () => {
    expect(() => resolveNode({ flag: '/nope/node', path: '/usr/bin', cwd: '/' }, fs)).toThrow('--node /nope/node: no such file');
    expect(() => resolveNode({ env: '/home/u/bin/node', path: '/usr/bin', cwd: '/' }, fs)).toThrow(
      'NODEUNIT_NODE=/home/u/bin/node: not an executable file',
    );
  });
  it('names every place it looked when there is no node', () => {
    expect(() => resolveNode({ path: '/a:/b:relative', cwd: '/' }, fs)).toThrow(
      "cannot find node: no --node given, NODEUNIT_NODE is not set, and no executable 'node' in PATH=/a:/b:relative; install Node.js or pass --node /path/to/node",
    );
  });
});
