/**
 * The launcher under a real systemd, each scenario with a handwritten unit
 * as an operator would write it. Ports 181xx (containers share the host's
 * network; other e2e files use other ranges).
 */
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { appOutput, bootWithNodeunit, get, journal, RUNTIMES, show, until, writeUnit } from './harness/nodeunit.js';

describeE2E('nodeunit as ExecStart under systemd', () => {
  let c: Container;
  beforeAll(async () => {
    c = await bootWithNodeunit();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it.each(RUNTIMES.map(([label, node], i) => [label, node, 18101 + i] as const))(
    'with %s: start blocks until the app listens, node is the Main PID and the only process',
    async (_label, node, port) => {
      const unit = `slow-${port}.service`;
      await writeUnit(
        c,
        unit,
        `[Service]
        Type=notify
        ExecStart=/usr/bin/nodeunit --node ${node} --max-old-space-size=256 /opt/apps/hello.js --some-app-flag
        Environment=PORT=${port} LISTEN_DELAY_MS=2000
        WatchdogSec=10
        DynamicUser=yes
        ProtectSystem=strict
        PrivateTmp=yes
        `,
      );
      const t0 = Date.now();
      const start = await c.exec(['systemctl', 'start', unit]);
      const took = Date.now() - t0;
      expect(start.code, start.stderr).toBe(0);
      expect(took).toBeGreaterThanOrEqual(2000);
      expect((await c.exec(['systemctl', 'is-active', unit])).stdout.trim()).toBe('active');

      const { MainPID, StatusText, ControlGroup } = await show(c, unit, 'MainPID', 'StatusText', 'ControlGroup');
      expect(StatusText).toBe(`Ready: listening on [::]:${port}`);
      const exe = await c.exec(['readlink', `/proc/${MainPID}/exe`]);
      expect(exe.stdout.trim()).toBe(node);
      // cgroup v2, or the name=systemd hierarchy of a v1 host.
      const procs = await c.sh(`cat /sys/fs/cgroup${ControlGroup}/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup/systemd${ControlGroup}/cgroup.procs`);
      expect(procs.stdout.trim().split('\n')).toEqual([MainPID]);
      const cmdline = (await c.exec(['sh', '-c', `tr '\\0' ' ' < /proc/${MainPID}/cmdline`])).stdout;
      expect(cmdline).toMatch(new RegExp(`^${node} --max-old-space-size=256 --require /usr/lib/nodeunit/[^ ]+/preload.cjs /opt/apps/hello.js --some-app-flag $`));

      const answer = await get(c, `http://127.0.0.1:${port}/`);
      expect(answer.stdout.trim()).toBe(MainPID);
      // The app sees none of systemd's or nodeunit's plumbing.
      const env = JSON.parse((await get(c, `http://127.0.0.1:${port}/env`)).stdout);
      expect(env.keys.filter((k: string) => /^(NOTIFY_SOCKET|WATCHDOG_(USEC|PID)|LISTEN_(FDS|PID|FDNAMES)|NODEUNIT_(NOTIFY|READY|DRAIN|ADOPT))/.test(k))).toEqual([]);
      expect(await journal(c, unit)).not.toMatch(/ExperimentalWarning|Warning:/);
      await c.exec(['systemctl', 'stop', unit]);
    },
  );

  it('lets the request in flight finish when the service stops', async () => {
    const port = 18110;
    const unit = 'drain.service';
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit /opt/apps/hello.js\nEnvironment=PORT=${port}\n`);
    expect((await c.exec(['systemctl', 'start', unit])).code).toBe(0);
    const slow = get(c, `http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 300));
    const stop = await c.exec(['systemctl', 'stop', unit]);
    expect(stop.code).toBe(0);
    const answer = await slow;
    expect(answer.code, answer.stderr).toBe(0);
    expect(answer.stdout).toMatch(/^slow \d+/);
    const { Result, ExecMainStatus } = await show(c, unit, 'Result', 'ExecMainStatus');
    expect(Result).toBe('success');
    expect(ExecMainStatus).toBe('0');
  });

  it('a hung event loop is killed by the watchdog and the app is restarted', async () => {
    const port = 18111;
    const unit = 'hang.service';
    await writeUnit(
      c,
      unit,
      `[Service]
      Type=notify
      ExecStart=/usr/bin/nodeunit /opt/apps/hello.js
      Environment=PORT=${port}
      WatchdogSec=2
      Restart=on-failure
      RestartSec=500ms
      `,
    );
    expect((await c.exec(['systemctl', 'start', unit])).code).toBe(0);
    const before = (await show(c, unit, 'MainPID')).MainPID;
    await get(c, `http://127.0.0.1:${port}/hang`);
    await until(async () => Number((await show(c, unit, 'NRestarts')).NRestarts) >= 1, 15_000, 'a restart');
    await until(async () => (await get(c, `http://127.0.0.1:${port}/`)).code === 0, 10_000, 'the app to serve again');
    const after = await show(c, unit, 'MainPID', 'ActiveState');
    expect(after.ActiveState).toBe('active');
    expect(after.MainPID).not.toBe(before);
    expect(await journal(c, unit)).toMatch(/Watchdog timeout|Failed with result 'watchdog'/);
    expect(await journal(c, unit)).toMatch(/Failed with result 'watchdog'/);
    await c.exec(['systemctl', 'stop', unit]);
  });

  it('a socket unit shared by 3 instances: all answer, and a rolling restart under keep-alive load fails no request', async () => {
    const port = 18150;
    await writeUnit(
      c,
      'shared.socket',
      `[Socket]
      ListenStream=127.0.0.1:${port}
      FileDescriptorName=${port}
      Service=shared@1.service
      `,
    );
    await writeUnit(
      c,
      'shared@.service',
      `[Unit]
      Requires=shared.socket
      After=shared.socket
      [Service]
      Type=notify
      Sockets=shared.socket
      NonBlocking=yes
      ExecStart=/usr/bin/nodeunit /opt/apps/hello.js
      Environment=PORT=9999 NODEUNIT_INSTANCE=%i
      `,
    );
    const start = await c.exec(['systemctl', 'start', 'shared@1', 'shared@2', 'shared@3']);
    expect(start.code, start.stderr).toBe(0);
    const pids = new Set<string>();
    for (let i = 0; i < 3; i++) pids.add((await show(c, `shared@${i + 1}.service`, 'MainPID')).MainPID);
    expect(pids.size).toBe(3);
    // Each instance serves on systemd's socket although the app asked for port 9999.
    const seen = new Set<string>();
    for (let i = 0; i < 300 && seen.size < 3; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
      seen.add((await r.text()).trim());
    }
    expect([...seen].sort()).toEqual([...pids].sort());

    let load!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon({ url: `http://127.0.0.1:${port}/`, connections: 20, duration: 30 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    await new Promise((r) => setTimeout(r, 1000));
    for (const i of [1, 2, 3]) {
      const restart = await c.exec(['systemctl', 'restart', `shared@${i}`]);
      expect(restart.code, restart.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 1000));
    load.stop();
    const result = await finished;
    console.log(
      `[e2e] rolling restart of 3 instances: ${result.requests.total} requests, ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`,
    );
    expect(result.requests.total).toBeGreaterThan(1000);
    expect(result.errors + result.timeouts + result.non2xx).toBe(0);
    for (const i of [1, 2, 3]) expect((await show(c, `shared@${i}.service`, 'MainPID')).MainPID).not.toMatch(new RegExp(`^(${[...pids].join('|')})$`));
    await c.exec(['systemctl', 'stop', 'shared@1', 'shared@2', 'shared@3', 'shared.socket']);
  });

  it('an app that listens on { fd: 3 } itself keeps working; --no-adopt leaves listen(port) alone', async () => {
    await writeUnit(c, 'own-fd.socket', `[Socket]\nListenStream=127.0.0.1:18160\nService=own-fd.service\n`);
    await writeUnit(c, 'own-fd.service', `[Service]\nType=notify\nSockets=own-fd.socket\nExecStart=/usr/bin/nodeunit /opt/apps/listen-fd3.js\n`);
    await writeUnit(c, 'no-adopt.socket', `[Socket]\nListenStream=127.0.0.1:18161\nService=no-adopt.service\n`);
    await writeUnit(
      c,
      'no-adopt.service',
      `[Service]\nType=notify\nSockets=no-adopt.socket\nExecStart=/usr/bin/nodeunit --no-adopt /opt/apps/hello.js\nEnvironment=PORT=18162\n`,
    );
    const start = await c.exec(['systemctl', 'start', 'own-fd.service', 'no-adopt.service']);
    expect(start.code, start.stderr).toBe(0);
    expect((await get(c, 'http://127.0.0.1:18160/')).stdout).toMatch(/^fd3 \d+/);
    const pid = (await show(c, 'no-adopt.service', 'MainPID')).MainPID;
    expect((await get(c, 'http://127.0.0.1:18162/')).stdout.trim()).toBe(pid);
    await c.exec(['systemctl', 'stop', 'own-fd.service', 'no-adopt.service', 'own-fd.socket', 'no-adopt.socket']);
  });

  it.each([
    ['with NonBlocking=yes', 'NonBlocking=yes', 18155, 0],
    ['without NonBlocking=, which the launcher warns about', '', 18156, 1],
  ])('a socket shared by 3 instances, one restarting under sparse traffic (%s)', async (_what, directive, port, warnings) => {
    // systemd clears O_NONBLOCK on passed fds at each start unless NonBlocking=yes,
    // and the flag is shared by every instance of the socket: an instance that
    // then loses an accept() race blocks in accept(), with its event loop, until
    // the next connection comes (seen here as requests that hang). Only
    // NonBlocking=yes prevents it; without it the launcher says so in the journal.
    if (warnings > 0) {
      // The hazard itself is timing-dependent; the warning is not.
      const name = `nb${port}`;
      await writeUnit(c, `${name}.socket`, `[Socket]\nListenStream=127.0.0.1:${port}\nService=${name}.service\n`);
      await writeUnit(c, `${name}.service`, `[Service]\nType=notify\nSockets=${name}.socket\nExecStart=/usr/bin/nodeunit /opt/apps/hello.js\n`);
      expect((await c.exec(['systemctl', 'start', `${name}.service`])).code).toBe(0);
      expect(await appOutput(c, `${name}.service`)).toEqual([
        'nodeunit: warning: systemd passed fd 3 in blocking mode; if several services share this socket, add NonBlocking=yes to the unit (systemd.service(5))',
      ]);
      await c.exec(['systemctl', 'stop', `${name}.service`, `${name}.socket`]);
      return;
    }
    const name = `nb${port}`;
    await writeUnit(c, `${name}.socket`, `[Socket]\nListenStream=127.0.0.1:${port}\nService=${name}@1.service\n`);
    await writeUnit(
      c,
      `${name}@.service`,
      `[Unit]\nRequires=${name}.socket\nAfter=${name}.socket\nStartLimitIntervalSec=0\n[Service]\nType=notify\nSockets=${name}.socket\n${directive}\nExecStart=/usr/bin/nodeunit /opt/apps/hello.js\n`,
    );
    expect((await c.exec(['systemctl', 'start', `${name}@1`, `${name}@2`, `${name}@3`])).code).toBe(0);
    let stop = false;
    const traffic = (async () => {
      let failed = 0;
      while (!stop) {
        try {
          await (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(3000) })).text();
        } catch {
          failed++;
        }
        // Sparse on purpose: under dense traffic the next connection frees a
        // blocked instance at once and hides the fault.
        await new Promise((r) => setTimeout(r, 25));
      }
      return failed;
    })();
    for (let i = 0; i < 5; i++) {
      const restart = await c.exec(['systemctl', 'restart', `${name}@2`]);
      expect(restart.code, restart.stderr + (await journal(c, `${name}@2.service`)).slice(-1500)).toBe(0);
    }
    stop = true;
    expect(await traffic).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    // Idle now: no main thread may sit in accept (43) or accept4 (288).
    for (const i of [1, 2, 3]) {
      const pid = (await show(c, `${name}@${i}.service`, 'MainPID')).MainPID;
      const syscall = (await c.exec(['cat', `/proc/${pid}/syscall`])).stdout.split(' ')[0];
      expect(['43', '288'], `${name}@${i} is blocked in accept()`).not.toContain(syscall);
    }
    for (let i = 0; i < 20; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(3000) });
      expect(r.status).toBe(200);
      await r.text();
    }
    await c.exec(['systemctl', 'stop', `${name}@1`, `${name}@2`, `${name}@3`, `${name}.socket`]);
  });

  it.each(RUNTIMES)('an ES module app is ready when it listens (%s)', async (_label, node) => {
    const port = node === RUNTIMES[0][1] ? 18120 : 18121;
    const unit = `esm-${port}.service`;
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit --node ${node} /opt/apps/esm.mjs\nEnvironment=PORT=${port}\n`);
    expect((await c.exec(['systemctl', 'start', unit])).code).toBe(0);
    expect((await get(c, `http://127.0.0.1:${port}/`)).stdout).toMatch(/^esm \d+/);
    await c.exec(['systemctl', 'stop', unit]);
  });

  it("an app with its own SIGTERM handler owns its shutdown", async () => {
    const port = 18122;
    const unit = 'own.service';
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit /opt/apps/own-sigterm.js\nEnvironment=PORT=${port}\n`);
    expect((await c.exec(['systemctl', 'start', unit])).code).toBe(0);
    expect((await c.exec(['systemctl', 'stop', unit])).code).toBe(0);
    expect(await appOutput(c, unit)).toEqual(['app: SIGTERM handler ran', 'app: closed, exiting 0']);
    expect((await show(c, unit, 'Result')).Result).toBe('success');
  });

  it.each(RUNTIMES)("--ready=manual: ready when the app calls process.send('ready') (%s)", async (_label, node) => {
    const unit = node === RUNTIMES[0][1] ? 'manual-18.service' : 'manual-lts.service';
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit --node ${node} --ready=manual /opt/apps/manual-ready.js\n`);
    const t0 = Date.now();
    const start = await c.exec(['systemctl', 'start', unit]);
    expect(start.code, start.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(await appOutput(c, unit)).toEqual(['app: warming done, sending ready']);
    expect((await show(c, unit, 'StatusText')).StatusText).toBe('Ready: not listening');
    await c.exec(['systemctl', 'stop', unit]);
  });

  it('an app that never listens fails within TimeoutStartSec, saying what it waited for', async () => {
    const unit = 'never.service';
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit /opt/apps/never-listens.js\nTimeoutStartSec=3\n`);
    const t0 = Date.now();
    const start = await c.exec(['systemctl', 'start', unit]);
    const took = Date.now() - t0;
    expect(start.code).not.toBe(0);
    expect(took).toBeLessThan(10_000);
    expect((await show(c, unit, 'Result')).Result).toBe('timeout');
    expect(await journal(c, unit)).toMatch(/start operation timed out/i);
    const status = await c.exec(['systemctl', 'status', '--no-pager', unit]);
    expect(status.stdout).toContain('Starting: waiting for the app to listen (--ready=listen)');
  });

  it('stdout and stderr reach the journal byte for byte', async () => {
    const port = 18123;
    const unit = 'bytes.service';
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit /opt/apps/stdout-bytes.js\nEnvironment=PORT=${port}\n`);
    await writeUnit(c, 'bytes-plain.service', `[Service]\nType=exec\nExecStart=/usr/bin/node /opt/apps/stdout-bytes.js\nEnvironment=PORT=${port + 1}\n`);
    expect((await c.exec(['systemctl', 'start', unit, 'bytes-plain.service'])).code).toBe(0);
    await until(async () => (await appOutput(c, unit)).length >= 4 && (await appOutput(c, 'bytes-plain.service')).length >= 4, 5000, 'the output');
    // Exactly what plain node under systemd gives (journald itself strips trailing whitespace).
    expect(await appOutput(c, unit)).toEqual(await appOutput(c, 'bytes-plain.service'));
    expect(await appOutput(c, unit)).toEqual([
      '{"level":30,"time":1732600000000,"pid":1,"hostname":"h","msg":"hello \\"world\\" ünïcødé ✓"}',
      '  leading and trailing spaces',
      'tab\tseparated\tfields',
      '{"level":50,"msg":"to stderr"}',
    ]);
    await c.exec(['systemctl', 'stop', unit, 'bytes-plain.service']);
  });

  it.each([
    ['a missing script', 'ExecStart=/usr/bin/nodeunit /opt/apps/missing.js', /^nodeunit: cannot find script \/opt\/apps\/missing\.js: no such file$/],
    ['no node', 'ExecStart=/usr/bin/nodeunit /opt/apps/hello.js\nEnvironment=PATH=/nonexistent', /^nodeunit: cannot find node: .*pass --node \/path\/to\/node$/],
    ['a bad nodeunit flag', 'ExecStart=/usr/bin/nodeunit --ready=soon /opt/apps/hello.js', /^nodeunit: --ready must be listen, manual or start, not 'soon'$/],
    ['a bad node flag', 'ExecStart=/usr/bin/nodeunit --no-such-flag /opt/apps/hello.js', /node: bad option: --no-such-flag$/],
  ])('%s fails the start at once with one clear line', async (what, exec, line) => {
    const unit = `bad-${what.replace(/\W+/g, '-')}.service`;
    await writeUnit(c, unit, `[Service]\nType=notify\n${exec}\nTimeoutStartSec=60\n`);
    const t0 = Date.now();
    const start = await c.exec(['systemctl', 'start', unit]);
    expect(start.code).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const output = await appOutput(c, unit);
    expect(output).toHaveLength(1);
    expect(output[0]).toMatch(line);
    expect((await show(c, unit, 'Result')).Result).toBe('exit-code');
  });
  it('missing runtime files fail the start at once, naming the fix', async () => {
    const unit = 'no-runtime.service';
    await writeUnit(c, unit, `[Service]\nType=notify\nExecStart=/usr/bin/nodeunit /opt/apps/hello.js\nEnvironment=PORT=18163\n`);
    expect((await c.sh('mv /usr/lib/nodeunit /usr/lib/nodeunit.away')).code).toBe(0);
    try {
      const start = await c.exec(['systemctl', 'start', unit]);
      expect(start.code).not.toBe(0);
      const output = await appOutput(c, unit);
      expect(output).toHaveLength(1);
      expect(output[0]).toMatch(/^nodeunit: runtime file \/usr\/lib\/nodeunit\/[^/]+\/preload\.cjs is missing; run 'nodeunit setup' as root, or reinstall the nodeunit package$/);
    } finally {
      await c.sh('mv /usr/lib/nodeunit.away /usr/lib/nodeunit');
    }
  });
});
