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

  it('enable of an app under /home/ubuntu keeps the sandbox, runs as the owner, writes only to its --writable directory', async () => {
    ok(await c.sh('useradd -m -s /bin/sh ubuntu && mkdir -p /home/ubuntu/app/data && cp /opt/apps/writes.js /home/ubuntu/app/ && chown -R ubuntu:ubuntu /home/ubuntu/app && chmod 750 /home/ubuntu'));
    // A relative or missing --writable directory: one line, nothing written.
    const rel = await c.exec(['nodeunit', 'enable', 'homeapp', '/home/ubuntu/app/writes.js', '--writable', 'data']);
    expect(rel.code).toBe(2);
    expect(rel.stderr.trim()).toBe("nodeunit: --writable 'data' is not an absolute path; give the directory's full path, starting with /");
    const missing = await c.exec(['nodeunit', 'enable', 'homeapp', '/home/ubuntu/app/writes.js', '--writable', '/home/ubuntu/app/nope']);
    console.log(`[e2e] enable --writable of a missing directory: exit ${missing.code}: ${missing.stderr.trim()}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('nodeunit: --writable /home/ubuntu/app/nope: no such directory; create it (writable by user ubuntu) or fix the path');
    expect((await c.sh('ls /etc/systemd/system | grep -c homeapp || true')).stdout.trim()).toBe('0');
    const writeTo = '/home/ubuntu/app/data/out.txt:/home/ubuntu/app/elsewhere.txt';
    const r = await c.exec(
      ['nodeunit', 'enable', 'homeapp', '/home/ubuntu/app/writes.js', '--port', String(PORT + 1), '--env', `PORT=${PORT + 1}`, '--env', `WRITE_TO=${writeTo}`, '--writable', '/home/ubuntu/app/data', '--', 'from-home'],
      { timeoutMs: 150_000 },
    );
    ok(r);
    const unit = (await c.exec(['cat', '/etc/systemd/system/homeapp@.service'])).stdout;
    expect(unit).toContain('ProtectHome=tmpfs\n');
    expect(unit).toContain('BindReadOnlyPaths=/home/ubuntu/app\n');
    expect(unit).toContain('BindPaths=/home/ubuntu/app/data\n');
    expect(unit).toContain('ReadWritePaths=/home/ubuntu/app/data\n');
    expect(unit).toContain('User=ubuntu\n');
    const answer = await get(c, `http://127.0.0.1:${PORT + 1}/`);
    ok(answer);
    const seen = JSON.parse(answer.stdout);
    console.log(`[e2e] enable under /home with --writable /home/ubuntu/app/data: the app's writes: ${JSON.stringify(seen.wrote)}`);
    expect(seen.argv).toEqual(['from-home']);
    // The app (as ubuntu, who owns both directories) writes into the writable one and nowhere else in its directory.
    expect(seen.wrote).toEqual({ '/home/ubuntu/app/data/out.txt': 'ok', '/home/ubuntu/app/elsewhere.txt': 'EROFS' });
    expect((await c.exec(['cat', '/home/ubuntu/app/data/out.txt'])).stdout).toMatch(/^written by pid \d+/);
    expect((await c.exec(['test', '-e', '/home/ubuntu/app/elsewhere.txt'])).code).toBe(1);
    const sec = await c.exec(['systemd-analyze', 'security', '--no-pager', 'homeapp@1.service']);
    const score = Number(/Overall exposure level for \S+: (\d+\.\d+)/.exec(sec.stdout)![1]);
    console.log(`[e2e] enable under /home with --writable: systemd-analyze security homeapp@1.service: exposure ${score}`);
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
