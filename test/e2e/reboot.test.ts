/**
 * An enabled app comes back after a real reboot: the container boots from a
 * directory of its own (not an ephemeral copy), is shut down, and boots
 * again from the same directory. Port 18290 (enable's e2e range).
 */
import { afterAll, expect, it } from 'vitest';
import { makeMachineDirectory, describeE2E, type Container } from './harness/container.js';
import { bootWithNodeunit, get, until } from './harness/nodeunit.js';

describeE2E('an enabled app after a reboot', () => {
  let machine: { dir: string; remove(): Promise<void> } | undefined;
  let c: Container | undefined;
  afterAll(async () => {
    await c?.stop();
    await machine?.remove();
  });

  it('starts at boot with every instance, on its socket', async () => {
    machine = await makeMachineDirectory();
    c = await bootWithNodeunit({ directory: machine.dir });
    await c.sh('install -D -m 0644 /opt/apps/hello.js /srv/boot/index.js');
    const enable = await c.exec(['nodeunit', 'enable', 'boot', '/srv/boot/index.js', '--instances', '2', '--port', '127.0.0.1:18290']);
    expect(enable.code, enable.stdout + enable.stderr).toBe(0);

    await c.stop(); // a clean shutdown: systemd stops every unit, as at a reboot
    c = await bootWithNodeunit({ directory: machine.dir });

    const after = await until(
      async () => {
        const states = (await c!.exec(['systemctl', 'is-active', 'boot.target', 'boot-18290.socket', 'boot@1.service', 'boot@2.service'])).stdout.trim().split('\n');
        return states.every((s) => s === 'active') ? states : undefined;
      },
      20_000,
      'the app to be active after boot',
    );
    expect(after).toEqual(['active', 'active', 'active', 'active']);
    const pids = (await c.exec(['systemctl', 'show', '-P', 'MainPID', 'boot@1.service', 'boot@2.service'])).stdout.split('\n').filter(Boolean);
    expect(pids).toHaveLength(2);
    expect(pids.every((p) => Number(p) > 0)).toBe(true);
    expect((await get(c, 'http://127.0.0.1:18290/')).code).toBe(0);
  });
});
