/**
 * Accept pacing (src/preload/accept-pacing.cjs) in effect under a real
 * systemd: `nodeunit enable --instances 4` on one shared socket, the
 * generated unit tells each instance how many share it, and
 *   - 32 keep-alive clients starting at once are served by every instance
 *     (without pacing one instance often took most connections and another none);
 *   - with three instances stopped (SIGSTOP), every request of keep-alive
 *     clients and of new connections is still answered, by the one left:
 *     pausing is bounded and shedding strands nothing.
 * On Debian's node 18 and on the pinned LTS node. No timing thresholds: only
 * who answered, with generous request timeouts. Ports 18700-18799.
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, DEBIAN_NODE, LTS_NODE, show } from './harness/nodeunit.js';

const INSTANCES = 4;
const APPS = [
  { name: 'paced18', node: DEBIAN_NODE, port: 18701 },
  { name: 'paced24', node: LTS_NODE, port: 18702 },
];

/** One keep-alive client connection: `requests` GETs in a row; the pid that answered each. */
function keepAliveClient(port: number, requests: number): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const pids: string[] = [];
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 10_000 }, (res) => {
        let body = '';
        res.on('data', (b) => (body += b));
        res.on('end', () => (pids.push(body.trim()), resolve()));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  return (async () => {
    try {
      for (let i = 0; i < requests; i++) await one();
    } finally {
      agent.destroy();
    }
    return pids;
  })();
}

/** One request on a new connection (node's http, no pooling). */
function closeRequest(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describeE2E('accept pacing spreads a shared socket over every instance', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const instancePids = async (name: string) =>
    Promise.all(Array.from({ length: INSTANCES }, async (_, i) => (await show(c, `${name}@${i + 1}.service`, 'MainPID')).MainPID));

  beforeAll(async () => {
    c = await bootWithNodeunit();
    for (const app of APPS) {
      ok(
        await c.exec(
          ['nodeunit', 'enable', app.name, '/opt/apps/hello.js', '--instances', String(INSTANCES), '--port', String(app.port), '--env', `PORT=${app.port}`, '--node', app.node],
          { timeoutMs: 150_000 },
        ),
      );
    }
  });
  afterAll(async () => {
    await c?.stop();
  });

  for (const app of APPS) {
    it(`${app.name}: each instance knows how many share the socket`, async () => {
      const env = (await show(c, `${app.name}@1.service`, 'Environment')).Environment;
      expect(env).toContain(`NODEUNIT_INSTANCES=${INSTANCES}`);
    });

    it(`${app.name}: 32 keep-alive connections opened at once reach every instance`, async () => {
      const pids = await instancePids(app.name);
      // An instance holding more than its share also asks some of its
      // connections to close (Connection: close); the client then reconnects.
      const answers = (await Promise.all(Array.from({ length: 32 }, () => keepAliveClient(app.port, 20)))).flat();
      const perInstance = new Map<string, number>();
      for (const pid of answers) perInstance.set(pid, (perInstance.get(pid) ?? 0) + 1);
      console.log(`[e2e] ${app.name}: requests per instance ${pids.map((p) => perInstance.get(p) ?? 0).join('/')}`);
      expect(answers).toHaveLength(32 * 20);
      expect([...perInstance.keys()].sort()).toEqual([...pids].sort());
    });

    it(`${app.name}: with three instances stopped, the fourth still answers every request`, async () => {
      const pids = await instancePids(app.name);
      const [alive, ...stopped] = pids;
      ok(await c.exec(['kill', '-STOP', ...stopped]));
      try {
        // Keep-alive clients: the one instance left holds far more than its
        // share, so it pauses its accepts and asks connections to close after
        // a response; each reconnect must still be accepted, by it alone.
        const keepAlive = (await Promise.all(Array.from({ length: 16 }, () => keepAliveClient(app.port, 10).catch((e: Error) => [`failed: ${e.message}`])))).flat();
        const fresh = await Promise.all(Array.from({ length: 32 }, () => closeRequest(app.port).catch((e: Error) => `failed: ${e.message}`)));
        expect(new Set([...keepAlive, ...fresh])).toEqual(new Set([alive]));
        expect(keepAlive).toHaveLength(160);
      } finally {
        ok(await c.exec(['kill', '-CONT', ...stopped]));
      }
    });
  }
});
