/**
 * Fault matrix: the app's node binary replaced on disk while it runs (as
 * `apt upgrade nodejs` does: a new file renamed over the old one), under
 * keep-alive load, real systemd 252. Nothing fails meanwhile, `status` says
 * a reload picks up the new node, and `reload` does it with 0 failed.
 * Ports 18640-18649.
 */
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit } from './harness/nodeunit.js';

const PORT = 18640;
const NODE = '/opt/node-x/node';

describeE2E('fault: node replaced on disk while the app runs', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const json = async () => {
    const r = await c.exec(['nodeunit', 'status', 'web', '--json']);
    ok(r);
    return JSON.parse(r.stdout).apps[0].instances as Array<{ state: string; binaryReplaced: boolean; pid: number }>;
  };

  beforeAll(async () => {
    c = await bootWithNodeunit();
    ok(await c.sh(`mkdir -p /opt/node-x && cp -L /usr/bin/node ${NODE}`));
    ok(await c.exec(['nodeunit', 'enable', 'web', '/opt/apps/hello.js', '--instances', '2', '--port', String(PORT), '--env', `PORT=${PORT}`, '--node', NODE], { timeoutMs: 150_000 }));
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('status says so, and reload moves every instance to the new node with 0 failed requests', async () => {
    expect((await json()).map((i) => i.binaryReplaced)).toEqual([false, false]);
    let load!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon({ url: `http://127.0.0.1:${PORT}/`, connections: 20, duration: 60 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    const codes: Record<string, number> = {};
    load.on('reqError', (err: NodeJS.ErrnoException) => (codes[err.code ?? err.message] = (codes[err.code ?? err.message] ?? 0) + 1));
    await new Promise((r) => setTimeout(r, 500));
    ok(await c.sh(`cp ${NODE} ${NODE}.dpkg-new && mv ${NODE}.dpkg-new ${NODE}`));
    const replaced = await json();
    expect(replaced.map((i) => i.binaryReplaced)).toEqual([true, true]);
    const text = await c.exec(['nodeunit', 'status', 'web']);
    expect(text.stdout).toContain("web@1, web@2: node was replaced on disk since start; 'nodeunit reload web' moves them to the new one");
    const reload = await c.exec(['nodeunit', 'reload', 'web'], { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 500));
    load.stop();
    const result = await finished;
    ok(reload);
    const after = await json();
    const disk = (await c.sh(`ls -A /opt/node-x`)).stdout.trim();
    console.log(
      `[fault] node replaced on disk, then nodeunit reload, under keep-alive load: ${result.requests.total} requests sent, ${result.errors} errors ${JSON.stringify(codes)}, ${result.timeouts} timeouts, ${result.non2xx} non-2xx; left in /opt/node-x: ${disk}`,
    );
    expect(after.map((i) => [i.state, i.binaryReplaced])).toEqual([['active', false], ['active', false]]);
    expect(result.requests.total).toBeGreaterThan(1000);
    expect(result.errors + result.timeouts + result.non2xx).toBe(0);
    expect(disk).toBe('node');
  }, 180_000);
});
