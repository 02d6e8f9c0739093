// Smoke test for the e2e harness itself: if this fails, every other e2e
// failure is probably the harness or the host, not nodeunit.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootContainer, describeE2E, DISTROS, ensureImage, platformName, type Container } from './harness/container.js';

describeE2E('e2e container harness', () => {
  let c: Container;

  beforeAll(async () => {
    await ensureImage(); // may build the image; not part of the boot time
    const t0 = performance.now();
    c = await bootContainer();
    console.log(`[e2e] container booted in ${Math.round(performance.now() - t0)} ms (pid ${c.pid})`);
  });

  afterAll(async () => {
    await c?.stop();
  });

  it('runs systemd as PID 1 and finished booting', async () => {
    const state = await c.exec(['systemctl', 'is-system-running']);
    expect(['running', 'degraded']).toContain(state.stdout.trim());
    const comm = await c.exec(['cat', '/proc/1/comm']);
    expect(comm.stdout.trim()).toBe('systemd');
  });

  it("is the platform asked for: the distribution's systemd, the cgroup layout", async () => {
    const { distro, cgroup } = c.platform;
    const version = await c.exec(['systemctl', '--version']);
    expect(version.stdout, platformName(c.platform)).toMatch(new RegExp(`^systemd ${DISTROS[distro].systemd}\\b`));
    const fs = (await c.exec(['stat', '-fc', '%T', '/sys/fs/cgroup'])).stdout.trim();
    // v2: one cgroup2 hierarchy; hybrid: v1 controllers on a tmpfs, systemd's own tree on cgroup2.
    expect(fs).toBe(cgroup === 'v2' ? 'cgroup2fs' : 'tmpfs');
    if (cgroup === 'hybrid') expect((await c.exec(['stat', '-fc', '%T', '/sys/fs/cgroup/unified'])).stdout.trim()).toBe('cgroup2fs');
    console.log(`[e2e] ${platformName(c.platform)}: ${version.stdout.split('\n')[0]}, /sys/fs/cgroup is ${fs}`);
  });

  it('has node', async () => {
    const r = await c.exec(['node', '--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^v\d+\./);
  });

  it('runs transient units', async () => {
    const r = await c.exec(['systemd-run', '--wait', '--quiet', '-p', 'Type=oneshot', '/bin/true']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('exec reports exit codes, stdin, env and timeouts without throwing', async () => {
    expect((await c.sh('exit 3')).code).toBe(3);
    expect((await c.exec(['cat'], { input: 'hello' })).stdout).toBe('hello');
    expect((await c.sh('echo "$FOO"', { env: { FOO: 'bar' } })).stdout).toBe('bar\n');
    const slow = await c.exec(['sleep', '30'], { timeoutMs: 300 });
    expect(slow.code).toBe(124);
    // The timed-out command must not linger inside the container.
    expect((await c.exec(['pgrep', '-x', 'sleep'])).code).toBe(1);
  });

  it('writeFile creates files with the given mode', async () => {
    await c.writeFile('/opt/app/run.sh', '#!/bin/sh\necho ok\n', 0o755);
    const r = await c.exec(['/opt/app/run.sh']);
    expect(r.stdout).toBe('ok\n');
    expect((await c.exec(['stat', '-c', '%a', '/opt/app/run.sh'])).stdout.trim()).toBe('755');
  });

  it('stop() is idempotent and ends the container', async () => {
    const pid = c.pid;
    await Promise.all([c.stop(), c.stop()]);
    await c.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
