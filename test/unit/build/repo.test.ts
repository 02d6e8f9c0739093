/**
 * build/repo.ts on the host, with a throwaway key and two tiny .debs (one per
 * architecture): the tree apt expects, a signature gpgv accepts with the
 * exported keyring only, and publishing that adds to what is there. (apt
 * itself installs from it in test/e2e/apt-repo.test.ts.) Skipped without
 * gpg, apt-ftparchive and dpkg-deb.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tools = ['gpg', 'gpgv', 'apt-ftparchive', 'dpkg-deb'];
const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const work = mkdtempSync(join(tmpdir(), 'nodeunit-repo-test-'));
afterAll(() => {
  spawnSync('gpgconf', ['--homedir', join(work, 'gnupg'), '--kill', 'all']);
  rmSync(work, { recursive: true, force: true });
});

function fakeDeb(version: string, arch: string): string {
  const tree = join(work, `tree-${version}-${arch}`);
  mkdirSync(join(tree, 'DEBIAN'), { recursive: true });
  writeFileSync(join(tree, 'DEBIAN/control'), `Package: nodeunit\nVersion: ${version}\nArchitecture: ${arch}\nMaintainer: test <t@example.invalid>\nDescription: test package\n`);
  const deb = join(work, `nodeunit_${version}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', tree, deb], { stdio: 'ignore' });
  return deb;
}

function repo(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(resolve('node_modules/.bin/tsx'), [resolve('build/repo.ts'), ...args], { encoding: 'utf8', env: { ...process.env, NODEUNIT_SIGNING_KEY: '', NODEUNIT_GNUPGHOME: '', ...env } });
}

describe.skipIf(missing.length > 0)('npm run repo', () => {
  const gnupg = join(work, 'gnupg');
  const out = join(work, 'apt');

  it('refuses to make an unsigned repository', () => {
    const r = repo(['--out', out, '--deb', fakeDeb('0.1.0', 'amd64')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('npm run repo: no signing key: set NODEUNIT_SIGNING_KEY to an ASCII-armored secret key, or pass --gnupg-home DIR (NODEUNIT_GNUPGHOME)');
    expect(existsSync(out)).toBe(false);
  });

  it('writes the signed tree, the keyring and the .sources file', () => {
    execFileSync('install', ['-d', '-m', '0700', gnupg]);
    execFileSync('gpg', ['--homedir', gnupg, '--batch', '--passphrase', '', '--quick-generate-key', 'repo test <t@example.invalid>', 'ed25519', 'sign', '1d'], { stdio: 'ignore' });
    const r = repo(['--gnupg-home', gnupg, '--out', out, '--url', 'https://apt.example.invalid/nu', '--deb', fakeDeb('0.1.0', 'amd64'), '--deb', fakeDeb('0.1.0', 'arm64')]);
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['dists/stable/Release', 'dists/stable/InRelease', 'dists/stable/Release.gpg', 'dists/stable/main/binary-amd64/Packages.gz', 'dists/stable/main/binary-arm64/Packages.gz', 'pool/main/n/nodeunit/nodeunit_0.1.0_amd64.deb', 'nodeunit-archive-keyring.pgp']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const packages = (arch: string) => readFileSync(join(out, `dists/stable/main/binary-${arch}/Packages`), 'utf8');
    expect(packages('amd64')).toMatch(/^Filename: pool\/main\/n\/nodeunit\/nodeunit_0\.1\.0_amd64\.deb$/m);
    expect(packages('amd64')).not.toMatch(/arm64/);
    expect(packages('arm64')).toMatch(/^Architecture: arm64$/m);
    const release = readFileSync(join(out, 'dists/stable/Release'), 'utf8');
    expect(release).toMatch(/^Origin: nodeunit$/m);
    expect(release).toMatch(/^Suite: stable$/m);
    expect(release).toMatch(/^Architectures: amd64 arm64$/m);
    expect(release).toMatch(/^ [0-9a-f]{64} +\d+ main\/binary-amd64\/Packages$/m);
    // Verified with the exported keyring alone, as apt's Signed-By does.
    const keyring = join(out, 'nodeunit-archive-keyring.pgp');
    expect(spawnSync('gpgv', ['--keyring', keyring, join(out, 'dists/stable/InRelease')]).status).toBe(0);
    expect(spawnSync('gpgv', ['--keyring', keyring, join(out, 'dists/stable/Release.gpg'), join(out, 'dists/stable/Release')]).status).toBe(0);
    writeFileSync(join(work, 'tampered'), readFileSync(join(out, 'dists/stable/InRelease'), 'utf8').replace('Suite: stable', 'Suite: stab1e'));
    expect(spawnSync('gpgv', ['--keyring', keyring, join(work, 'tampered')]).status).not.toBe(0);
    expect(readFileSync(join(out, 'nodeunit.sources'), 'utf8')).toBe(
      'Types: deb\nURIs: https://apt.example.invalid/nu\nSuites: stable\nComponents: main\nArchitectures: amd64 arm64\nSigned-By: /etc/apt/keyrings/nodeunit-archive-keyring.pgp\n',
    );
  });

  it('publishing adds a version; the key can come from NODEUNIT_SIGNING_KEY', () => {
    const armored = execFileSync('gpg', ['--homedir', gnupg, '--batch', '--armor', '--export-secret-keys'], { encoding: 'utf8' });
    const r = repo(['--out', out, '--deb', fakeDeb('0.1.1', 'amd64')], { NODEUNIT_SIGNING_KEY: armored });
    expect(r.status, r.stderr).toBe(0);
    const packages = readFileSync(join(out, 'dists/stable/main/binary-amd64/Packages'), 'utf8');
    expect(packages.match(/^Version: .*$/gm)?.sort()).toEqual(['Version: 0.1.0', 'Version: 0.1.1']);
    expect(spawnSync('gpgv', ['--keyring', join(out, 'nodeunit-archive-keyring.pgp'), join(out, 'dists/stable/InRelease')]).status).toBe(0);
  });

  it('refuses a package for another architecture', () => {
    const r = repo(['--gnupg-home', gnupg, '--out', out, '--deb', fakeDeb('0.1.2', 'i386')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('npm run repo: nodeunit_0.1.2_i386.deb is for i386; the repository carries amd64 and arm64');
  });
});
