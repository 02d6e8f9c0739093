'use strict';
/**
 * The oldest Node the preload (and so nodeunit) runs apps on, and the one
 * line that refuses an older one.
 *
 * Outcomes of unsupportedNode(version, node):
 *   - version's major >= MIN_NODE_MAJOR: undefined (go on);
 *   - older, or not a version at all: the line to print, naming the node,
 *     its version and the fix, ending in a newline.
 *
 * The preload checks this first, before it requires anything, and exits 1
 * with the line on stderr (under systemd: in the journal; a Type=notify
 * unit whose process exits before READY=1 fails, systemd.service(5)). The
 * file, like the whole preload bundle, is built for node12 syntax
 * (build/build.ts) so that a node too old to run the preload can still parse
 * it and say why; bullseye's node 12 is the case in practice.
 */

const MIN_NODE_MAJOR = 18;

function unsupportedNode(version, node) {
  const match = /^v?(\d+)\./.exec(String(version));
  if (match && Number(match[1]) >= MIN_NODE_MAJOR) return undefined;
  const v = String(version).replace(/^v?/, 'v');
  return (
    'nodeunit: ' + node + ' is node ' + v + '; nodeunit runs apps on node ' + MIN_NODE_MAJOR +
    ' or later: install a newer Node.js and point the unit at it (--node PATH or NODEUNIT_NODE)\n'
  );
}

module.exports = { MIN_NODE_MAJOR, unsupportedNode };
