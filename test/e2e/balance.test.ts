/**
 * Accept pacing (src/preload/accept-pacing.cjs) in effect under a real
 * systemd: `nodeunit enable --instances 4` on one shared socket, the
 * generated unit tells each instance how many share it, and
 *   - 32 keep-alive clients starting at once are served by every instance
 *     (without pacing one instance often took most connections and another none);
 *   - with three instances stopped (SIGSTOP), every request of keep-alive
 *     clients and of new connections is still answered, by the one left:
 *     pausing is bounded and shedding strands nothing;
 *   - after `nodeunit scale NAME 6` the new instances get connections too,
 *     while the 4 already running keep their pids (they count the processes
 *     holding the socket, not the number they were started with).
 * On Debian's node 18 and on the pinned LTS node. No timing thresholds: only
 * who answered, with generous request timeouts. Ports 18700-18799.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
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

/**
 * At least `want` TIME_WAIT sockets on the host (the containers share its
 * network): a throwaway server that closes every connection first, and
 * clients that connect until /proc/net/sockstat counts enough.
 */
async function timeWaitSockets(want: number): Promise<number> {
  const tw = () => Number(/TCP: .* tw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'latin1'))?.[1] ?? 0);
  if (tw() >= want) return tw();
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  const one = () =>
    new Promise<void>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.on('end', () => c.end());
      c.on('close', () => resolve());
      c.on('error', () => resolve());
    });
  try {
    for (let round = 0; round < 100 && tw() < want; round++) await Promise.all(Array.from({ length: 200 }, one));
  } finally {
    server.close();
  }
  return tw();
}

/** Established connections to `port` per pid, as `ss` in the container shows them. */
async function heldPerPid(c: Container, port: number): Promise<Map<string, number>> {
  const out = (await c.sh(`ss -Htnp state established '( sport = :${port} )'`)).stdout;
  const held = new Map<string, number>();
  for (const m of out.matchAll(/pid=(\d+)/g)) held.set(m[1], (held.get(m[1]) ?? 0) + 1);
  return held;
}

describeE2E('accept pacing spreads a shared socket over every instance', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const instancePids = async (name: string, count = INSTANCES) =>
    Promise.all(Array.from({ length: count }, async (_, i) => (await show(c, `${name}@${i + 1}.service`, 'MainPID')).MainPID));
  /** Each answering pid and how many requests it answered, for `clients` keep-alive clients of 20 requests. */
  const spread = async (port: number, clients: number) => {
    const answers = (await Promise.all(Array.from({ length: clients }, () => keepAliveClient(port, 20)))).flat();
    const perInstance = new Map<string, number>();
    for (const pid of answers) perInstance.set(pid, (perInstance.get(pid) ?? 0) + 1);
    return { answers, perInstance };
  };

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

    it(`${app.name}: Node's compile cache is in the unit's CacheDirectory= on Node >= 22.10, and absent on older Node`, async () => {
      // The preload flushes it once the instance is ready (src/preload/compile-cache.cjs).
      const version = (await c.exec([app.node, '-p', 'process.versions.node'])).stdout.trim();
      const [major, minor] = version.split('.').map(Number);
      const files = Number((await c.sh(`find -L /var/cache/${app.name} -type f 2>/dev/null | wc -l`)).stdout.trim());
      console.log(`[e2e] ${app.name}: node ${version}, ${files} compile cache files in /var/cache/${app.name}`);
      if (major > 22 || (major === 22 && minor >= 10)) expect(files).toBeGreaterThan(0);
      else expect(files).toBe(0);
    });

    it(`${app.name}: 32 keep-alive connections opened at once reach every instance`, async () => {
      const pids = await instancePids(app.name);
      // An instance holding more than its share also asks some of its
      // connections to close (Connection: close); the client then reconnects.
      const { answers, perInstance } = await spread(app.port, 32);
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

    it(`${app.name}: with over 9,000 TIME_WAIT sockets on the host, 32 keep-alive connections end up within 0.5-1.5x of 8 per instance`, async () => {
      // Reading the host's /proc/net/tcp for the total gave up beyond ~6,000
      // sockets (pacing off); the instances now share their counts in
      // /run/nodeunit/NAME instead, one <port>.<pid> file each.
      expect(await timeWaitSockets(9000)).toBeGreaterThanOrEqual(9000);
      const pids = await instancePids(app.name);
      expect((await c.sh(`ls /run/nodeunit/${app.name}`)).stdout.split('\n').filter(Boolean).sort()).toEqual(pids.map((p) => `${app.port}.${p}`).sort());
      // 32 clients, each one keep-alive connection at a time, 200 requests each:
      // an instance above its share of 8 asks connections to close, and the
      // client's next request reconnects. Counted while the agents still hold them.
      const agents = Array.from({ length: 32 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
      const get = (agent: http.Agent) =>
        new Promise<void>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port: app.port, path: '/', agent, timeout: 10_000 }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', reject);
        });
      try {
        await Promise.all(agents.map(async (agent) => {
          for (let i = 0; i < 200; i++) await get(agent);
        }));
        const held = await heldPerPid(c, app.port);
        console.log(`[e2e] ${app.name}: connections held per instance ${pids.map((p) => held.get(p) ?? 0).join('/')}`);
        // Issue 10's band, 0.5-1.5x of the fair 8 (pacing off gave 2/10/10/10 and
        // 6/6/6/14 here). Mostly 8/8/8/8, not always: a connection shed on its
        // agent's last request is not reopened, and one that lands beyond an
        // instance's share on its agent's last request is never shed (7/6/10/9
        // seen, 1 run in 5, with the bounds 5-9 this test had before).
        const say = `${pids.map((p) => held.get(p) ?? 0).join('/')}`;
        for (const p of pids) expect(held.get(p) ?? 0, say).toBeGreaterThanOrEqual(4);
        for (const p of pids) expect(held.get(p) ?? 0, say).toBeLessThanOrEqual(12);
      } finally {
        for (const a of agents) a.destroy();
      }
      // Every connection is gone now, some while their instance had stopped
      // accepting: each instance still runs, with the same pid (a paused one
      // whose loop had nothing else left once exited with status 0).
      await new Promise((r) => setTimeout(r, 500));
      expect(await instancePids(app.name)).toEqual(pids);
    });

    it(`${app.name}: after scale to 6, the 4 running instances make room for the new ones without a restart`, async () => {
      const before = await instancePids(app.name);
      ok(await c.exec(['nodeunit', 'scale', app.name, '6'], { timeoutMs: 150_000 }));
      const pids = await instancePids(app.name, 6);
      expect(pids.slice(0, 4)).toEqual(before);
      // New instances start with the new count; the running ones count the
      // processes holding the socket. Had they kept NODEUNIT_INSTANCES=4, the
      // 4 would take their "share" of 36 connections (9 each) and the new
      // ones could go without.
      expect((await show(c, `${app.name}@6.service`, 'Environment')).Environment).toContain('NODEUNIT_INSTANCES=6');
      expect((await show(c, `${app.name}@1.service`, 'Environment')).Environment).toContain('NODEUNIT_INSTANCES=6'); // the template; the process still has 4
      const { answers, perInstance } = await spread(app.port, 36);
      console.log(`[e2e] ${app.name} after scale 6: requests per instance ${pids.map((p) => perInstance.get(p) ?? 0).join('/')}`);
      expect(answers).toHaveLength(36 * 20);
      expect([...perInstance.keys()].sort()).toEqual([...pids].sort());
      ok(await c.exec(['nodeunit', 'scale', app.name, String(INSTANCES)], { timeoutMs: 150_000 }));
      // Stopping instances 5 and 6 leaves the shared directory to the others (RuntimeDirectoryPreserve=yes).
      const files = (await c.sh(`ls /run/nodeunit/${app.name}`)).stdout.split('\n').filter(Boolean);
      for (const p of pids.slice(0, 4)) expect(files).toContain(`${app.port}.${p}`);
    });
  }
});
