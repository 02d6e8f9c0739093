/**
 * `nodeunit status` explains failures, against a real systemd: a crash loop,
 * the start limit that ends it, and a watchdog kill. Ports 18610-18619 (the
 * 186xx range of issue 9).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, until } from './harness/nodeunit.js';

const PORT = 18610;

interface JsonInstance { state: string; subState: string; failure: string | null; lastOutput: string | null; status: string }

describeE2E('status explains failures', () => {
  let c: Container;
  const nu = (args: string[]) => c.exec(['nodeunit', ...args], { timeoutMs: 150_000 });
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const instance = async (app: string): Promise<JsonInstance> => {
    const r = await nu(['status', app, '--json']);
    ok(r);
    return (JSON.parse(r.stdout) as { apps: Array<{ instances: JsonInstance[] }> }).apps[0].instances[0];
  };

  beforeAll(async () => {
    c = await bootWithNodeunit();
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('a crash loop: what the app does, how often, when the next try comes, its last line', async () => {
    ok(await nu(['enable', 'crashy', '/opt/apps/crash.js', '--no-start']));
    ok(await c.exec(['systemctl', 'start', '--no-block', 'crashy@1.service']));
    const seen = await until(async () => {
      const i = await instance('crashy');
      return i.failure !== null && /times in/.test(i.failure) ? i : undefined;
    }, 20_000, 'a crash loop in status --json');
    expect(seen?.failure).toMatch(/^crash loop: exited 1 \(\d+ times in \d+ s\), (next try in \d s|starting again now)$/);
    expect(seen?.lastOutput).toBe('listening needs DATABASE_URL: it is not set');
    const text = await nu(['status', 'crashy']);
    ok(text);
    expect(text.stdout).toMatch(/crashy@1 +activating \([a-z-]+\) .* crash loop: exited 1 \(/);
    expect(text.stdout).toContain('crashy@1 last output: listening needs DATABASE_URL: it is not set');
    expect(text.stdout).not.toContain('Starting: waiting for the app to listen');
  });

  it('after the start limit: stopped, and what to do', async () => {
    // On systemd >= 254 the generated RestartSteps= stretch a crash loop to
    // ~2.5 min before the start limit (1 ms growing to 60 s); this test is
    // about what status says then, so a drop-in takes the steps away and the
    // limit comes within seconds, as on 247/252 (which ignore the key). A
    // fresh app, so that no earlier start counts.
    ok(await nu(['enable', 'crashy2', '/opt/apps/crash.js', '--no-start']));
    await c.writeFile('/etc/systemd/system/crashy2@.service.d/zz-test-fast-loop.conf', '[Service]\nRestartSteps=0\n');
    ok(await c.exec(['systemctl', 'daemon-reload']));
    ok(await c.exec(['systemctl', 'start', '--no-block', 'crashy2@1.service']));
    const i = await until(async () => {
      const s = await instance('crashy2');
      return s.state === 'failed' ? s : undefined;
    }, 40_000, 'the start limit');
    expect(i?.failure).toMatch(/^stopped: started 10 times in \d+ s and never became ready; fix it, then 'nodeunit restart crashy2'$/);
    const text = await nu(['status', 'crashy2']);
    expect(text.stdout).toMatch(/crashy2@1 +failed +- .*stopped: started 10 times/);
    // The advice works once the app is fixed: restart resets the start limit.
    await c.writeFile('/opt/crashy-fixed.js', "require('http').createServer((q, s) => s.end('ok')).listen(18611);\n");
    ok(await nu(['enable', 'crashy2', '/opt/crashy-fixed.js', '--no-start']));
    const restarted = await nu(['restart', 'crashy2']);
    ok(restarted);
    expect((await instance('crashy2')).failure).toBeNull();
  });

  it('a watchdog kill: restarted, event loop blocked > WatchdogSec', async () => {
    ok(await nu(['enable', 'wd', '/opt/apps/hello.js', '--port', String(PORT), '--env', `PORT=${PORT}`, '--watchdog', '2']));
    ok(await c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${PORT}/hang`]));
    const i = await until(async () => {
      const s = await instance('wd');
      return s.state === 'active' && s.failure !== null ? s : undefined;
    }, 20_000, 'the watchdog restart');
    expect(i?.failure).toMatch(/^restarted: event loop blocked > 2 s \(\d+ s ago\)$/);
    const text = await nu(['status', 'wd']);
    expect(text.stdout).toMatch(/^ {2}wd@1: restarted: event loop blocked > 2 s/m);
  });
});
