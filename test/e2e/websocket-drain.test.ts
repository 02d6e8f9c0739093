/**
 * Long-lived connections under `nodeunit reload`, against a real systemd
 * (Debian 12, systemd 252, Debian's node 18): 200 WebSocket clients (the
 * `ws` package) on 2 instances behind the shared socket. Every client must
 * be ended with a close frame (1001 going away / 1012 service restart),
 * none dropped (1006), and each instance must stop within its drain
 * timeout. Ports 18620-18629.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit } from './harness/nodeunit.js';

const PORT = 18620;
const CLIENTS = 200;
const DRAIN_TIMEOUT = 5;

describeE2E('WebSocket clients under nodeunit reload', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);

  beforeAll(async () => {
    c = await bootWithNodeunit({ binds: [{ host: resolve('node_modules/ws'), container: '/opt/ws', readOnly: true }] });
    ok(
      await c.exec(
        ['nodeunit', 'enable', 'wsapp', '/opt/apps/ws.js', '--instances', '2', '--port', String(PORT), '--env', `PORT=${PORT}`, '--env', 'WS_MODULE=/opt/ws', '--drain-timeout', String(DRAIN_TIMEOUT)],
        { timeoutMs: 150_000 },
      ),
    );
  });
  afterAll(async () => {
    await c?.stop();
  });

  it(`${CLIENTS} clients on 2 instances: reload ends every one with 1001/1012, none with 1006`, async () => {
    const clients: Array<{ pid: string; closed: Promise<number> }> = [];
    // In batches of 20: all at once, the shared socket tends to hand every connection to one instance.
    for (let i = 0; i < CLIENTS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const ws = new WebSocket(`ws://127.0.0.1:${PORT}/`);
          const pid = await new Promise<string>((ok, fail) => {
            ws.once('message', (m) => ok(String(m)));
            ws.once('error', fail);
          });
          return { pid, closed: new Promise<number>((done) => ws.once('close', (code) => done(code))) };
        }),
      );
      clients.push(...batch);
      await new Promise((r) => setTimeout(r, 20));
    }
    const perInstance: Record<string, number> = {};
    for (const cl of clients) perInstance[cl.pid] = (perInstance[cl.pid] ?? 0) + 1;
    console.log(`clients per instance (pid: count): ${JSON.stringify(perInstance)}`);

    const r = await c.exec(['nodeunit', 'reload', 'wsapp'], { timeoutMs: 120_000 });
    ok(r);
    const codes = await Promise.all(clients.map((cl) => cl.closed));
    const counts: Record<number, number> = {};
    for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
    const times = [...r.stdout.matchAll(/ready, pid \d+ -> \d+ \(([\d.]+)s\)/g)].map((m) => Number(m[1]));
    console.log(`close codes: ${JSON.stringify(counts)}; restart time per instance: ${times.join(', ')} s`);
    expect(counts[1006] ?? 0).toBe(0);
    expect((counts[1001] ?? 0) + (counts[1012] ?? 0)).toBe(CLIENTS);
    expect(times).toHaveLength(2);
    for (const t of times) expect(t).toBeLessThanOrEqual(DRAIN_TIMEOUT);
  }, 180_000);
});
