/**
 * `nodeunit import` against a real systemd (Debian 12) with a real pm2 (the
 * pinned devDependency, run on the pinned LTS node from the repository's
 * node_modules, bound read-only into the container): two apps from an
 * ecosystem file run under pm2 with load on both ports; `nodeunit import
 * --cutover` moves them to systemd; afterwards both serve from systemd and
 * pm2 runs nothing. Then a cron_restart timer fires a rolling reload under
 * load. Ports 185xx (issue 8's range).
 */
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, show, until } from './harness/nodeunit.js';

const API_PORT = 18520;
const WEB_PORT = 18521;
const CRON_PORT = 18530;
const HOME_PORT = 18540;
const USER_PORT = 18550;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const APP_JS = `const http = require('http');
http.createServer((req, res) => res.end(process.pid + '\\n')).listen(Number(process.env.PORT));
`;
const ECOSYSTEM = `// pm2 ecosystem file, as pm2 users write them
module.exports = {
  apps: [
    { name: 'shop-api', script: './server.js', instances: 2, exec_mode: 'cluster', env: { PORT: ${API_PORT} }, max_memory_restart: '300M', merge_logs: true },
    { name: 'shop-web', script: './server.js', env: { PORT: ${WEB_PORT} }, log_date_format: 'YYYY-MM-DD' },
  ],
};
`;

function load(port: number, seconds: number) {
  const codes: Record<string, number> = {};
  let inst!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((res, rej) => {
    inst = autocannon({ url: `http://127.0.0.1:${port}/`, connections: 10, duration: seconds }, (err, r) => (err ? rej(err) : res(r)));
  });
  inst.on('reqError', (err: NodeJS.ErrnoException) => (codes[err.code ?? err.message] = (codes[err.code ?? err.message] ?? 0) + 1));
  return { stop: () => inst.stop(), done, codes };
}

describeE2E('nodeunit import from pm2', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const pm2 = (args: string[]) => c.exec(['pm2', ...args], { timeoutMs: 60_000, env: { HOME: '/root', PM2_HOME: '/root/.pm2' } });
  const answer = async (port: number) => (await c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${port}/`, '--close'])).stdout.trim();

  beforeAll(async () => {
    c = await bootWithNodeunit({ binds: [{ host: resolve('node_modules'), container: '/opt/pm2mods/node_modules', readOnly: true }] });
    await c.writeFile('/usr/local/bin/pm2', '#!/bin/sh\nexec /opt/node-lts/bin/node /opt/pm2mods/node_modules/pm2/bin/pm2 "$@"\n', 0o755);
    await c.writeFile('/srv/shop/server.js', APP_JS, 0o644);
    await c.writeFile('/srv/shop/ecosystem.config.js', ECOSYSTEM, 0o644);
    ok(await c.sh('chmod 755 /srv /srv/shop'));
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('two apps run under pm2', async () => {
    ok(await c.exec(['sh', '-c', 'cd /srv/shop && pm2 start ecosystem.config.js'], { timeoutMs: 60_000, env: { HOME: '/root', PM2_HOME: '/root/.pm2' } }));
    await until(async () => /^\d+$/.test(await answer(API_PORT)) && /^\d+$/.test(await answer(WEB_PORT)), 20_000, 'pm2 apps answering');
    const list = JSON.parse((await pm2(['jlist'])).stdout.split('\n').find((l) => l.startsWith('['))!);
    expect(list.map((p: { name: string }) => p.name).sort()).toEqual(['shop-api', 'shop-api', 'shop-web']);
  });

  it('without --cutover, import refuses and names the pm2 app holding the port; nothing is installed', async () => {
    const r = await c.exec(['nodeunit', 'import', '/srv/shop/ecosystem.config.js'], { env: { HOME: '/root', PM2_HOME: '/root/.pm2' } });
    console.log(`[e2e] import without --cutover: exit ${r.code}: ${r.stderr.trim()}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nodeunit: shop-api: port 18520 is held by (pm2 app 'shop-api'|the pm2 daemon)/);
    expect((await c.sh('ls /etc/systemd/system | grep -c shop || true')).stdout.trim()).toBe('0');
  });

  it('import --from-pm2 --dry-run reads the running pm2: 2 records of shop-api are 2 instances', async () => {
    const r = await c.exec(['nodeunit', 'import', '--from-pm2', '--dry-run'], { env: { HOME: '/root', PM2_HOME: '/root/.pm2' } });
    ok(r);
    console.log(`[e2e] import --from-pm2 --dry-run:\n${r.stdout}`);
    expect(r.stdout).toMatch(/^shop-api {2}2 instances, port 18520 from env PORT/m);
    expect(r.stdout).toMatch(/^shop-web {2}1 instance, port 18521 from env PORT/m);
    expect(r.stdout).toMatch(/from 2 pm2 process records: kept [^;]*PORT/);
    expect(r.stdout).toContain('2 apps, 0 refused.');
  });

  it('import --cutover under load: both apps serve from systemd, pm2 runs nothing', async () => {
    const dry = await c.exec(['nodeunit', 'import', '/srv/shop/ecosystem.config.js', '--dry-run']);
    ok(dry);
    console.log(`[e2e] import --dry-run:\n${dry.stdout}`);
    const api = load(API_PORT, 60);
    const web = load(WEB_PORT, 60);
    await sleep(1500);
    const r = await c.exec(['nodeunit', 'import', '/srv/shop/ecosystem.config.js', '--cutover'], { timeoutMs: 150_000, env: { HOME: '/root', PM2_HOME: '/root/.pm2' } });
    await sleep(1500);
    api.stop();
    web.stop();
    const [ra, rw] = await Promise.all([api.done, web.done]);
    console.log(`[e2e] import --cutover output:\n${r.stdout}${r.stderr}`);
    ok(r);
    for (const [name, res, codes] of [['shop-api', ra, api.codes], ['shop-web', rw, web.codes]] as const) {
      console.log(`[e2e] ${name} under load during the cut-over: ${res.requests.total} requests, ${res.errors} errors ${JSON.stringify(codes)} (ECONNREFUSED = refused connections), ${res.non2xx} non-2xx`);
      expect(res.requests.total).toBeGreaterThan(1000);
    }
    expect(r.stdout).toMatch(/shop-api: cut over from pm2 \(2 processes stopped and deleted\); ready under systemd \d+ ms after pm2 stop; port 18520 refused \d+ probe connections?, gap \d+ ms/);
    expect(r.stdout).toMatch(/shop-web: cut over from pm2 \(1 process stopped and deleted\)/);
    // Both answer from systemd's instances now.
    const apiPids = await Promise.all([1, 2].map(async (n) => (await show(c, `shop-api@${n}.service`, 'MainPID')).MainPID));
    const webPid = (await show(c, 'shop-web@1.service', 'MainPID')).MainPID;
    expect(apiPids).not.toContain('0');
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add(await answer(API_PORT));
    expect([...seen].every((p) => apiPids.includes(p))).toBe(true);
    expect(await answer(WEB_PORT)).toBe(webPid);
    // pm2 runs nothing, and its saved list is empty (no resurrection at boot).
    const list = JSON.parse((await pm2(['jlist'])).stdout.split('\n').find((l) => l.startsWith('['))!);
    expect(list).toEqual([]);
    expect(JSON.parse((await c.exec(['cat', '/root/.pm2/dump.pm2'])).stdout)).toEqual([]);
    const status = await c.exec(['nodeunit', 'status', 'shop-api']);
    expect(status.stdout).toMatch(/shop-api: 2\/2 instances running, port 18520/);
    expect((await c.exec(['grep', '^MemoryMax=', '/etc/systemd/system/shop-api@.service'])).stdout.trim()).toBe('MemoryMax=300M');
  });

  it("an app under /home/ubuntu keeps the sandbox, runs as ubuntu; a program that is not Node gets a plain unit", async () => {
    ok(await c.sh('useradd -m -s /bin/sh ubuntu && mkdir -p /home/ubuntu/htdocs/shop && echo secret > /home/ubuntu/.secret && chmod 600 /home/ubuntu/.secret'));
    await c.writeFile('/home/ubuntu/htdocs/shop/server.js', APP_JS, 0o644);
    await c.writeFile('/home/ubuntu/htdocs/shop/tick.sh', '#!/bin/sh\nwhile :; do echo tick; sleep 5; done\n', 0o755);
    await c.writeFile(
      '/home/ubuntu/htdocs/shop/ecosystem.config.js',
      `module.exports = { apps: [
  { name: 'home-app', cwd: '/home/ubuntu/htdocs/shop', script: 'server.js', env: { PORT: ${HOME_PORT} } },
  { name: 'ticker', cwd: '/home/ubuntu/htdocs/shop', script: './tick.sh' },
] };\n`,
      0o644,
    );
    ok(await c.sh('chown -R ubuntu:ubuntu /home/ubuntu/htdocs && chmod 750 /home/ubuntu'));
    const r = await c.exec(['nodeunit', 'import', '/home/ubuntu/htdocs/shop/ecosystem.config.js'], { timeoutMs: 150_000 });
    console.log(`[e2e] import of apps under /home/ubuntu:\n${r.stdout}${r.stderr}`);
    ok(r);
    expect(r.stdout).toContain('ProtectHome=tmpfs, BindReadOnlyPaths=/home/ubuntu/htdocs/shop');
    const pid = (await show(c, 'home-app@1.service', 'MainPID')).MainPID;
    expect(await answer(HOME_PORT)).toBe(pid);
    expect((await c.exec(['ps', '-o', 'user=', '-p', pid])).stdout.trim()).toBe('ubuntu');
    // The rest of the home is hidden from the service (ProtectHome=tmpfs), the app directory is read-only.
    const inside = await c.exec(['nsenter', '-t', pid, '-m', '--', 'sh', '-c', 'ls -A /home/ubuntu; touch /home/ubuntu/htdocs/shop/x 2>&1 || true']);
    expect(inside.stdout.split('\n')[0].trim()).toBe('htdocs');
    expect(inside.stdout).toMatch(/Read-only file system/);
    const sec = await c.exec(['systemd-analyze', 'security', '--no-pager', 'home-app@1.service']);
    const score = Number(/Overall exposure level for \S+: (\d+\.\d+)/.exec(sec.stdout)![1]);
    console.log(`[e2e] systemd-analyze security home-app@1.service (under /home): exposure ${score}`);
    expect(score).toBeLessThanOrEqual(2.0);
    // The shell script: Type=exec, no nodeunit, shown by status with its command line.
    expect((await show(c, 'ticker@1.service', 'Type', 'ActiveState')).ActiveState).toBe('active');
    expect((await show(c, 'ticker@1.service', 'Type')).Type).toBe('exec');
    const status = await c.exec(['nodeunit', 'status', 'ticker']);
    console.log(`[e2e] nodeunit status ticker:\n${status.stdout}`);
    expect(status.stdout).toMatch(/ticker: 1\/1 instances running/);
    expect(status.stdout).toContain('command: /usr/bin/bash /home/ubuntu/htdocs/shop/tick.sh');
  });

  it('a cron_restart timer fires and reloads the app with 0 failed requests', async () => {
    // croner's 6 fields, seconds first, ~12 s ahead in the container's local time.
    const when = (await c.sh('date -d @$(( $(date +%s) + 12 )) "+%-S %-M %-H"')).stdout.trim();
    await c.writeFile(
      '/srv/shop/cron.config.js',
      `module.exports = { apps: [{ name: 'shop-cron', script: './server.js', instances: 2, env: { PORT: ${CRON_PORT} }, cron_restart: '${when} * * *' }] };\n`,
      0o644,
    );
    const r = await c.exec(['nodeunit', 'import', '/srv/shop/cron.config.js'], { timeoutMs: 150_000 });
    ok(r);
    console.log(`[e2e] import with cron_restart '${when} * * *':\n${r.stdout}`);
    expect((await c.exec(['systemctl', 'is-active', 'shop-cron-restart.timer'])).stdout.trim()).toBe('active');
    const before = await Promise.all([1, 2].map(async (n) => (await show(c, `shop-cron@${n}.service`, 'MainPID')).MainPID));
    const l = load(CRON_PORT, 60);
    await until(
      async () => {
        const now = await Promise.all([1, 2].map(async (n) => (await show(c, `shop-cron@${n}.service`, 'MainPID')).MainPID));
        return now.every((p, i) => p !== before[i] && p !== '0');
      },
      40_000,
      'both instances restarted by the timer',
    );
    await sleep(1000);
    l.stop();
    const res = await l.done;
    const journal = (await c.exec(['journalctl', '-u', 'shop-cron-restart.service', '--no-pager', '-o', 'cat'])).stdout;
    console.log(`[e2e] the timer's reload:\n${journal}`);
    console.log(`[e2e] cron_restart reload under load: ${res.requests.total} requests, ${res.errors} errors ${JSON.stringify(l.codes)}, ${res.timeouts} timeouts, ${res.non2xx} non-2xx`);
    expect(journal).toMatch(/shop-cron: all 2 instances restarted/);
    expect(res.requests.total).toBeGreaterThan(1000);
    expect(res.errors + res.timeouts + res.non2xx).toBe(0);
  });

  it("--from-pm2 --cutover with pm2 run by user ubuntu: reads and empties ubuntu's pm2", async () => {
    const asUbuntu = (cmd: string) => c.exec(['runuser', '-u', 'ubuntu', '--', 'sh', '-c', `cd /srv/shop && HOME=/home/ubuntu PM2_HOME=/home/ubuntu/.pm2 ${cmd}`], { timeoutMs: 60_000 });
    ok(await c.sh('id ubuntu >/dev/null 2>&1 || useradd -m -s /bin/sh ubuntu'));
    await c.writeFile('/srv/shop/user.config.js', `module.exports = { apps: [{ name: 'u-api', script: './server.js', env: { PORT: ${USER_PORT} } }] };\n`, 0o644);
    ok(await asUbuntu('pm2 start user.config.js'));
    await until(async () => /^\d+$/.test(await answer(USER_PORT)), 20_000, "ubuntu's pm2 app answering");
    const pm2Pid = await answer(USER_PORT);
    expect((await c.exec(['ps', '-o', 'user=', '-p', pm2Pid])).stdout.trim()).toBe('ubuntu');
    // root's own pm2 does not have it; under sudo, the invoking user's pm2 is the default.
    const sudo = await c.exec(['nodeunit', 'import', '--from-pm2', '--dry-run'], { env: { HOME: '/root', SUDO_USER: 'ubuntu' } });
    ok(sudo);
    expect(sudo.stdout).toMatch(/^u-api {2}1 instance, port 18550 from env PORT/m);
    const missing = await c.exec(['nodeunit', 'import', '--from-pm2', '--pm2-user', 'nosuchuser', '--dry-run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('nodeunit: --pm2-user nosuchuser: no such user');
    const l = load(USER_PORT, 60);
    await sleep(1000);
    const r = await c.exec(['nodeunit', 'import', '--from-pm2', '--pm2-user', 'ubuntu', '--cutover'], { timeoutMs: 150_000, env: { HOME: '/root' } });
    await sleep(1000);
    l.stop();
    const res = await l.done;
    console.log(`[e2e] import --from-pm2 --pm2-user ubuntu --cutover:\n${r.stdout}${r.stderr}`);
    console.log(`[e2e] u-api under load during the cut-over from ubuntu's pm2: ${res.requests.total} requests, ${res.errors} errors ${JSON.stringify(l.codes)}, ${res.non2xx} non-2xx`);
    ok(r);
    expect(r.stdout).toMatch(/u-api: cut over from ubuntu's pm2 \(1 process stopped and deleted\); ready under systemd \d+ ms after pm2 stop; port 18550 refused \d+ probe connections?, gap \d+ ms/);
    const pid = (await show(c, 'u-api@1.service', 'MainPID')).MainPID;
    expect(pid).not.toBe('0');
    expect(await answer(USER_PORT)).toBe(pid);
    expect(res.requests.total).toBeGreaterThan(500);
    // ubuntu's pm2 runs nothing and its saved list is empty; root's pm2 was not touched.
    const list = JSON.parse((await asUbuntu('pm2 jlist')).stdout.split('\n').find((x) => x.startsWith('['))!);
    expect(list).toEqual([]);
    expect(JSON.parse((await c.exec(['cat', '/home/ubuntu/.pm2/dump.pm2'])).stdout)).toEqual([]);
    ok(await asUbuntu('pm2 kill'));
  });
});
