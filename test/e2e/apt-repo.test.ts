/**
 * `apt install nodeunit` from the signed repository, and upgrades under load.
 *
 * The test makes a throwaway signing key, builds the repository with
 * build/repo.ts (0.1.x as published now) and serves it from the host on
 * 127.0.0.1 with a small static server. In a trixie container (cgroup v2)
 * it adds the repository as a user would (keyring + deb822 .sources with
 * Signed-By, Debian's own sources switched off so only ours is asked),
 * installs nodeunit by name, enables an app with 2 instances and puts
 * keep-alive load on it from the host; then publishes the next patch
 * version into the repository and upgrades:
 *   - with `apt-get update && apt-get upgrade -y`;
 *   - with Debian's unattended-upgrades (allowed to take origin=nodeunit).
 * Each time: 0 failed requests, the instances' PIDs unchanged, and the next
 * `nodeunit reload` moves them to the new runtime files with 0 failed
 * requests. Ports 18850-18859.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRepo, killGpgAgent, makeThrowawayKey, publishLocal, serveStatic } from './harness/apt-repo.js';
import { bootContainer, ensureImage, type Container } from './harness/container.js';
import { show, until } from './harness/nodeunit.js';

const OLD: string = JSON.parse(readFileSync(resolve('package.json'), 'utf8')).version;
const NEW = OLD.replace(/^(\d+\.\d+\.)(\d+).*$/, (_, head: string, patch: string) => `${head}${Number(patch) + 1}`);
const DEB_DIR = resolve('dist/deb-test');
const hostDeb = (v: string) => join(DEB_DIR, `nodeunit_${v.replace('-', '~')}_amd64.deb`);
const SERVER_PORT = 18850;
const APP_PORT = { apt: 18851, unattended: 18852 } as const;
const PLATFORM = 'trixie-v2';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const publish = (gnupgHome: string, repo: string, deb: string) => publishLocal(gnupgHome, repo, deb, SERVER_PORT);

async function buildDeb(version: string): Promise<void> {
  const args = [resolve('build/deb.ts'), '--fast', '--if-stale', '--out', DEB_DIR, '--version', version];
  await promisify(execFile)(resolve('node_modules/.bin/tsx'), args, { maxBuffer: 64 * 1024 * 1024 });
}

describeRepo('apt install nodeunit from the signed repository; upgrades under load', () => {
  let work: string;
  let gnupg: string;
  let server: Server | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nodeunit-apt-'));
    gnupg = join(work, 'gnupg');
    makeThrowawayKey(gnupg);
    await Promise.all([buildDeb(OLD), buildDeb(NEW), ensureImage(PLATFORM)]);
    server = await serveStatic(work, SERVER_PORT);
  }, 400_000);
  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    killGpgAgent(gnupg);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const how of ['apt', 'unattended'] as const) {
    it(`${how === 'apt' ? 'apt-get upgrade' : 'unattended-upgrade'}: 0 failed requests, PIDs unchanged; reload moves the instances to ${NEW} with 0 failed`, async () => {
      const repo = join(work, `repo-${how}`);
      publish(gnupg, repo, hostDeb(OLD));
      const port = APP_PORT[how];
      const c: Container = await bootContainer({ platform: PLATFORM, binds: [{ host: resolve('test/e2e/apps'), container: '/opt/apps', readOnly: true }] });
      try {
        const sh = async (script: string, timeoutMs = 240_000) => {
          const r = await c.sh(script, { timeoutMs, env: { DEBIAN_FRONTEND: 'noninteractive' } });
          expect(r.code, `${script}\n${r.stdout}\n${r.stderr}`).toBe(0);
          return r;
        };
        if (how === 'unattended') {
          // Debian's package, from Debian's mirror, before its sources are switched off.
          const t0 = Date.now();
          await sh('apt-get update -qq && apt-get install -y -qq --no-install-recommends unattended-upgrades >/dev/null', 400_000);
          console.log(`[e2e] installed unattended-upgrades from Debian in ${Math.round((Date.now() - t0) / 1000)} s`);
          await c.writeFile('/etc/apt/apt.conf.d/51nodeunit', 'Unattended-Upgrade::Origins-Pattern:: "origin=nodeunit,archive=stable";\n');
        }
        // What the README tells users: the keyring and the .sources file in place, apt update, apt install.
        await c.writeFile('/etc/apt/keyrings/nodeunit-archive-keyring.pgp', readFileSync(join(repo, 'nodeunit-archive-keyring.pgp')));
        await c.writeFile('/etc/apt/sources.list.d/nodeunit.sources', readFileSync(join(repo, 'nodeunit.sources')));
        await sh('mv /etc/apt/sources.list /etc/apt/sources.list.off; rm -f /etc/apt/sources.list.d/debian.sources');
        const install = await sh('apt-get update && apt-get install -y nodeunit');
        expect(install.stdout).toMatch(new RegExp(`Get:\\d+ http://127\\.0\\.0\\.1:${SERVER_PORT}/\\S+ stable/main amd64 nodeunit amd64 ${OLD}`));
        expect(install.stdout).toMatch(new RegExp(`Setting up nodeunit \\(${OLD}\\)`));
        // A wrong key is refused: the signature is checked, not decorative.
        await sh(`cp ${'/etc/apt/keyrings/nodeunit-archive-keyring.pgp'} /root/keyring.good && head -c 40 /etc/os-release > /etc/apt/keyrings/nodeunit-archive-keyring.pgp`);
        const unsigned = await c.sh('apt-get update 2>&1', { timeoutMs: 60_000 });
        // apt warns and keeps its previous lists (exit 0): the new index is not used.
        expect(unsigned.stdout).toMatch(/OpenPGP signature verification failed: http:\/\/127\.0\.0\.1:\d+\/\S+ stable InRelease/);
        await sh('cp /root/keyring.good /etc/apt/keyrings/nodeunit-archive-keyring.pgp && apt-get update -qq');

        await sh('install -D -m 0644 /opt/apps/hello.js /srv/up/index.js');
        await sh(`nodeunit enable up /srv/up/index.js --instances 2 --port 127.0.0.1:${port}`);
        const pids = async () => [(await show(c, 'up@1.service', 'MainPID')).MainPID, (await show(c, 'up@2.service', 'MainPID')).MainPID];
        const before = await pids();
        const preload = async () => (await c.sh(`for p in $(systemctl show -P MainPID up@1.service up@2.service); do tr '\\0' ' ' < /proc/$p/cmdline; echo; done`)).stdout;
        expect(await preload()).toContain(`/usr/lib/nodeunit/${OLD}/preload.cjs`);

        const underLoad = async (during: () => Promise<void>) => {
          let load!: autocannon.Instance;
          const finished = new Promise<autocannon.Result>((ok, fail) => {
            load = autocannon({ url: `http://127.0.0.1:${port}/`, connections: 8, duration: 300 }, (err, res) => (err ? fail(err) : ok(res)));
          });
          const codes: Record<string, number> = {};
          load.on('reqError', (err: NodeJS.ErrnoException) => (codes[err.code ?? err.message] = (codes[err.code ?? err.message] ?? 0) + 1));
          await sleep(1000);
          const t0 = Date.now();
          await during();
          const ms = Date.now() - t0;
          await sleep(1000);
          load.stop();
          const result = await finished;
          return { ms, total: result.requests.total, failed: result.errors + result.timeouts + result.non2xx, codes };
        };

        publish(gnupg, repo, hostDeb(NEW));
        const upgrade = await underLoad(async () => {
          const r =
            how === 'apt'
              ? await sh('apt-get update && apt-get upgrade -y')
              : await sh('apt-get update -qq && unattended-upgrade -v && grep -h nodeunit /var/log/unattended-upgrades/unattended-upgrades.log | tail -n 3');
          expect(r.stdout).toMatch(new RegExp(how === 'apt' ? `Unpacking nodeunit \\(${NEW}\\) over \\(${OLD}\\)` : `nodeunit`));
        });
        expect((await sh('nodeunit --version')).stdout).toMatch(new RegExp(`^nodeunit ${NEW} `));
        const afterUpgrade = await pids();
        console.log(
          `[e2e] ${how === 'apt' ? 'apt-get upgrade' : 'unattended-upgrade'} ${OLD} -> ${NEW} under keep-alive load (8 connections): ` +
            `${upgrade.total} requests, ${upgrade.failed} failed ${JSON.stringify(upgrade.codes)}; upgrade took ${upgrade.ms} ms; PIDs ${before.join(',')} -> ${afterUpgrade.join(',')}`,
        );
        expect(upgrade.total).toBeGreaterThan(1000);
        expect(upgrade.failed).toBe(0);
        expect(afterUpgrade).toEqual(before);

        const reload = await underLoad(async () => {
          await sh('nodeunit reload up');
        });
        const afterReload = await pids();
        console.log(
          `[e2e] nodeunit reload after the ${how} upgrade, under keep-alive load: ${reload.total} requests, ${reload.failed} failed ${JSON.stringify(reload.codes)}; ` +
            `PIDs ${afterUpgrade.join(',')} -> ${afterReload.join(',')}`,
        );
        expect(reload.total).toBeGreaterThan(1000);
        expect(reload.failed).toBe(0);
        expect(afterReload[0]).not.toBe(before[0]);
        expect(afterReload[1]).not.toBe(before[1]);
        await until(async () => !(await preload()).includes(`/${OLD}/`), 5_000, 'both instances on the new runtime files');
        expect((await preload()).match(new RegExp(`/usr/lib/nodeunit/${NEW}/preload\\.cjs`, 'g'))).toHaveLength(2);
      } finally {
        await c.stop();
      }
    }, 600_000);
  }
});
