/**
 * Secrets on systemd 247-249 (no systemd-creds): a root-only plain file and
 * LoadCredential=, in a real Debian 11 container (systemd 247). bullseye's
 * node 12 is too old: the app runs on the pinned LTS node (--node). The app
 * reads the secret from process.env; an unprivileged user finds it in no file
 * it can read and in no systemctl output. Ports 18690-18694.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Container, ExecResult } from './harness/container.js';
import { describeE2E } from './harness/container.js';
import { bootWithNodeunit, LTS_NODE } from './harness/nodeunit.js';

const PORT = 18690;
const APP = 'sec7';
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

describeE2E('secrets on systemd 247 (LoadCredential= and a root-only file)', () => {
  let c: Container;
  const ok = (r: ExecResult) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);

  beforeAll(async () => {
    c = await bootWithNodeunit({ platform: 'bullseye-v2' });
    ok(await c.sh('useradd --create-home mallory && id mallory'));
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('enable --secret: the app reads it from process.env; mallory finds it nowhere', async () => {
    const v = await c.exec(['systemctl', '--version']);
    expect(v.stdout).toMatch(/^systemd 247\b/);
    const r = await c.exec(
      ['nodeunit', 'enable', APP, '/opt/apps/secret.js', '--node', LTS_NODE, '--port', String(PORT), '--env', `PORT=${PORT}`, '--secret', `DB_PASSWORD=${PASSWORD}`],
      { timeoutMs: 150_000 },
    );
    ok(r);
    console.log(`[secrets-247] ${r.stdout.split('\n').find((l) => l.includes('stored as systemd credentials'))}`);
    const dropIn = await c.sh(`cat /etc/systemd/system/${APP}@.service.d/*.conf; stat -c '%a %U %n' /etc/nodeunit/credentials/${APP} /etc/nodeunit/credentials/${APP}/*`);
    console.log(`[secrets-247] drop-in and files:\n${dropIn.stdout}`);
    expect(dropIn.stdout).toMatch(/^LoadCredential=DB_PASSWORD:/m);
    expect(dropIn.stdout).not.toMatch(/LoadCredentialEncrypted/);
    expect(dropIn.stdout).toMatch(new RegExp(`^700 root /etc/nodeunit/credentials/${APP}$`, 'm'));
    expect(dropIn.stdout).toMatch(/^600 root \/etc\/nodeunit\/credentials\/sec7\/DB_PASSWORD/m);
    const env = await c.exec(['node', '/opt/apps/get.js', `http://127.0.0.1:${PORT}/env?names=DB_PASSWORD`], { timeoutMs: 15_000 });
    ok(env);
    expect(JSON.parse(env.stdout)).toEqual({ DB_PASSWORD: PASSWORD });
    // Root finds it where it is stored (the positive control); mallory nowhere.
    const script = `p=$(cat); printf '%s\\n' "$p" | grep -rlIsF -f - /etc /run /var /tmp /home /root /srv /opt/apps; printf '%s\\n' "$p" | grep -lasF -f - /proc/[0-9]*/environ /proc/[0-9]*/cmdline; true`;
    const asRoot = await c.exec(['sh', '-c', script], { timeoutMs: 90_000, input: PASSWORD });
    expect(asRoot.stdout).toContain(`/etc/nodeunit/credentials/${APP}/DB_PASSWORD`);
    const asMallory = await c.exec(['runuser', '-u', 'mallory', '--', 'sh', '-c', script], { timeoutMs: 90_000, input: PASSWORD });
    expect(asMallory.stdout.trim()).toBe('');
    const sys = await c.exec(['runuser', '-u', 'mallory', '--', 'sh', '-c', `systemctl show ${APP}@1.service; systemctl cat ${APP}@1.service; systemctl status ${APP}@1.service --no-pager; cat /etc/nodeunit/credentials/${APP}/* /run/credentials/${APP}@1.service/*`]);
    expect(sys.stdout).toContain('NODEUNIT_SECRETS=DB_PASSWORD');
    expect(sys.stdout + sys.stderr).not.toContain(PASSWORD);
    expect(sys.stderr).toMatch(/Permission denied/);
  }, 240_000);
});
