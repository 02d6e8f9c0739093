/**
 * A signed apt repository for e2e tests: a throwaway signing key, the
 * repository built by build/repo.ts, and a small static server for it.
 * Used by apt-repo.test.ts (served on 127.0.0.1) and fleet.test.ts (served
 * from inside a network namespace, through serve-static.ts).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize, resolve } from 'node:path';

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
