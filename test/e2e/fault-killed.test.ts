/**
 * Fault matrix: `nodeunit enable`, `scale` and `disable` killed with SIGKILL
 * at each step (real systemd, default platform). A shell loop in the
 * container watches for the step's effect (a file written or removed, a
 * symlink made, `systemctl daemon-reload` running, an instance activating)
 * and kills nodeunit at once. Reported for each kill point: what was left on
 * disk. Checked: no symlink points at a missing unit, no unit file is empty
 * or cut short (each still parses: `systemd-analyze verify`), and running the
 * same command again completes it. Ports 18655-18659.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit } from './harness/nodeunit.js';

const PORT = 18655;
const U = '/etc/systemd/system';
// LISTEN_DELAY_MS: each instance takes 1 s to become ready, so that "mid-start" can be caught.
const ENABLE = `nodeunit enable k /opt/apps/hello.js --instances 2 --port ${PORT} --env PORT=${PORT} --env LISTEN_DELAY_MS=1000`;
// The test's systemctl shim (below) marks each finished daemon-reload.
const afterDaemonReload = '[ -e /run/kp/daemon-reload ]';
/**
 * Ahead of /usr/bin on PATH, in the test container only: after a daemon-reload
 * it leaves a mark and gives the watcher 1 s to kill nodeunit right there.
 */
const SHIM = `#!/bin/sh
if [ "$1" = daemon-reload ] && [ -d /run/kp ]; then /usr/bin/systemctl "$@"; rc=$?; touch /run/kp/daemon-reload; sleep 1; exit $rc; fi
exec /usr/bin/systemctl "$@"
`;
const activating = (unit: string) => `[ "$(systemctl is-active ${unit})" = activating ]`;

describeE2E('fault: enable, scale and disable killed with SIGKILL at each step', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  const report: string[] = [];

  /** Starts `cmd`, kills it with SIGKILL once `cond` holds (polled in a tight loop); whether the point was reached. */
  async function killWhen(cmd: string, cond: string): Promise<boolean> {
    const watch = cond === afterDaemonReload ? 'mkdir -p /run/kp; ' : '';
    const r = await c.sh(
      `rm -rf /run/kp; ${watch}${cmd} >/tmp/k.out 2>&1 & P=$!; hit=no; while [ -r /proc/$P/stat ] && read -r _ _ st _ </proc/$P/stat && [ "$st" != Z ]; do if ${cond}; then kill -9 $P 2>/dev/null && hit=yes; break; fi; done; wait $P; rm -rf /run/kp; echo "hit=$hit"`,
      { timeoutMs: 120_000 },
    );
    return /hit=yes/.test(r.stdout);
  }

  /** What the app has on disk, and the broken things that must never be there. */
  async function leftOnDisk(): Promise<{ files: string; dangling: string; empty: string; tmp: string; verify: ExecResult }> {
    const sh = async (s: string) => (await c.sh(s)).stdout.trim();
    const files = await sh(`cd ${U} && for f in $(find . -name 'k[.@-]*' | sort); do if [ -L $f ]; then echo "$f -> $(readlink $f)"; else echo "$f $(stat -c %s $f)B"; fi; done | tr '\\n' ' '`);
    const dangling = await sh(`find ${U} /etc/nodeunit /etc/sysusers.d -xtype l 2>/dev/null`);
    const empty = await sh(`find ${U} /etc/nodeunit /etc/sysusers.d -name 'k*' -type f -size 0 2>/dev/null`);
    const tmp = await sh(`find ${U} /etc/nodeunit /etc/sysusers.d -name '*.tmp' 2>/dev/null`);
    const units = (await sh(`cd ${U} && ls k.target k@.service k-${PORT}.socket 2>/dev/null`)).split('\n').filter(Boolean);
    // The socket and the service name each other: between their two writes one is alone on disk, enabled by
    // nothing and loaded by no one. Once anything links to them (enable comes after the writes), all are there.
    const linked = (await sh(`ls ${U}/multi-user.target.wants/k.target ${U}/k.target.wants 2>/dev/null`)) !== '';
    if (linked) expect(units.length, `linked, but only ${units.join(' ')} on disk`).toBe(3);
    const verify = units.length === 3 ? await c.exec(['systemd-analyze', 'verify', ...units.map((u) => `${U}/${u.replace('@.service', '@1.service')}`)]) : { code: 0, stdout: '', stderr: '' };
    return { files, dangling, empty, tmp, verify };
  }

  async function point(what: string, cmd: string, cond: string, again: string, then: () => Promise<void>): Promise<void> {
    const hit = await killWhen(cmd, cond);
    const d = await leftOnDisk();
    report.push(`${what}: ${hit ? 'killed' : 'NOT REACHED (finished first)'}; left: ${d.files || '(nothing)'}${d.tmp ? `; tmp files: ${d.tmp}` : ''}`);
    expect(d.dangling, `${what}: symlinks to missing files`).toBe('');
    expect(d.empty, `${what}: empty files`).toBe('');
    expect(d.verify.code, `${what}: systemd-analyze verify\n${d.verify.stderr}`).toBe(0);
    const r = await c.sh(`${again} 2>&1`, { timeoutMs: 150_000 });
    // A disable killed after its last step is complete: running it again says there is nothing left to disable.
    const done = again.startsWith('nodeunit disable') && /no app 'k': nothing to disable/.test(r.stdout);
    if (!done) expect(r.code, `${what}: '${again}' again\n${r.stdout}`).toBe(0);
    await then();
    expect(hit, `${what}: the kill point was reached`).toBe(true);
  }

  const running = async () =>
    (await c.sh(`systemctl list-units --state=active --no-legend --plain 'k@*.service' | awk '{print $1}' | sort | tr '\\n' ' '`)).stdout.trim();
  const isUp = (n: number) => async () => {
    expect(await running()).toBe(Array.from({ length: n }, (_, i) => `k@${i + 1}.service`).join(' '));
    expect((await c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${PORT}/`])).code).toBe(0);
  };
  const isGone = async () => {
    expect(await running()).toBe('');
    expect((await c.sh(`find ${U} -name 'k[.@-]*'`)).stdout.trim()).toBe('');
  };

  beforeAll(async () => {
    c = await bootWithNodeunit();
    await c.writeFile('/usr/local/bin/systemctl', SHIM, 0o755);
  });
  afterAll(async () => {
    console.log(`[fault] killed with SIGKILL, then run again:\n${report.map((l) => `  ${l}`).join('\n')}`);
    await c?.stop();
  });

  const enablePoints: Array<[string, string]> = [
    ['enable, after k.target written', `[ -e ${U}/k.target ]`],
    ['enable, after k@.service written', `[ -e ${U}/k@.service ]`],
    [`enable, after k-${PORT}.socket written`, `[ -e ${U}/k-${PORT}.socket ]`],
    ['enable, after the enable symlinks', `[ -e ${U}/k.target.wants/k@2.service ]`],
    ['enable, after daemon-reload', afterDaemonReload],
    ['enable, mid-start', activating('k@1.service')],
  ];
  for (const [what, cond] of enablePoints) {
    it(what, async () => {
      await point(what, ENABLE, cond, ENABLE, isUp(2));
      ok(await c.exec(['nodeunit', 'disable', 'k', '--purge']));
      await isGone();
    }, 200_000);
  }

  it('scale 2 -> 4, killed after the first symlink, then mid-start; scale 4 -> 1 killed after the first instance went', async () => {
    ok(await c.sh(ENABLE));
    await point('scale 2->4, after k@3 enabled', 'nodeunit scale k 4', `[ -e ${U}/k.target.wants/k@3.service ]`, 'nodeunit scale k 4', isUp(4));
    ok(await c.exec(['nodeunit', 'scale', 'k', '2']));
    await point('scale 2->4, mid-start', 'nodeunit scale k 4', activating('k@3.service'), 'nodeunit scale k 4', isUp(4));
    await point('scale 4->1, after k@4 disabled', 'nodeunit scale k 1', `[ ! -e ${U}/k.target.wants/k@4.service ]`, 'nodeunit scale k 1', isUp(1));
  }, 300_000);

  it('disable, killed after stop, after the first file removed, and after daemon-reload', async () => {
    const points: Array<[string, string]> = [
      ['disable, after the instances stopped', `! systemctl is-active -q k@1.service`],
      ['disable, after the first unit file removed', `[ ! -e ${U}/k-${PORT}.socket ]`],
      ['disable, after daemon-reload', afterDaemonReload],
    ];
    for (const [what, cond] of points) {
      ok(await c.sh(ENABLE));
      await point(what, 'nodeunit disable k', cond, 'nodeunit disable k', isGone);
    }
  }, 300_000);
});
