import { describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { unsupportedNode, MIN_NODE_MAJOR } = requirePreload('./supported-node.cjs');

describe('unsupportedNode', () => {
  it('is 18', () => expect(MIN_NODE_MAJOR).toBe(18));
  it.each(['v18.0.0', 'v18.20.4', 'v20.19.2', 'v24.21.0', 'v26.1.0', '22.3.0'])('%s -> go on', (v) => {
    expect(unsupportedNode(v, '/usr/bin/node')).toBeUndefined();
  });
  it.each([
    ['v12.22.12', 'v12.22.12'],
    ['v16.20.2', 'v16.20.2'],
    ['v17.9.1', 'v17.9.1'],
    ['0.10.48', 'v0.10.48'],
  ])('%s -> one line naming it and the fix', (v, shown) => {
    expect(unsupportedNode(v, '/usr/bin/node')).toBe(
      `nodeunit: /usr/bin/node is node ${shown}; nodeunit runs apps on node 18 or later: install a newer Node.js and point the unit at it (--node PATH or NODEUNIT_NODE)\n`,
    );
  });
  it('refuses what is not a version', () => {
    expect(unsupportedNode('', '/x/node')).toMatch(/^nodeunit: \/x\/node is node v; .*\n$/);
  });
});
