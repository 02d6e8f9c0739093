/**
 * Fault matrix: the disk holding the app's state is full (real systemd,
 * default platform). A 256 KiB tmpfs is mounted over /var/lib/<app> (the
 * unit's StateDirectory=) and filled; the app's own write errors (ENOSPC)
 * reach the journal, `nodeunit status` and `logs` still report, and `reload`
 * restarts it.
 * Ports 18695-18699.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, until } from './harness/nodeunit.js';

const PORT = 18695;
// Appends to $STATE_DIRECTORY/data on every request; a failed write is logged on stderr and answered 507.
const APP_JS = `const fs = require('fs');
const file = process.env.STATE_DIRECTORY + '/data';
require('http').createServer((req, res) => {
  fs.appendFile(file, 'x'.repeat(4096), (err) => {
    if (err) { console.error('df: cannot save: ' + err.code + ' ' + err.message); res.statusCode = 507; return res.end(err.code + '\\n'); }
    res.end('saved\\n');
  });
}).listen(Number(process.env.PORT));
`;

describeE2E('fault: the disk holding the app state is full', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  beforeAll(async () => {
    c = await bootWithNodeunit();
    await c.writeFile('/opt/df.js', APP_JS);
    ok(await c.sh('mkdir -p /var/lib/df && mount -t tmpfs -o size=256k tmpfs /var/lib/df'));
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('ENOSPC from the app reaches the journal; status and logs still report', async () => {
    ok(await c.exec(['nodeunit', 'enable', 'df', '/opt/df.js', '--port', String(PORT), '--env', `PORT=${PORT}`], { timeoutMs: 150_000 }));
    const get = () => c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${PORT}/`], { timeoutMs: 15_000 });
    expect((await get()).stdout).toContain('saved');
    // Fill what is left (as root: the tmpfs has no reserved blocks).
    await c.sh('dd if=/dev/zero of=/var/lib/df/fill bs=4k 2>/dev/null; df -k /var/lib/df | tail -1');
    const df = (await c.sh('df -k --output=avail /var/lib/df | tail -1')).stdout.trim();
    const full = await get();
    console.log(`[fault] disk full: /var/lib/df avail ${df} KiB; the app answered: ${full.stdout.trim()}`);
    expect(full.stdout).toContain('ENOSPC');
    const line = await until(async () => {
      const j = await c.sh("journalctl --sync; journalctl -u 'df@*' -o cat | grep -m1 'df: cannot save: ENOSPC'; true");
      return j.stdout.trim();
    }, 15_000, 'the app line in the journal');
    console.log(`[fault] in the journal: ${line}`);
    const st = await c.exec(['nodeunit', 'status', 'df']);
    ok(st);
    expect(st.stdout).toMatch(/df@1 +running/);
    const json = await c.exec(['nodeunit', 'status', 'df', '--json']);
    ok(json);
    expect(JSON.parse(json.stdout).apps[0].instances[0]).toBeTruthy();
    const logs = await c.exec(['nodeunit', 'logs', 'df', '-n', '20']);
    ok(logs);
    expect(logs.stdout).toContain('df: cannot save: ENOSPC');
    console.log(`[fault] status with the state disk full:\n${st.stdout}`);
    // The instance also restarts with its StateDirectory= full (systemd only checks and chowns it).
    const reload = await c.exec(['nodeunit', 'reload', 'df'], { timeoutMs: 60_000 });
    ok(reload);
    console.log(`[fault] reload with the state disk full: ${reload.stdout.split('\n')[0]}`);
    expect((await get()).stdout).toContain('ENOSPC');
  }, 200_000);
});
