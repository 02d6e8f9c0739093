/**
 * Fault matrix, first entry: `systemctl daemon-reload` and `systemctl
 * daemon-reexec` in a loop while 2 instances serve keep-alive load (real
 * systemd 252). Neither may fail a request or restart an instance. Reports
 * requests sent and failed, and what changed on disk. Ports 18630-18639.
 */
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, show } from './harness/nodeunit.js';

const PORT = 18630;

describeE2E('fault: daemon-reload and daemon-reexec during load', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const files = async () => (await c.sh('find /etc/systemd/system /etc/nodeunit /etc/sysusers.d -xdev -type f 2>/dev/null | sort | xargs -r md5sum')).stdout;

  beforeAll(async () => {
    c = await bootWithNodeunit();
    ok(await c.exec(['nodeunit', 'enable', 'web', '/opt/apps/hello.js', '--instances', '2', '--port', String(PORT), '--env', `PORT=${PORT}`], { timeoutMs: 150_000 }));
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('0 failed requests, no instance restarted, nothing changed on disk', async () => {
    const pids = async () => Promise.all([1, 2].map(async (n) => (await show(c, `web@${n}.service`, 'MainPID', 'NRestarts')))) ;
    const before = await pids();
    const disk = await files();
    let load!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon({ url: `http://127.0.0.1:${PORT}/`, connections: 20, duration: 30 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    const codes: Record<string, number> = {};
    load.on('reqError', (err: NodeJS.ErrnoException) => (codes[err.code ?? err.message] = (codes[err.code ?? err.message] ?? 0) + 1));
    await new Promise((r) => setTimeout(r, 500));
    const loop = await c.sh('for i in 1 2 3 4 5; do systemctl daemon-reload || exit 1; systemctl daemon-reexec || exit 1; done; echo done', { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 500));
    load.stop();
    const result = await finished;
    ok(loop);
    const after = await pids();
    console.log(
      `[fault] 5 x (daemon-reload + daemon-reexec) under keep-alive load: ${result.requests.total} requests sent, ${result.errors} errors ${JSON.stringify(codes)}, ${result.timeouts} timeouts, ${result.non2xx} non-2xx; instances ${JSON.stringify(before)} -> ${JSON.stringify(after)}`,
    );
    expect(result.requests.total).toBeGreaterThan(1000);
    expect(result.errors + result.timeouts + result.non2xx).toBe(0);
    expect(after).toEqual(before);
    expect(await files()).toBe(disk);
    const st = await c.exec(['nodeunit', 'status', 'web', '--json']);
    ok(st);
    expect(JSON.parse(st.stdout).apps[0].instances.map((i: { state: string }) => i.state)).toEqual(['active', 'active']);
  }, 180_000);
});
