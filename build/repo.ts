/**
 * npm run repo: dist/apt/, a signed apt repository for any static web host.
 *
 *   dist/apt/
 *     pool/main/n/nodeunit/nodeunit_<version>_<arch>.deb   every version published so far
 *     dists/stable/Release, InRelease, Release.gpg          signed index of the indexes
 *     dists/stable/main/binary-amd64/Packages(.gz)          one per architecture
 *     dists/stable/main/binary-arm64/Packages(.gz)
 *     nodeunit-archive-keyring.pgp                          the public key, for Signed-By
 *     nodeunit.sources                                      deb822 source for /etc/apt/sources.list.d/
 *
 * Made with apt-ftparchive (apt-utils, part of apt itself): it indexes a
 * directory of .debs into Packages and Release files and keeps no state of
 * its own, so the tree is a pure function of pool/ and publishing a version
 * is "copy the .deb into pool/, run this again". reprepro and aptly would
 * also do; both keep a database beside the tree that CI would have to carry
 * from release to release, which a single-package repository does not need.
 *
 * Signing (gpg): the secret key comes from
 *   - $NODEUNIT_SIGNING_KEY: an ASCII-armored secret key (a CI secret),
 *     imported into a throwaway GnuPG home that is deleted afterwards; or
 *   - --gnupg-home DIR (or $NODEUNIT_GNUPGHOME): an existing GnuPG home,
 *     with --key ID (or $NODEUNIT_SIGNING_KEY_ID) when it holds several keys.
 * No key, no repository: an unsigned one would teach users to bypass apt's
 * checks. The key never enters dist/ or the work tree; only the public part
 * is exported.
 *
 * Options:
 *   --deb FILE    publish this .deb (repeatable); default: dist/nodeunit_<version>_*.deb
 *                 (built with npm run deb when none exists)
 *   --out DIR     the repository (default dist/apt); what its pool/ holds stays published
 *   --url URL     where it will be served, for nodeunit.sources
 *                 (default https://apt.example.org/nodeunit, a placeholder)
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; description: string };
export const ARCHITECTURES = ['amd64', 'arm64'] as const;
const SUITE = 'stable';
const COMPONENT = 'main';
const KEYRING = 'nodeunit-archive-keyring.pgp';

function options(name: string): string[] {
  const values: string[] = [];
  process.argv.forEach((arg, i) => {
    if (arg === name) {
      const value = process.argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
      values.push(value);
    }
  });
  return values;
}

function fail(message: string): never {
  process.stderr.write(`npm run repo: ${message}\n`);
  process.exit(1);
}

function run(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(file, args, { cwd: opts.cwd ?? root, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
}

function defaultDebs(): string[] {
  const dist = join(root, 'dist');
  const find = () => (existsSync(dist) ? readdirSync(dist).filter((f) => f.startsWith(`nodeunit_${pkg.version.replace('-', '~')}_`) && f.endsWith('.deb')).map((f) => join(dist, f)) : []);
  if (find().length === 0) execFileSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'build/deb.ts')], { stdio: 'inherit', cwd: root });
  return find();
}

/** A GnuPG home with the signing key and the key's id; cleanup() deletes what was made here. */
function signingKey(): { home: string; key: string; cleanup(): void } {
  const armored = process.env.NODEUNIT_SIGNING_KEY;
  const givenHome = options('--gnupg-home')[0] ?? process.env.NODEUNIT_GNUPGHOME;
  let home: string;
  let cleanup = () => {};
  if (armored) {
    home = mkdtempSync(join(tmpdir(), 'nodeunit-gnupg-'));
    chmodSync(home, 0o700);
    cleanup = () => {
      try {
        execFileSync('gpgconf', ['--homedir', home, '--kill', 'all'], { stdio: 'ignore' });
      } catch {
        /* no agent started */
      }
      rmSync(home, { recursive: true, force: true });
    };
    execFileSync('gpg', ['--homedir', home, '--batch', '--import'], { input: armored, stdio: ['pipe', 'ignore', 'pipe'] });
  } else if (givenHome) {
    home = resolve(givenHome);
  } else {
    fail('no signing key: set NODEUNIT_SIGNING_KEY to an ASCII-armored secret key, or pass --gnupg-home DIR (NODEUNIT_GNUPGHOME)');
  }
  const listed = run('gpg', ['--homedir', home, '--batch', '--with-colons', '--list-secret-keys']);
  const fingerprints = listed
    .split('\n')
    .map((l, i, all) => (l.startsWith('sec:') ? all.slice(i + 1).find((n) => n.startsWith('fpr:'))?.split(':')[9] : undefined))
    .filter((f): f is string => Boolean(f));
  const wanted = options('--key')[0] ?? process.env.NODEUNIT_SIGNING_KEY_ID;
  if (fingerprints.length === 0) {
    cleanup();
    fail(`no secret key in ${armored ? 'NODEUNIT_SIGNING_KEY' : home}`);
  }
  if (!wanted && fingerprints.length > 1) {
    cleanup();
    fail(`${home} holds ${fingerprints.length} secret keys: choose one with --key ID (NODEUNIT_SIGNING_KEY_ID)`);
  }
  return { home, key: wanted ?? fingerprints[0], cleanup };
}

function architectureOf(deb: string): string {
  return run('dpkg-deb', ['--field', deb, 'Architecture']).trim();
}

function main(): void {
  const out = resolve(options('--out')[0] ?? join(root, 'dist/apt'));
  const url = options('--url')[0] ?? 'https://apt.example.org/nodeunit';
  const debs = options('--deb').map((d) => resolve(d));
  if (debs.length === 0) debs.push(...defaultDebs());
  if (debs.length === 0) fail('no .deb to publish: run npm run deb, or pass --deb FILE');
  for (const deb of debs) {
    if (!existsSync(deb)) fail(`--deb ${deb}: no such file`);
    const arch = architectureOf(deb);
    if (!(ARCHITECTURES as readonly string[]).includes(arch)) fail(`${basename(deb)} is for ${arch}; the repository carries ${ARCHITECTURES.join(' and ')}`);
  }
  const key = signingKey();
  try {
    const pool = join(out, 'pool', COMPONENT, 'n', 'nodeunit');
    mkdirSync(pool, { recursive: true });
    for (const deb of debs) copyFileSync(deb, join(pool, basename(deb)));

    const dist = join(out, 'dists', SUITE);
    for (const arch of ARCHITECTURES) {
      const dir = join(dist, COMPONENT, `binary-${arch}`);
      mkdirSync(dir, { recursive: true });
      // Paths in Packages are relative to the repository root (run from there).
      const packages = run('apt-ftparchive', ['--arch', arch, 'packages', 'pool'], { cwd: out });
      writeFileSync(join(dir, 'Packages'), packages);
      writeFileSync(join(dir, 'Packages.gz'), gzipSync(packages, { level: 9 }));
    }
    for (const f of ['Release', 'InRelease', 'Release.gpg']) rmSync(join(dist, f), { force: true });
    const conf = (k: string, v: string) => ['-o', `APT::FTPArchive::Release::${k}=${v}`];
    const release = run(
      'apt-ftparchive',
      [
        ...conf('Origin', 'nodeunit'),
        ...conf('Label', 'nodeunit'),
        ...conf('Suite', SUITE),
        ...conf('Codename', SUITE),
        ...conf('Architectures', ARCHITECTURES.join(' ')),
        ...conf('Components', COMPONENT),
        ...conf('Description', pkg.description),
        'release',
        '.',
      ],
      { cwd: dist },
    );
    writeFileSync(join(dist, 'Release'), release);
    const gpg = ['--homedir', key.home, '--batch', '--yes', '--local-user', key.key, '--digest-algo', 'SHA512'];
    run('gpg', [...gpg, '--clearsign', '--output', join(dist, 'InRelease'), join(dist, 'Release')]);
    run('gpg', [...gpg, '--armor', '--detach-sign', '--output', join(dist, 'Release.gpg'), join(dist, 'Release')]);
    // A binary OpenPGP keyring: what Signed-By expects in a .pgp file.
    execFileSync('gpg', ['--homedir', key.home, '--batch', '--yes', '--export', '--output', join(out, KEYRING), key.key]);
    writeFileSync(
      join(out, 'nodeunit.sources'),
      [
        'Types: deb',
        `URIs: ${url}`,
        `Suites: ${SUITE}`,
        `Components: ${COMPONENT}`,
        `Architectures: ${ARCHITECTURES.join(' ')}`,
        `Signed-By: /etc/apt/keyrings/${KEYRING}`,
        '',
      ].join('\n'),
    );
    const published = readdirSync(pool).sort();
    console.log(`${relative(process.cwd(), out) || '.'}: signed by ${key.key}, ${published.length} package file${published.length === 1 ? '' : 's'}: ${published.join(', ')}`);
  } finally {
    key.cleanup();
  }
}

main();
