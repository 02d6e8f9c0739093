/**
 * npm run demo — nodeunit's main job, shown in a throwaway systemd container:
 * install the .deb, `nodeunit enable` an app with 4 instances on one port,
 * see which instance answers each request, kill one and watch the app keep
 * answering while systemd brings it back. The container is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bootContainer, e2eAvailability, ensureImage, type Container } from '../test/e2e/harness/container.js';

const root = resolve(import.meta.dirname, '..');
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const step = (s: string) => console.log(`\n${bold(`==> ${s}`)}`);
const say = (s: string) => console.log(`    ${s}`);

async function run(c: Container, cmd: string, opts: { quiet?: boolean } = {}): Promise<string> {
  console.log(`${bold('$')} ${cmd}`);
  const r = await c.sh(cmd, { timeoutMs: 180_000 });
  const out = (r.stdout + r.stderr).trimEnd();
  if (!opts.quiet && out) console.log(out.replace(/^/gm, '  '));
  if (r.code !== 0) throw new Error(`'${cmd}' exited with ${r.code}`);
  return r.stdout;
}

function findDeb(): string | undefined {
  const dist = join(root, 'dist');
  return existsSync(dist) ? readdirSync(dist).find((f) => /^nodeunit_.*_amd64\.deb$/.test(f)) : undefined;
}

async function main(): Promise<void> {
  const available = e2eAvailability();
  if (!available.ok) throw new Error(`the demo boots a systemd container: ${available.reason}`);

  step('Building nodeunit and its Debian package (skipped when up to date)');
  execFileSync('npm', ['run', '--silent', 'deb', '--', '--if-stale'], { cwd: root, stdio: 'inherit' });
  const deb = findDeb();
  if (!deb) throw new Error('npm run deb made no .deb in dist/');
  say(`dist/${deb}`);

  step('Booting a throwaway Debian 12 container with systemd as PID 1');
  say('(first run only: building its root file system with debootstrap, about a minute)');
  await ensureImage();
  const c = await bootContainer({
    privateNetwork: true, // its port 8080 is its own, whatever the host runs
    binds: [
      { host: join(root, 'dist'), container: '/opt/dist', readOnly: true },
      { host: join(root, 'demo'), container: '/opt/demo', readOnly: true },
    ],
  });
  try {
    await run(c, 'systemctl --version | head -1; node --version');

    step('Installing the package: one executable, /usr/bin/nodeunit');
    await run(c, `apt-get install -y --no-download -q /opt/dist/${deb} 2>&1 | grep -E '^(Setting up|Unpacking) nodeunit' || dpkg -i /opt/dist/${deb}`);
    await run(c, 'install -D -m 0644 /opt/demo/hello.js /srv/hello/index.js');

    step('nodeunit enable: 4 instances behind one port, owned by systemd');
    say('Writes hello@.service, hello.target and hello-8080.socket, creates the user "hello",');
    say('starts every instance and waits until each one reports READY=1.');
    await run(c, 'nodeunit enable hello --instances 4 --port 8080 /srv/hello/index.js');

    step('Requests: systemd holds the socket, every instance accepts from it');
    const answers: Record<string, number> = {};
    for (let i = 0; i < 12; i++) {
      const line = (await c.exec(['node', '-e', GET, '8080'])).stdout.trim();
      console.log(`  request ${String(i + 1).padStart(2)}: ${line}`);
      const n = line.match(/instance (\d+)/)?.[1] ?? '?';
      answers[n] = (answers[n] ?? 0) + 1;
    }
    say(`answered by instance(s) ${Object.keys(answers).sort().join(', ')}`);

    step('nodeunit status');
    await run(c, 'nodeunit status hello');

    step('Killing instance 2 with SIGKILL while requests keep coming');
    const pid = (await c.exec(['systemctl', 'show', '-P', 'MainPID', 'hello@2.service'])).stdout.trim();
    await run(c, `kill -9 ${pid}`);
    const during = await c.exec(['node', '-e', BURST, '8080', '3000'], { timeoutMs: 30_000 });
    const burst = JSON.parse(during.stdout) as { ok: number; failed: number; byInstance: Record<string, number> };
    say(`in the 3 s after the kill: ${burst.ok} requests answered, ${burst.failed} failed` + (burst.failed ? ' (a request instance 2 held when it died fails with it; none is refused)' : ''));
    say(`answered by: ${Object.entries(burst.byInstance).map(([k, v]) => `instance ${k} ×${v}`).join(', ')}`);
    for (let i = 0; i < 50; i++) {
      const active = (await c.exec(['systemctl', 'is-active', 'hello@2.service'])).stdout.trim();
      if (active === 'active') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await run(c, "systemctl show -p NRestarts -p MainPID hello@2.service; journalctl -u hello@2.service -o cat --no-pager | grep -E 'killed|Scheduled restart|Started' | tail -3");
    say('systemd restarted instance 2; the other three kept the port answering meanwhile.');

    step('nodeunit status, once more');
    await run(c, 'nodeunit status hello');
    step('Done: removing the container');
  } finally {
    await c.stop();
  }
  console.log(`\nWhat next: README.md (install on a server, handwritten units, every command).`);
}

// Run inside the container with its node: one GET with Connection: close, so
// each request is a new connection that any instance may accept.
const GET = `require('http').get({ port: process.argv[1], headers: { connection: 'close' } }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(b.trim())); }).on('error', (e) => console.log('failed: ' + e.code));`;
// Requests back to back for a while; counts answers by instance and failures.
const BURST = `const http = require('http'); const [port, ms] = process.argv.slice(1).map(Number); const end = Date.now() + ms; const out = { ok: 0, failed: 0, byInstance: {} };
(function next() { if (Date.now() > end) return console.log(JSON.stringify(out));
  http.get({ port, headers: { connection: 'close' } }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => { const n = (b.match(/instance (\\d+)/) || [])[1]; out.ok++; out.byInstance[n] = (out.byInstance[n] || 0) + 1; setTimeout(next, 10); }); })
    .on('error', () => { out.failed++; setTimeout(next, 10); }); })();`;

main().catch((err) => {
  console.error(`\ndemo failed: ${err.message}`);
  process.exit(1);
});
