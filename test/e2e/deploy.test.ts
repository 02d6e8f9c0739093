/**
 * `nodeunit deploy`, `rollback` and `releases` under a real systemd (Debian
 * 12) in a throwaway container: releases in /var/lib/nodeunit/web/releases,
 * units from `enable --release-dir`, a good and a broken deploy under
 * keep-alive load (0 failed requests each), the automatic rollback, a failed
 * --check, `rollback`, pruning. Ports 18900-18949 only.
 */
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, show } from './harness/nodeunit.js';

const PORT = 18900;
const APP = 'web';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A release: answers "<version> <pid>", /health 200 (or 500 with unhealthy). Broken: exits at start. */
function server(version: string, opts: { broken?: boolean; unhealthy?: boolean } = {}): string {
  if (opts.broken) return `console.error('${version}: cannot start: CONFIG_URL is not set'); process.exit(3);\n`;
  return `const http = require('http');
http.createServer((req, res) => {
  if (req.url === '/health') { res.statusCode = ${opts.unhealthy ? 500 : 200}; return res.end('${opts.unhealthy ? 'sick' : 'ok'}\\n'); }
  res.end('${version} ' + process.pid + '\\n');
}).listen(Number(process.env.PORT));
`;
}

describeE2E('nodeunit deploy, rollback and releases under systemd', () => {
  let c: Container;
  const nu = (args: string[], timeoutMs = 150_000) => c.exec(['nodeunit', ...args], { timeoutMs });
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const pids = async () => Promise.all([1, 2, 3].map(async (n) => (await show(c, `${APP}@${n}.service`, 'MainPID')).MainPID));
  const current = async () => (await c.exec(['readlink', `/var/lib/nodeunit/${APP}/current`])).stdout.trim().replace(/^releases\//, '');
  const versionsAnswering = async (count = 60) => {
    const seen = new Set<string>();
    for (let i = 0; i < count; i += 12) {
      const answers = await Promise.all(Array.from({ length: 12 }, async () => (await (await fetch(`http://127.0.0.1:${PORT}/`, { headers: { connection: 'close' } })).text()).split(' ')[0]));
      answers.forEach((a) => seen.add(a));
    }
    return [...seen].sort();
  };

  /** Runs `during` under keep-alive load (20 connections) and reports what the clients saw. */
  async function underLoad<T>(what: string, during: () => Promise<T>): Promise<{ value: T; total: number; failed: number; seconds: number }> {
    let load!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon({ url: `http://127.0.0.1:${PORT}/`, connections: 20, duration: 60 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    const codes: Record<string, number> = {};
    load.on('reqError', (err: NodeJS.ErrnoException) => (codes[err.code ?? err.message] = (codes[err.code ?? err.message] ?? 0) + 1));
    await sleep(1000);
    const t0 = Date.now();
    const value = await during();
    const seconds = (Date.now() - t0) / 1000;
    await sleep(1000);
    load.stop();
    const r = await finished;
    const failed = r.errors + r.timeouts + r.non2xx;
    console.log(`[e2e] ${what}: ${seconds.toFixed(1)}s; under keep-alive load ${r.requests.total} requests, ${failed} failed ${JSON.stringify(codes)} (${r.non2xx} non-2xx, ${r.timeouts} timeouts)`);
    return { value, total: r.requests.total, failed, seconds };
  }

  beforeAll(async () => {
    c = await bootWithNodeunit();
    await c.writeFile('/root/src/v1/server.js', server('v1'));
    await c.writeFile('/root/src/v2/server.js', server('v2'));
    await c.writeFile('/root/src/v3/server.js', server('v3', { broken: true }));
    await c.writeFile('/root/src/v4/server.js', server('v4', { unhealthy: true }));
    await c.writeFile('/root/src/v5/server.js', server('v5'));
    ok(await c.sh('tar -czf /root/v2.tgz -C /root/src v2'));
  });
  afterAll(async () => {
    await c?.stop();
  });

  const ids: Record<string, string> = {};

  it('deploy before enable: the release is staged and current points at it; enable --release-dir runs it', async () => {
    const r = await nu(['deploy', APP, '/root/src/v1', '--json']);
    ok(r);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ app: APP, changed: true, ok: true, previous: null, instances: [] });
    ids.v1 = res.release;
    expect(ids.v1).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(await current()).toBe(ids.v1);
    const e = await nu(['enable', APP, 'server.js', '--release-dir', '--instances', '3', '--port', String(PORT), '--env', `PORT=${PORT}`]);
    ok(e);
    expect((await c.exec(['grep', '-E', '^(ExecStart|WorkingDirectory)=', `/etc/systemd/system/${APP}@.service`])).stdout).toMatch(
      new RegExp(`ExecStart=.* /var/lib/nodeunit/${APP}/current/server.js\nWorkingDirectory=/var/lib/nodeunit/${APP}/current`),
    );
    expect(await versionsAnswering()).toEqual(['v1']);
    // enable --check: the plan only (what the Ansible module builds on).
    const same = await nu(['enable', APP, 'server.js', '--release-dir', '--instances', '3', '--port', String(PORT), '--env', `PORT=${PORT}`, '--check', '--json']);
    ok(same);
    expect(JSON.parse(same.stdout)).toMatchObject({ changed: false, installed: true, instancesToAdd: [], instancesToStart: [] });
    const more = await nu(['enable', APP, 'server.js', '--release-dir', '--instances', '4', '--port', String(PORT), '--env', `PORT=${PORT}`, '--check', '--json']);
    ok(more);
    expect(JSON.parse(more.stdout)).toMatchObject({ changed: true, instancesToAdd: [4], instancesToStart: [4] });
    expect((await c.exec(['systemctl', 'is-enabled', `${APP}@4.service`])).stdout.trim()).not.toBe('enabled');
    const status = await nu(['status', APP]);
    ok(status);
    expect(status.stdout).toMatch(new RegExp(`^  ${APP}@1\\s+running.*${ids.v1}`, 'm'));
  });

  it('a good deploy (from a tarball) under keep-alive load: every instance on v2, 0 failed requests', async () => {
    // --dry-run first: new content is a change, and nothing is written or restarted.
    const disk = async () => (await c.sh(`ls -a /var/lib/nodeunit/${APP} /var/lib/nodeunit/${APP}/releases; cat /var/lib/nodeunit/${APP}/history`)).stdout;
    const [diskBefore, pidsBefore] = [await disk(), await pids()];
    const dry = await nu(['deploy', APP, '/root/v2.tgz', '--dry-run', '--json']);
    ok(dry);
    const preview = JSON.parse(dry.stdout);
    expect(preview).toMatchObject({ dryRun: true, changed: true, release: null, previous: ids.v1, instancesToRestart: [1, 2, 3] });
    expect(await disk()).toBe(diskBefore);
    expect(await pids()).toEqual(pidsBefore);
    expect(await current()).toBe(ids.v1);
    const { value: r, failed, total } = await underLoad('deploy v2 (3 instances)', () => nu(['deploy', APP, '/root/v2.tgz', '--json']));
    ok(r);
    console.log(`[e2e] deploy v2 progress:\n${r.stderr}`);
    const res = JSON.parse(r.stdout);
    ids.v2 = res.release;
    expect(res).toMatchObject({ ok: true, changed: true, previous: ids.v1, rolledBack: false });
    expect(res.instances.map((i: { release: string }) => i.release)).toEqual([ids.v2, ids.v2, ids.v2]);
    expect(r.stderr).toMatch(new RegExp(`${APP}: @1 ${ids.v2}  @2 ${ids.v1}  @3 ${ids.v1}`));
    expect(total).toBeGreaterThan(1000);
    expect(failed).toBe(0);
    expect(await versionsAnswering()).toEqual(['v2']);
    const json = JSON.parse((await nu(['status', APP, '--json'])).stdout);
    expect(json.apps[0].instances.map((i: { release: string }) => i.release)).toEqual([ids.v2, ids.v2, ids.v2]);
    // The same content again changes and restarts nothing.
    const before = await pids();
    const again = await nu(['deploy', APP, '/root/src/v2', '--json']);
    ok(again);
    expect(JSON.parse(again.stdout)).toMatchObject({ release: ids.v2, changed: false });
    expect(await pids()).toEqual(before);
    expect(ids.v2.endsWith(`-${preview.hash}`)).toBe(true);
    const sameDry = await nu(['deploy', APP, '/root/v2.tgz', '--dry-run']);
    ok(sameDry);
    expect(sameDry.stdout).toBe(`${APP}: ${ids.v2} is already deployed and running; nothing would change\n`);
    // The previous release's content is a change again: current would switch back, every instance restart.
    expect(JSON.parse((await nu(['deploy', APP, '/root/src/v1', '--dry-run', '--json'])).stdout)).toMatchObject({ changed: true, release: ids.v1, previous: ids.v2, instancesToRestart: [1, 2, 3] });
  });

  it('a broken deploy under keep-alive load: the first instance fails, current goes back, the others are never touched, 0 failed', async () => {
    const before = await pids();
    const { value: r, failed, total } = await underLoad('deploy broken v3 + automatic rollback', () => nu(['deploy', APP, '/root/src/v3']));
    console.log(`[e2e] broken deploy:\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    expect(r.code).toBe(1);
    const v3 = /release (\S+) failed: web@1 did not become ready/.exec(r.stderr)?.[1];
    expect(v3).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{12}$/);
    expect(r.stderr).toContain(`rolled back to ${ids.v2} (@2, @3 never touched)`);
    expect(r.stderr).toContain('v3: cannot start: CONFIG_URL is not set');
    expect(await current()).toBe(ids.v2);
    const after = await pids();
    expect(after[0]).not.toBe(before[0]);
    expect(after.slice(1)).toEqual(before.slice(1));
    expect(total).toBeGreaterThan(1000);
    expect(failed).toBe(0);
    expect(await versionsAnswering()).toEqual(['v2']);
    // The broken release stays on disk but is not the rollback target.
    const rel = JSON.parse((await nu(['releases', APP, '--json'])).stdout);
    expect(rel.releases.find((x: { current: boolean }) => x.current).id).toBe(ids.v2);
    expect(rel.releases.find((x: { previous: boolean }) => x.previous).id).toBe(ids.v1);
    expect(rel.releases.find((x: { id: string }) => x.id === v3).instances).toEqual([]);
  });

  it('--check: a release whose instance answers 500 is rolled back', async () => {
    const before = await pids();
    const r = await nu(['deploy', APP, '/root/src/v4', '--check', `http://127.0.0.1:${PORT}/health`, '--check-timeout', '10']);
    console.log(`[e2e] deploy with a failing --check:\n${r.stdout}${r.stderr}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed: web@1 --check http:\/\/127\.0\.0\.1:18900\/health answered HTTP 500; rolled back to /);
    expect(await current()).toBe(ids.v2);
    expect((await pids()).slice(1)).toEqual(before.slice(1));
    expect(await versionsAnswering()).toEqual(['v2']);
    const good = await nu(['deploy', APP, '/root/src/v5', '--check', `http://127.0.0.1:${PORT}/health`]);
    ok(good);
    expect(await versionsAnswering()).toEqual(['v5']);
  });

  it('rollback goes to the previous release, rolling; releases lists them; --keep prunes', async () => {
    const { value: r, failed } = await underLoad('rollback v5 -> v2', () => nu(['rollback', APP]));
    ok(r);
    expect(failed).toBe(0);
    expect(await current()).toBe(ids.v2);
    expect(await versionsAnswering()).toEqual(['v2']);
    const list = await nu(['releases', APP]);
    ok(list);
    console.log(`[e2e] nodeunit releases:\n${list.stdout}`);
    expect(list.stdout).toMatch(new RegExp(`^\\*\\s+${ids.v2}\\s+\\S+Z\\s+@1 @2 @3$`, 'm'));
    expect((await c.sh(`ls /var/lib/nodeunit/${APP}/releases | wc -l`)).stdout.trim()).toBe('5');
    const pruned = await nu(['deploy', APP, '/root/src/v1', '--keep', '2', '--json']);
    ok(pruned);
    const res = JSON.parse(pruned.stdout);
    expect(res.release).toBe(ids.v1);
    expect(res.pruned).toHaveLength(3);
    expect((await c.sh(`ls /var/lib/nodeunit/${APP}/releases`)).stdout.trim().split('\n').sort()).toEqual([ids.v1, ids.v2].sort());
  });
});
