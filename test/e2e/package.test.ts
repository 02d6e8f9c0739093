/**
 * The .deb end to end in a real-systemd container: install it with apt,
 * run the shipped example unit, upgrade to a newer build while the app
 * serves (nothing may restart, no request may fail), restart onto the new
 * launcher, then remove (a warning naming the apps) and purge (the apps'
 * units, users and state stay). Ports 183xx (containers share the host's
 * network; other e2e files use other ranges).
 *
 * beforeAll builds both packages with build/deb.ts --fast (gzip: seconds,
 * not the minute xz takes), the second as the next patch version, into
 * dist/deb-test; --if-stale reuses them while nothing in them changed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from './harness/container.js';
import { bootContainer, describeE2E, ensureImage } from './harness/container.js';
import { get, show, until } from './harness/nodeunit.js';

const OLD: string = JSON.parse(readFileSync(resolve('package.json'), 'utf8')).version;
const NEW = OLD.replace(/^(\d+\.\d+\.)(\d+).*$/, (_, head: string, patch: string) => `${head}${Number(patch) + 1}`);
const DEB_DIR = resolve('dist/deb-test');
const deb = (v: string) => `/opt/debs/nodeunit_${v.replace('-', '~')}_amd64.deb`;
const APP_PORT = 18301;
const ENABLED_PORT = 18302;

async function buildDeb(version: string): Promise<void> {
  const args = [resolve('build/deb.ts'), '--fast', '--if-stale', '--out', DEB_DIR, '--version', version];
  await promisify(execFile)(resolve('node_modules/.bin/tsx'), args, { maxBuffer: 64 * 1024 * 1024 });
}

/** Runs in the container: requests in a loop until /run/stop-poll exists, then prints a summary. */
const POLLER = String.raw`
const http = require('http');
const fs = require('fs');
const url = process.argv[2];
let ok = 0, failed = 0;
const errors = [], bodies = new Set();
const once = () => new Promise((done) => {
  const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => {
      if (res.statusCode === 200) { ok++; bodies.add(body.trim()); } else { failed++; errors.push('status ' + res.statusCode); }
      done();
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { failed++; errors.push(e.code || e.message); done(); });
});
(async () => {
  while (!fs.existsSync('/run/stop-poll')) {
    await once();
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(JSON.stringify({ ok, failed, errors: errors.slice(0, 10), bodies: [...bodies] }));
})();
`;

// Building the packages needs debhelper besides the e2e prerequisites:
// skipped without it, like any e2e test, unless NODEUNIT_E2E=required.
function describePackage(name: string, fn: () => void): void {
  const missing = ['dpkg-buildpackage', 'dh', 'lintian'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
  if (!missing.length) return describeE2E(name, fn);
  const reason = `missing commands: ${missing.join(', ')} (apt-get install debhelper lintian)`;
  if (process.env.NODEUNIT_E2E === 'required') throw new Error(`NODEUNIT_E2E=required but the package tests cannot run: ${reason}`);
  console.warn(`[e2e] skipping "${name}": ${reason}`);
  describe.skip(`${name} (skipped: ${reason})`, fn);
}

describePackage('the Debian package', () => {
  let c: Container;

  beforeAll(async () => {
    await Promise.all([buildDeb(OLD), buildDeb(NEW), ensureImage()]);
    c = await bootContainer({
      binds: [
        { host: DEB_DIR, container: '/opt/debs', readOnly: true },
        { host: resolve('test/e2e/apps'), container: '/opt/apps', readOnly: true },
      ],
    });
  }, 400_000);
  afterAll(async () => {
    await c?.stop();
  });

  const sh = async (script: string, timeoutMs = 120_000) => {
    const r = await c.sh(script, { timeoutMs, env: { DEBIAN_FRONTEND: 'noninteractive' } });
    expect(r.code, `${script}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  const mainPid = async (unit: string) => (await show(c, unit, 'MainPID')).MainPID;
  const cmdline = async (pid: string) => (await c.exec(['sh', '-c', `tr '\\0' ' ' < /proc/${pid}/cmdline`])).stdout;

  it('lintian reports no errors and no warnings', async () => {
    // Overrides live in debian/nodeunit.lintian-overrides, each with its reason.
    const hostDeb = resolve(DEB_DIR, `nodeunit_${OLD.replace('-', '~')}_amd64.deb`);
    const r = spawnSync('lintian', ['--fail-on', 'error,warning', '--pedantic', hostDeb], { encoding: 'utf8', timeout: 300_000 });
    console.log(`[e2e] lintian --pedantic: exit ${r.status}\n${r.stdout}${r.stderr}`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^[EW]: /.test(l))).toEqual([]);
  }, 300_000);

  it('installs with apt, offline, with everything in place', async () => {
    // The image has no apt lists: the dependencies must already be installed,
    // and apt takes the file as it is (nothing to download).
    const r = await sh(`apt-get install -y ${deb(OLD)}`);
    expect(r.stdout).toMatch(new RegExp(`Setting up nodeunit \\(${OLD}\\)`));

    expect((await sh('nodeunit --version')).stdout).toMatch(new RegExp(`^nodeunit ${OLD} `));
    await sh(
      [
        `test -x /usr/bin/nodeunit`,
        `test -f /usr/lib/nodeunit/${OLD}/preload.cjs`,
        `test -f /usr/lib/nodeunit/${OLD}/fd-helper.node`,
        `test -f /usr/share/bash-completion/completions/nodeunit`,
        `test -f /usr/share/zsh/vendor-completions/_nodeunit`,
        `test -f /usr/share/doc/nodeunit/examples/myapp.service`,
        `test -f /usr/share/doc/nodeunit/examples/app.js`,
        `test -f /usr/share/doc/nodeunit/copyright`,
      ].join(' && '),
    );
    expect((await sh(`dpkg -S /usr/lib/nodeunit/${OLD}/preload.cjs`)).stdout).toMatch(/^nodeunit: /);
    const man = await sh('zcat /usr/share/man/man1/nodeunit.1.gz');
    expect(man.stdout).toMatch(new RegExp(`^\\.TH NODEUNIT 1 "[0-9-]+" "nodeunit ${OLD}"`, 'm'));
    expect(man.stdout).toMatch(/^\.SS "nodeunit setup"/m);
    // The completion offers the commands and the launcher's options.
    const complete = (words: string) =>
      sh(`bash -c 'source /usr/share/bash-completion/completions/nodeunit; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _nodeunit; echo "\${COMPREPLY[*]}"'`);
    expect((await complete('nodeunit se')).stdout.trim().split(' ')).toContain('setup');
    expect((await complete('nodeunit --dr')).stdout.trim()).toBe('--drain-timeout');
  });

  it('runs the shipped example unit (Type=notify, watchdog) and it answers', async () => {
    await sh(
      [
        'install -D -m 0644 /usr/share/doc/nodeunit/examples/app.js /srv/myapp/app.js',
        `sed 's/^Environment=PORT=8080$/Environment=PORT=${APP_PORT}/' /usr/share/doc/nodeunit/examples/myapp.service > /etc/systemd/system/myapp.service`,
        'systemctl daemon-reload',
        'systemctl enable --now myapp.service',
      ].join(' && '),
    );
    const { ActiveState, Type, WatchdogUSec } = await show(c, 'myapp.service', 'ActiveState', 'Type', 'WatchdogUSec');
    expect({ ActiveState, Type, WatchdogUSec }).toEqual({ ActiveState: 'active', Type: 'notify', WatchdogUSec: '10s' });
    const pid = await mainPid('myapp.service');
    expect((await get(c, `http://127.0.0.1:${APP_PORT}/`)).stdout.trim()).toBe(`hello from ${pid}`);
    expect(await cmdline(pid)).toContain(`--require /usr/lib/nodeunit/${OLD}/preload.cjs /srv/myapp/app.js`);
  });

  it('upgrades while the app serves: no failed request, nothing restarted', async () => {
    const before = await show(c, 'myapp.service', 'MainPID', 'NRestarts', 'ExecMainStartTimestampMonotonic');
    await c.writeFile('/run/poller.js', POLLER);
    const polling = c.exec(['node', '/run/poller.js', `http://127.0.0.1:${APP_PORT}/`], { timeoutMs: 180_000 });
    await new Promise((r) => setTimeout(r, 500));

    const upgrade = await sh(`apt-get install -y ${deb(NEW)}`, 170_000);
    expect(upgrade.stdout).toMatch(new RegExp(`Unpacking nodeunit \\(${NEW}\\) over \\(${OLD}\\)`));
    await new Promise((r) => setTimeout(r, 500));
    await c.exec(['touch', '/run/stop-poll']);
    const polled = await polling;
    expect(polled.code, polled.stderr).toBe(0);
    const summary = JSON.parse(polled.stdout);
    expect(summary.failed, JSON.stringify(summary.errors)).toBe(0);
    expect(summary.ok).toBeGreaterThan(10);
    expect(summary.bodies).toEqual([`hello from ${before.MainPID}`]);

    expect(await show(c, 'myapp.service', 'MainPID', 'NRestarts', 'ExecMainStartTimestampMonotonic')).toEqual(before);
    expect((await sh('nodeunit --version')).stdout).toMatch(new RegExp(`^nodeunit ${NEW} `));
    await sh(`test -f /usr/lib/nodeunit/${NEW}/preload.cjs && test -f /usr/lib/nodeunit/${NEW}/fd-helper.node`);
    // The running app was started with the old runtime directory, and what
    // it forks inherits it (process.execArgv): it stays while in use.
    expect(upgrade.stdout).toContain(`kept /usr/lib/nodeunit/${OLD}`);
    await sh(`test -f /usr/lib/nodeunit/${OLD}/preload.cjs && test -f /usr/lib/nodeunit/${OLD}/fd-helper.node`);
    expect((await c.exec(['dpkg', '-S', `/usr/lib/nodeunit/${OLD}/preload.cjs`])).code).not.toBe(0);
  });

  it('picks up the new launcher and runtime at the next restart; the old directory goes once unused', async () => {
    const old = await mainPid('myapp.service');
    await sh('systemctl restart myapp.service');
    const pid = await mainPid('myapp.service');
    expect(pid).not.toBe(old);
    expect(await cmdline(pid)).toContain(`--require /usr/lib/nodeunit/${NEW}/preload.cjs /srv/myapp/app.js`);
    expect((await get(c, `http://127.0.0.1:${APP_PORT}/`)).stdout.trim()).toBe(`hello from ${pid}`);

    // The next package operation (here: a reinstall) clears it.
    await sh(`apt-get install -y --reinstall ${deb(NEW)}`);
    expect((await c.exec(['test', '-e', `/usr/lib/nodeunit/${OLD}`])).code).toBe(1);
    await sh(`test -f /usr/lib/nodeunit/${NEW}/preload.cjs`);
    expect((await mainPid('myapp.service'))).toBe(pid);
  });

  it('remove warns, naming the apps, and stops nothing; purge keeps their units, users and state', async () => {
    // An app set up by `nodeunit enable` too (a target with the marker, a
    // system user, a state directory).
    const enable = await c.exec(
      ['nodeunit', 'enable', 'hello', '/opt/apps/hello.js', '--port', String(ENABLED_PORT), '--env', `PORT=${ENABLED_PORT}`],
      { timeoutMs: 120_000 },
    );
    expect(enable.code, enable.stdout + enable.stderr).toBe(0);
    await until(async () => (await get(c, `http://127.0.0.1:${ENABLED_PORT}/`)).code === 0, 20_000, 'the enabled app to answer');
    const kept = (await sh('ls /etc/systemd/system/hello* /etc/sysusers.d/hello* 2>/dev/null; ls -d /var/lib/hello 2>/dev/null; true')).stdout;
    expect(kept).toMatch(/hello\.target/);
    const appPid = await mainPid('myapp.service');

    const remove = await sh('apt-get remove -y nodeunit');
    const said = remove.stdout + remove.stderr;
    expect(said).toMatch(/warning: apps still set up with nodeunit: hello\b/);
    expect(said).toMatch(/warning: units that still run \/usr\/bin\/nodeunit: myapp\.service/);
    await sh('! test -e /usr/bin/nodeunit');
    // Running instances are left alone.
    expect(await mainPid('myapp.service')).toBe(appPid);
    expect((await get(c, `http://127.0.0.1:${APP_PORT}/`)).stdout.trim()).toBe(`hello from ${appPid}`);

    await sh('apt-get purge -y nodeunit');
    expect((await c.exec(['dpkg-query', '-W', '-f=${Status}', 'nodeunit'])).stdout).not.toMatch(/ok installed|config-files/);
    expect((await sh('ls /etc/systemd/system/hello* /etc/sysusers.d/hello* 2>/dev/null; ls -d /var/lib/hello 2>/dev/null; true')).stdout).toBe(kept);
    await sh('test -f /etc/systemd/system/myapp.service && test -f /srv/myapp/app.js');
    await sh('! test -e /usr/lib/nodeunit');
  });
});
