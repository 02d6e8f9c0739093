/**
 * What differs between the Debian releases nodeunit supports, checked on
 * each one's own systemd, not on the host's:
 *
 *   - every unit of the renderer's matrix (test/unit/units/fixtures.ts),
 *     rendered for the container's systemd version, passes that systemd's
 *     `systemd-analyze verify` (247 on bullseye, 252 on bookworm, 257 on
 *     trixie): directives newer than the release must have been dropped;
 *   - an app enabled there runs, answers from both instances and shows in
 *     status (bullseye: on the pinned LTS node, the only supported one);
 *   - bullseye's own node 12 is refused in one line: at start under systemd
 *     (in the journal, the unit fails), by doctor and by enable (nothing
 *     written).
 *
 * All with cgroup v2 (the layout of every current host). Ports 18800-18819.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderApp } from '../../src/units/index.js';
import { defaultSpec, MATRIX } from '../unit/units/fixtures.js';
import { describeE2E, DISTROS, type Container } from './harness/container.js';
import { bootWithNodeunit, get, journal, LTS_NODE, show, until, writeUnit } from './harness/nodeunit.js';
import { parsePlatform } from './harness/platform.js';

const PLATFORMS = ['bullseye-v2', 'bookworm-v2', 'trixie-v2'].map(parsePlatform);

/** Renders the matrix for `version` into the container and returns `systemd-analyze verify`'s complaints about it. */
async function verifyMatrix(c: Container, version: number): Promise<{ problems: string[]; cases: number }> {
  const problems: string[] = [];
  let cases = 0;
  for (const [caseName, overrides] of Object.entries(MATRIX)) {
    const dir = `/root/verify/${caseName}`;
    const spec = defaultSpec({
      ...overrides,
      script: `${dir}/index.js`,
      cwd: dir,
      node: LTS_NODE,
      // Cases written for a newer systemd are rendered for this one, as enable would.
      systemdVersion: Math.min(overrides.systemdVersion ?? version, version),
      ...(overrides.envFile ? { envFile: `${dir}/env` } : {}),
    });
    await c.writeFile(`${dir}/index.js`, '');
    if (spec.envFile) await c.writeFile(spec.envFile, 'A=1\n');
    const units: string[] = [];
    for (const file of renderApp(spec)) {
      await c.writeFile(`${dir}/${file.path}`, file.content);
      units.push(`${dir}/${file.path.replace('@.', '@1.')}`);
    }
    const r = await c.exec(['systemd-analyze', 'verify', '--man=no', ...units], { env: { SYSTEMD_LOG_COLOR: '0' } });
    const ours = (r.stdout + r.stderr).split('\n').filter((l) => l.includes(dir) || /\bmyapp[-@.]/.test(l));
    problems.push(...ours.map((l) => `${caseName}: ${l}`));
    if (r.code !== 0) problems.push(`${caseName}: systemd-analyze verify exited ${r.code}: ${r.stderr.trim()}`);
    cases++;
  }
  return { problems, cases };
}

for (const [i, platform] of PLATFORMS.entries()) {
  const { systemd, nodeMajor } = DISTROS[platform.distro];
  const port = 18800 + i * 4;

  describeE2E(`${platform.distro} (systemd ${systemd}, cgroup ${platform.cgroup})`, () => {
    let c: Container;
    beforeAll(async () => {
      c = await bootWithNodeunit({ platform });
    });
    afterAll(async () => {
      await c?.stop();
    });

    it(`is systemd ${systemd} with node ${nodeMajor} in its archive`, async () => {
      expect((await c.exec(['systemctl', '--version'])).stdout).toMatch(new RegExp(`^systemd ${systemd}\\b`));
      expect((await c.exec(['/usr/bin/node', '--version'])).stdout).toMatch(new RegExp(`^v${nodeMajor}\\.`));
    });

    it(`every rendered unit passes systemd ${systemd}'s own verify`, async () => {
      const { problems, cases } = await verifyMatrix(c, systemd);
      console.log(`[e2e] ${platform.distro}: systemd-analyze verify (systemd ${systemd}) of ${cases} rendered cases: ${problems.length} problems`);
      expect(problems).toEqual([]);
      // The check is not vacuous: this systemd does complain about an unknown key.
      await c.writeFile('/root/verify/broken/broken.service', '[Service]\nBogusKey=1\nExecStart=/bin/true\n');
      const broken = await c.exec(['systemd-analyze', 'verify', '--man=no', '/root/verify/broken/broken.service']);
      expect(broken.stdout + broken.stderr).toMatch(/BogusKey/);
    });

    it('enable: 2 instances ready and answering, status shows them', async () => {
      await c.sh('install -D -m 0644 /opt/apps/hello.js /srv/plat/index.js');
      const node = nodeMajor >= 18 ? '/usr/bin/node' : LTS_NODE;
      const r = await c.exec(['nodeunit', 'enable', 'plat', '/srv/plat/index.js', '--instances', '2', '--port', `127.0.0.1:${port}`, '--node', node]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const pids = (await c.exec(['systemctl', 'show', '-P', 'MainPID', 'plat@1.service', 'plat@2.service'])).stdout.split('\n').filter(Boolean);
      const seen = new Set<string>();
      await until(
        async () => {
          const answer = (await get(c, `http://127.0.0.1:${port}/`, true)).stdout.trim();
          if (answer) seen.add(answer.replace(/^hello from /, ''));
          return seen.size === 2;
        },
        20_000,
        'both instances to answer',
      );
      expect([...seen].sort()).toEqual([...pids].sort());
      const status = await c.exec(['nodeunit', 'status', 'plat', '--json']);
      expect(status.code, status.stderr).toBe(0);
      const instances: Array<{ pid: number; memoryBytes: number; memorySource?: string; cpuSource?: string }> = JSON.parse(status.stdout).apps[0].instances;
      expect(instances.map((x) => String(x.pid)).sort()).toEqual([...pids].sort());
      for (const x of instances) expect(x.memoryBytes).toBeGreaterThan(1_000_000);
      const exposure = await c.exec(['systemd-analyze', 'security', '--no-pager', 'plat@1.service']);
      console.log(
        `[e2e] ${platform.distro}: enable ran 2 instances on ${node} (${(await c.exec([node, '--version'])).stdout.trim()}); ` +
          `status memory from ${instances[0].memorySource}, cpu from ${instances[0].cpuSource}; ${/Overall exposure level[^\n]*/.exec(exposure.stdout)?.[0]}`,
      );
    });

    if (nodeMajor >= 18) return;

    it(`node ${nodeMajor}: the unit fails at start with one line in the journal naming the version and the fix`, async () => {
      const unit = 'old-node.service';
      await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit --node /usr/bin/node /opt/apps/hello.js\nEnvironment=PORT=${port + 2}\n`);
      const start = await c.exec(['systemctl', 'start', unit]);
      expect(start.code).not.toBe(0);
      expect(await show(c, unit, 'ActiveState', 'Result')).toEqual({ ActiveState: 'failed', Result: 'exit-code' });
      const version = (await c.exec(['/usr/bin/node', '--version'])).stdout.trim();
      const lines = (await journal(c, unit)).split('\n').filter((l) => l.startsWith('nodeunit:'));
      console.log(`[e2e] ${platform.distro}: journal of a unit on node ${version}: ${lines.join(' | ')}`);
      expect(lines).toEqual([
        `nodeunit: /usr/bin/node is node ${version}; nodeunit runs apps on node 18 or later: install a newer Node.js and point the unit at it (--node PATH or NODEUNIT_NODE)`,
      ]);
    });

    it(`node ${nodeMajor}: doctor fails the node check, naming the version and the fix`, async () => {
      const r = await c.exec(['nodeunit', 'doctor', '--node', '/usr/bin/node']);
      expect(r.code).not.toBe(0);
      const line = r.stdout.split('\n').find((l) => /^FAIL\s+node\s/.test(l));
      expect(line).toMatch(/^FAIL\s+node\s+\/usr\/bin\/node v12\.\d+\.\d+: nodeunit runs apps on node 18 or later; install a newer Node.js or pass --node PATH$/);
    });

    it(`node ${nodeMajor}: enable refuses in one line and writes nothing`, async () => {
      const before = (await c.sh('ls /etc/systemd/system')).stdout;
      const r = await c.exec(['nodeunit', 'enable', 'oldnode', '/srv/plat/index.js', '--port', `127.0.0.1:${port + 3}`, '--node', '/usr/bin/node']);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^nodeunit: \/usr\/bin\/node is node 12; nodeunit needs node 18 or later/)]);
      expect((await c.sh('ls /etc/systemd/system')).stdout).toBe(before);
      expect((await c.exec(['id', 'oldnode'])).code).not.toBe(0);
    });
  });
}

