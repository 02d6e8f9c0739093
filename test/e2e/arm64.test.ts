/**
 * arm64 for real: the arm64 package, installed by name from the signed
 * repository into an arm64 Debian 13 (trixie, systemd 257, cgroup v2) that
 * boots systemd as PID 1 on this amd64 host through qemu-user.
 *
 * - qemu-aarch64 (qemu-user-static) is registered with binfmt_misc for the
 *   duration of the file and removed afterwards (harness/binfmt.ts);
 * - the arm64 root is built once by the harness (debootstrap --foreign, the
 *   second stage run under qemu) and cached like the other roots;
 * - `npm run deb -- --arch arm64` makes the package, build/repo.ts publishes
 *   it into a repository signed with a throwaway key, served on 127.0.0.1;
 * - in the container: keyring + .sources, `apt-get install nodeunit`, then
 *   the demo's checks: enable 2 instances (on trixie's own nodejs, arm64),
 *   requests answered by both, SIGKILL one under requests, none refused.
 *
 * Everything the container runs is emulated (every instruction of systemd,
 * apt, node goes through qemu), so it is slow; timeouts are generous and
 * nothing here measures speed. Ports 18860-18869.
 *
 * STATUS (measured 2026-11-27, this host, qemu-user-static 7.2): FAILS, so it
 * is off by default. The root builds (1435 s the first time, debootstrap's
 * second stage under qemu; cached afterwards), systemd 257 boots as PID 1
 * (`uname -m` aarch64, node v20.19.2 arm64, cgroup2fs) and apt installs
 * nodeunit 0.1.0 arm64 from the repository by name, all in ~40 s. But PID 1
 * cannot start services: the system ends "degraded" with dbus.service,
 * systemd-tmpfiles-setup(-dev).service, systemd-sysusers.service,
 * systemd-journal-flush.service, systemd-remount-fs.service, ldconfig.service
 * and others failed; `systemd-run --wait /bin/true` fails ("Failed to connect
 * to system scope bus via local transport: Connection refused": dbus is
 * down), and `nodeunit enable` reports
 *   hello@1: FAILED, activating (auto-restart, result resources) after 0.9s
 * i.e. systemd failed to set up the instance's process before exec (result
 * "resources"), with and without the instance ever running node. Not yet
 * isolated which call of systemd's spawn path qemu-user does not emulate.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRepo, killGpgAgent, makeThrowawayKey, publishLocal, serveStatic } from './harness/apt-repo.js';
import { ourEntryPresent, registerQemuAarch64, type Binfmt } from './harness/binfmt.js';
import { bootContainer, ensureImage, type Container } from './harness/container.js';
import { getOnHost, show, until } from './harness/nodeunit.js';

const VERSION: string = JSON.parse(readFileSync(resolve('package.json'), 'utf8')).version;
const DEB_DIR = resolve('dist/deb-test');
const DEB = join(DEB_DIR, `nodeunit_${VERSION.replace('-', '~')}_arm64.deb`);
const SERVER_PORT = 18860;
const APP_PORT = 18861;
const PLATFORM = 'trixie-v2-arm64';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


// Off unless asked for (scripts/test.sh leg "arm64" sets it): see the README's support table.
const ENABLED = process.env.NODEUNIT_E2E_ARM64 === '1';
(ENABLED ? describeRepo : (name: string, fn: () => void) => describe.skip(`${name} (skipped: set NODEUNIT_E2E_ARM64=1)`, fn))(
  'arm64: the arm64 package from the repository in an arm64 trixie booted through qemu-user',
  () => {
    let work: string;
    let gnupg: string;
    let server: Server | undefined;
    let binfmt: Binfmt | undefined;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'nodeunit-arm64-'));
      gnupg = join(work, 'gnupg');
      makeThrowawayKey(gnupg);
      binfmt = registerQemuAarch64();
      const t0 = Date.now();
      const deb = promisify(execFile)(resolve('node_modules/.bin/tsx'), [resolve('build/deb.ts'), '--arch', 'arm64', '--fast', '--if-stale', '--out', DEB_DIR], {
        maxBuffer: 64 * 1024 * 1024,
      });
      await Promise.all([deb, ensureImage(PLATFORM)]);
      console.log(`[e2e] arm64 package and root ready in ${Math.round((Date.now() - t0) / 1000)} s (binfmt entry ${binfmt.how})`);
      publishLocal(gnupg, join(work, 'repo'), DEB, SERVER_PORT);
      server = await serveStatic(work, SERVER_PORT);
    }, 3_600_000); // the first root build runs debootstrap's second stage under qemu
    afterAll(async () => {
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      if (gnupg) killGpgAgent(gnupg);
      if (work) rmSync(work, { recursive: true, force: true });
      const how = binfmt?.how;
      binfmt?.release();
      // What this file registered is gone again.
      if (how === 'registered') expect(ourEntryPresent()).toBe(false);
    });

    it('boots systemd, installs nodeunit by name, 2 instances answer, SIGKILL of one: none refused', async () => {
      expect(existsSync(DEB)).toBe(true);
      const c: Container = await bootContainer({
        platform: PLATFORM,
        bootTimeoutMs: 240_000,
        binds: [{ host: resolve('demo'), container: '/opt/demo', readOnly: true }],
      });
      try {
        const sh = async (script: string, timeoutMs = 300_000) => {
          const r = await c.sh(script, { timeoutMs, env: { DEBIAN_FRONTEND: 'noninteractive' } });
          expect(r.code, `${script}\n${r.stdout}\n${r.stderr}`).toBe(0);
          return r.stdout;
        };
        // Really arm64, really systemd 257 as PID 1, on trixie's own node.
        const facts = await sh('uname -m; dpkg --print-architecture; systemctl --version | head -1; node -p "process.arch + \' \' + process.version"; stat -fc %T /sys/fs/cgroup');
        console.log(`[e2e] arm64 container: ${facts.trim().split('\n').join(' | ')}`);
        expect(facts).toMatch(/^aarch64\narm64\nsystemd 257 [^\n]*\narm64 v20\.\d+\.\d+\ncgroup2fs\n$/);

        // What the README tells users: the keyring and the .sources file in place, apt update, apt install.
        const repo = join(work, 'repo');
        await c.writeFile('/etc/apt/keyrings/nodeunit-archive-keyring.pgp', readFileSync(join(repo, 'nodeunit-archive-keyring.pgp')));
        await c.writeFile('/etc/apt/sources.list.d/nodeunit.sources', readFileSync(join(repo, 'nodeunit.sources')));
        await sh('mv /etc/apt/sources.list /etc/apt/sources.list.off; rm -f /etc/apt/sources.list.d/debian.sources');
        const install = await sh('apt-get update && apt-get install -y nodeunit');
        expect(install).toMatch(new RegExp(`Get:\\d+ http://127\\.0\\.0\\.1:${SERVER_PORT}/\\S+ stable/main arm64 nodeunit arm64 ${VERSION}`));
        expect(install).toMatch(new RegExp(`Setting up nodeunit \\(${VERSION}\\)`));
        expect(await sh('file -L /usr/bin/nodeunit 2>/dev/null || od -An -tx1 -j18 -N2 /usr/bin/nodeunit')).toMatch(/aarch64|b7 00/);
        expect(await sh('nodeunit --version')).toMatch(new RegExp(`^nodeunit ${VERSION} `));

        await sh('install -D -m 0644 /opt/demo/hello.js /srv/hello/index.js');
        await sh(`nodeunit enable hello --instances 2 --port 127.0.0.1:${APP_PORT} /srv/hello/index.js`, 300_000);
        const pidOf = async (i: number) => Number((await show(c, `hello@${i}.service`, 'MainPID')).MainPID);
        const before = [await pidOf(1), await pidOf(2)];
        expect(before.every((p) => p > 0)).toBe(true);

        // Requests answered by both instances (each a new connection that either may accept).
        const seen = new Set<string>();
        await until(
          async () => {
            const r = await getOnHost(APP_PORT, 20_000);
            expect(r.error).toBeUndefined();
            const n = r.body?.match(/^hello from instance (\d+) \(pid (\d+)\)$/);
            expect(n, r.body).toBeTruthy();
            expect(Number(n![2])).toBe(before[Number(n![1]) - 1]);
            seen.add(n![1]);
            return seen.size === 2;
          },
          60_000,
          'both instances answering',
        );

        // SIGKILL instance 2 while requests keep coming: none refused (a request it held
        // when it died may fail with it; a new connection is never refused, since systemd
        // holds the listening socket and instance 1 keeps accepting from it).
        const outcomes: Record<string, number> = {};
        const byInstance: Record<string, number> = {};
        let stop = false;
        const load = (async () => {
          while (!stop) {
            const r = await getOnHost(APP_PORT, 20_000);
            const key = r.error ?? 'ok';
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            const n = r.body?.match(/instance (\d+)/)?.[1];
            if (n) byInstance[n] = (byInstance[n] ?? 0) + 1;
            await sleep(5);
          }
        })();
        await sleep(500);
        await sh(`kill -9 ${before[1]}`);
        // systemd restarts it (Restart=always in the rendered unit) and it reports READY=1 again.
        await until(async () => (await pidOf(2)) !== before[1] && (await show(c, 'hello@2.service', 'ActiveState')).ActiveState === 'active', 120_000, 'instance 2 restarted');
        // Until the restarted instance has answered again.
        const afterKill = byInstance['2'] ?? 0;
        await until(async () => (byInstance['2'] ?? 0) > afterKill, 60_000, 'restarted instance 2 answering');
        stop = true;
        await load;
        const restarts = (await show(c, 'hello@2.service', 'NRestarts')).NRestarts;
        console.log(`[e2e] arm64: SIGKILL of instance 2 under requests: ${JSON.stringify(outcomes)}, by instance ${JSON.stringify(byInstance)}; NRestarts=${restarts}`);
        expect(outcomes.ECONNREFUSED ?? 0).toBe(0);
        expect(outcomes.ok).toBeGreaterThan(10);
        // At most the request(s) instance 2 held when it died.
        expect(Object.entries(outcomes).filter(([k]) => k !== 'ok').reduce((s, [, v]) => s + v, 0)).toBeLessThanOrEqual(1);
        expect(Number(restarts)).toBe(1);
        expect(await pidOf(1)).toBe(before[0]);
      } finally {
        await c.stop();
      }
    }, 900_000);
  },
  { 'qemu-aarch64-static': 'qemu-user-static' },
);
