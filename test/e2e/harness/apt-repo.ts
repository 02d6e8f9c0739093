/**
 * A signed apt repository for e2e tests: a throwaway signing key, the
 * repository built by build/repo.ts, and a small static server for it.
 * Used by apt-repo.test.ts and arm64.test.ts (served on 127.0.0.1) and
 * fleet.test.ts (served from inside a network namespace, through
 * serve-static.ts); describeRepo() skips (or fails under
 * NODEUNIT_E2E=required) where the host lacks the Debian tools the build needs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize, resolve } from 'node:path';
import { describe } from 'vitest';
import { describeE2E } from './container.js';

/** A throwaway signing key in a new GnuPG home `gnupgHome` (mode 0700): never a real key, never in the work tree. */
export function makeThrowawayKey(gnupgHome: string): void {
  execFileSync('install', ['-d', '-m', '0700', gnupgHome]);
  execFileSync('gpg', ['--homedir', gnupgHome, '--batch', '--passphrase', '', '--quick-generate-key', 'nodeunit e2e throwaway <e2e@nodeunit.invalid>', 'ed25519', 'sign', '1d'], { stdio: 'ignore' });
}

/** Stops the gpg-agent a throwaway GnuPG home started. */
export function killGpgAgent(gnupgHome: string): void {
  try {
    execFileSync('gpgconf', ['--homedir', gnupgHome, '--kill', 'all'], { stdio: 'ignore' });
  } catch {
    /* no agent */
  }
}

/** Publishes `deb` into the repository `repo` (build/repo.ts), its nodeunit.sources pointing at `url`. */
export function publishRepo(gnupgHome: string, repo: string, deb: string, url: string): string {
  return execFileSync(resolve('node_modules/.bin/tsx'), [resolve('build/repo.ts'), '--gnupg-home', gnupgHome, '--out', repo, '--deb', deb, '--url', url], { encoding: 'utf8' });
}

/** Publishes `deb` into `repo`, served at http://127.0.0.1:<port>/<basename of repo> by serveStatic(<parent of repo>, port). */
export function publishLocal(gnupgHome: string, repo: string, deb: string, port: number): string {
  return publishRepo(gnupgHome, repo, deb, `http://127.0.0.1:${port}/${repo.split('/').pop()}`);
}

/** Serves `root` read-only on host:port, as any static web host would. */
export function serveStatic(root: string, port: number, host = '127.0.0.1', onRequest?: (line: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]));
    const file = join(root, path);
    let size = -1;
    try {
      if (file.startsWith(root + '/') && statSync(file).isFile()) size = statSync(file).size;
    } catch {
      /* 404 */
    }
    onRequest?.(`${req.socket.remoteAddress} ${req.method} ${path} ${size < 0 ? 404 : 200}`);
    if (size < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => server.once('error', fail).listen(port, host, () => ok(server)));
}

/** describeE2E() that also needs the tools building and signing a repository takes (and `extra`, with the package that has them). */
export function describeRepo(name: string, fn: () => void, extra: Record<string, string> = {}): void {
  const needed: Record<string, string> = { 'dpkg-buildpackage': 'debhelper', 'apt-ftparchive': 'apt-utils', gpg: 'gnupg', ...extra };
  const missing = Object.keys(needed).filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (!missing.length) return describeE2E(name, fn);
  const reason = `missing commands: ${missing.join(', ')} (apt-get install ${[...new Set(missing.map((m) => needed[m]))].join(' ')})`;
  if (process.env.NODEUNIT_E2E === 'required') throw new Error(`NODEUNIT_E2E=required but ${name} cannot run: ${reason}`);
  console.warn(`[e2e] skipping "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, fn);
}
