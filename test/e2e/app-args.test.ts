/**
 * `nodeunit enable NAME SCRIPT [options] -- ARG...` against a real systemd
 * (Debian 12): the app receives every argument verbatim (spaces, quotes, %,
 * $, backslashes, an empty one), status shows them, reload keeps them, and
 * arguments given without `--` are refused with the fixed command line and
 * nothing written. Ports 185xx (issue 8's range).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, get } from './harness/nodeunit.js';

const PORT = 18510;
const ARGS = ['--trust-proxy', 'with space', `it's "quoted"`, '100% %i', '$HOME ${PATH}', 'back\\slash\\', ';', '', 'ünï', '--port=1'];

describeE2E('enable passes the app its arguments', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const argvSeen = async () => {
    const r = await get(c, `http://127.0.0.1:${PORT}/`);
    ok(r);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    c = await bootWithNodeunit();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('without --, enable refuses with the fixed command line and writes nothing', async () => {
    const r = await c.exec(['nodeunit', 'enable', 'argv', '/opt/apps/argv.js', '--port', String(PORT), '--trust-proxy', 'x y']);
    console.log(`[e2e] enable without --: exit ${r.code}: ${r.stderr.trim()}`);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `nodeunit: --trust-proxy 'x y': arguments for the app go after '--', like this: nodeunit enable argv /opt/apps/argv.js --port ${PORT} -- --trust-proxy 'x y'`,
    );
    expect((await c.sh('ls /etc/systemd/system | grep -c argv || true')).stdout.trim()).toBe('0');
  });

  it('with --, 2 instances receive every argument verbatim', async () => {
    const r = await c.exec(['nodeunit', 'enable', 'argv', '/opt/apps/argv.js', '--instances', '2', '--port', String(PORT), '--env', `PORT=${PORT}`, '--', ...ARGS], {
      timeoutMs: 150_000,
    });
    ok(r);
    expect(await argvSeen()).toEqual(ARGS);
  });

  it('status shows the command line with the arguments; --json has them as a list', async () => {
    const r = await c.exec(['nodeunit', 'status', 'argv']);
    ok(r);
    console.log(`[e2e] nodeunit status:\n${r.stdout}`);
    expect(r.stdout).toContain(`  command: /usr/bin/node /opt/apps/argv.js --trust-proxy 'with space' 'it'\\''s "quoted"' '100% %i' '$HOME \${PATH}' 'back\\slash\\' ';' '' 'ünï' --port=1`);
    const json = JSON.parse((await c.exec(['nodeunit', 'status', 'argv', '--json'])).stdout);
    expect(json.apps[0].command).toEqual(['/usr/bin/node', '/opt/apps/argv.js', ...ARGS]);
  });

  it('enable of an app under /home/ubuntu keeps the sandbox and runs as the owner', async () => {
    ok(await c.sh('useradd -m -s /bin/sh ubuntu && mkdir -p /home/ubuntu/app && cp /opt/apps/argv.js /home/ubuntu/app/ && chown -R ubuntu:ubuntu /home/ubuntu/app && chmod 750 /home/ubuntu'));
    const r = await c.exec(['nodeunit', 'enable', 'homeapp', '/home/ubuntu/app/argv.js', '--port', String(PORT + 1), '--env', `PORT=${PORT + 1}`, '--', 'from-home'], { timeoutMs: 150_000 });
    ok(r);
    const unit = (await c.exec(['cat', '/etc/systemd/system/homeapp@.service'])).stdout;
    expect(unit).toContain('ProtectHome=tmpfs\n');
    expect(unit).toContain('BindReadOnlyPaths=/home/ubuntu/app\n');
    expect(unit).toContain('User=ubuntu\n');
    const answer = await get(c, `http://127.0.0.1:${PORT + 1}/`);
    ok(answer);
    expect(JSON.parse(answer.stdout)).toEqual(['from-home']);
    const sec = await c.exec(['systemd-analyze', 'security', '--no-pager', 'homeapp@1.service']);
    const score = Number(/Overall exposure level for \S+: (\d+\.\d+)/.exec(sec.stdout)![1]);
    console.log(`[e2e] enable under /home: systemd-analyze security homeapp@1.service: exposure ${score}`);
    expect(score).toBeLessThanOrEqual(2.0);
    ok(await c.exec(['nodeunit', 'disable', 'homeapp'], { timeoutMs: 60_000 }));
  });

  it('reload keeps them, generate renders them, enable again is a no-op', async () => {
    ok(await c.exec(['nodeunit', 'reload', 'argv'], { timeoutMs: 60_000 }));
    expect(await argvSeen()).toEqual(ARGS);
    const again = await c.exec(['nodeunit', 'enable', 'argv', '/opt/apps/argv.js', '--instances', '2', '--port', String(PORT), '--env', `PORT=${PORT}`, '--', ...ARGS], {
      timeoutMs: 150_000,
    });
    ok(again);
    expect(again.stdout).toContain('up to date, nothing changed and nothing restarted');
    const gen = await c.exec(['nodeunit', 'generate', 'argv', '/opt/apps/argv.js', '--port', String(PORT), '--', ...ARGS]);
    ok(gen);
    const installed = (await c.exec(['grep', '^ExecStart=', '/etc/systemd/system/argv@.service'])).stdout.trim();
    expect(gen.stdout).toContain(installed);
    ok(await c.exec(['nodeunit', 'disable', 'argv'], { timeoutMs: 60_000 }));
  });
});
